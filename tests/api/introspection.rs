//! The introspection queries that tools really send, and the bounds that keep
//! hostile introspection cheap. The queries are kept verbatim under
//! `fixtures/introspection/` (see its README for which tool made each).

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, first_code};

/// Every fixture: its file name and text.
fn fixtures() -> Vec<(String, String)> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/fixtures/introspection");
    let mut all: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "graphql"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    all.sort();
    all
}

/// Posts `query` as the tools do: with its operation name.
async fn introspect(app: &TestApp, token: Option<&str>, query: &str) -> Value {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": query, "operationName": "IntrospectionQuery", "variables": {} }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn every_tools_introspection_query_reads_the_whole_schema_with_or_without_a_token() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let fixtures = fixtures();
    // graphql-js 15, 16, 17 (default and every option), graphql-core, GraphiQL.
    assert!(
        fixtures.len() >= 9,
        "fixtures: {:?}",
        fixtures.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (name, query) in &fixtures {
        for token in [None, Some(app.admin.as_str())] {
            let who = if token.is_some() {
                "with a token"
            } else {
                "without a token"
            };
            let response = introspect(&app, token, query).await;
            assert!(
                response.get("errors").is_none(),
                "{name} {who}: {response:#}"
            );
            let schema = &response["data"]["__schema"];
            assert_eq!(schema["queryType"]["name"], "Query", "{name} {who}");
            assert_eq!(schema["mutationType"]["name"], "Mutation", "{name} {who}");
            let types = schema["types"].as_array().unwrap();
            let query_type = types
                .iter()
                .find(|t| t["name"] == "Query")
                .unwrap_or_else(|| panic!("{name} {who}: no Query type"));
            let fields: Vec<&str> = query_type["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["name"].as_str().unwrap())
                .collect();
            for root in ["viewer", "node", "candidates"] {
                assert!(
                    fields.contains(&root),
                    "{name} {who}: Query lacks {root}: {fields:?}"
                );
            }
            assert!(types.len() > 50, "{name} {who}: only {} types", types.len());
            // graphql-js 15 asks for `specifiedByUrl`, the name before the
            // October 2021 specification; it is answered under that name.
            for field in ["specifiedByUrl", "specifiedByURL", "isOneOf"] {
                if query.contains(field) {
                    assert!(
                        types.iter().all(|t| t.get(field).is_some()),
                        "{name} {who}: {field}"
                    );
                }
            }
            assert!(
                !schema["directives"].as_array().unwrap().is_empty(),
                "{name} {who}"
            );
            // A type reference is spelt out to the named type.
            let viewer = query_type["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["name"] == "viewer")
                .unwrap();
            assert_eq!(viewer["type"]["ofType"]["name"], "Viewer", "{name} {who}");
        }
    }
}

#[tokio::test]
async fn the_fullest_option_set_reads_descriptions_deprecations_and_one_of() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let query = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/api/fixtures/introspection/graphql-js-17.1.0-all-options.graphql"),
    )
    .unwrap();
    let response = introspect(&app, None, &query).await;
    assert!(response.get("errors").is_none(), "{response:#}");
    let types = response["data"]["__schema"]["types"].as_array().unwrap();
    let query_type = types.iter().find(|t| t["name"] == "Query").unwrap();
    assert!(
        query_type["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    assert!(
        types
            .iter()
            .all(|t| t.get("isOneOf").is_some() && t.get("specifiedByURL").is_some())
    );
    let skip = response["data"]["__schema"]["directives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "skip")
        .unwrap();
    assert_eq!(skip["isRepeatable"], false);
}

#[tokio::test]
async fn hostile_introspection_is_refused_and_the_server_keeps_serving() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let full = fixtures()
        .into_iter()
        .find(|(name, _)| name == "graphql-js-16.15.0-default.graphql")
        .unwrap()
        .1;
    // The whole schema six times over, by aliases.
    let aliases: String = (0..6)
        .map(|i| format!("s{i}: __schema {{ ...Schema }} "))
        .collect();
    let copies = format!(
        "{{ {aliases} }} fragment Schema on __Schema {{ types {{ ...FullType }} }} {}",
        &full[full.find("fragment FullType").unwrap()..]
    );
    let of_type = |levels: usize| {
        format!(
            "{{ __type(name: \"Query\") {{ {}name{} }} }}",
            "ofType { ".repeat(levels),
            " }".repeat(levels)
        )
    };
    let cases = [
        (
            "aliases of __schema",
            copies,
            "introspection (__schema, __type) 6 times",
        ),
        (
            "ofType beyond any tool",
            of_type(25),
            "introspection is nested too deep",
        ),
        ("ofType to the parser's limit", of_type(70), "recursion"),
        ("ofType by the thousand", of_type(50_000), ""),
        (
            "lists of lists of lists of lists",
            "{ __schema { types { fields { type { fields { args { name } } } } } } }".to_owned(),
            "4 lists",
        ),
    ];
    for (what, query, words) in cases {
        for token in [None, Some(app.admin.as_str())] {
            let response = app.gql(token, &query, json!({})).await;
            assert_eq!(
                first_code(&response).as_deref(),
                Some("VALIDATION"),
                "{what}: {response:#}"
            );
            assert!(response["data"].is_null(), "{what}: {response:#}");
            let message = response["errors"][0]["message"].as_str().unwrap();
            assert!(message.contains(words), "{what}: {message}");
        }
    }
    // Still serving, introspection included.
    let response = introspect(&app, None, &full).await;
    assert_eq!(response["data"]["__schema"]["queryType"]["name"], "Query");
    app.ok(&app.admin, "{ viewer { isAdmin } }", json!({}))
        .await;
}

#[tokio::test]
async fn introspection_next_to_data_does_not_count_towards_the_data_depth() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    // 14 levels of introspection beside the data: over the data limit of 12,
    // within introspection's 20.
    let type_ref = format!("{}name{}", "ofType { ".repeat(10), " }".repeat(10));
    let query = format!(
        "{{ viewer {{ isAdmin }} __type(name: \"Candidate\") {{ fields {{ name type {{ {type_ref} }} }} }} }}"
    );
    let data = app.ok(&app.admin, &query, json!({})).await;
    assert_eq!(data["viewer"]["isAdmin"], true);
    assert!(!data["__type"]["fields"].as_array().unwrap().is_empty());
    // The same depth in data is refused.
    let deep = format!("{{ {}id{} }}", "viewer { ".repeat(13), " }".repeat(13));
    let response = app.gql(Some(&app.admin), &deep, json!({})).await;
    let message = response["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("nested too deep: 14 levels"), "{message}");
}
