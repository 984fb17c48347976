//! Bad input of every kind gets a clear error with its code, nothing is
//! written, and the server keeps serving.

use serde_json::{Value, json};

use crate::helpers::{create_candidate, on_each_backend, structure};

const COUNTS: &str = "{ candidates { totalCount } positions { totalCount } categories { id } subsidiaries { id } users { id } }";

#[tokio::test]
async fn each_bad_input_is_refused_with_its_code_and_changes_nothing() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (sub, cat, position) = structure(&app, &admin, "X").await;
        let candidate = create_candidate(&app, &admin, "Valid", "Person", "valid@example.com").await;
        let before = app.ok(&admin, COUNTS, json!({})).await;
        let huge = "x".repeat(100 * 1024);
        let deep = format!("{{ viewer {} }}", "{ company ".repeat(2) + "{ id }" + &"}".repeat(2));
        let nested = (0..5).fold("id".to_owned(), |inner, _| format!("applications {{ candidate {{ {inner} }} }}"));

        let cases: Vec<(&str, String, Value, &str, Option<&str>)> = vec![
            ("malformed GraphQL", "{ candidates { ".into(), json!({}), "VALIDATION", None),
            ("unknown field", "{ candidates { edges { node { salary } } } }".into(), json!({}), "VALIDATION", None),
            ("too deep", format!("{{ candidates(first: 1) {{ edges {{ node {{ {nested} }} }} }} }}"), json!({}), "VALIDATION", None),
            ("field on the wrong type", deep, json!({}), "VALIDATION", None),
            ("page too large", "{ candidates(first: 101) { totalCount } }".into(), json!({}), "VALIDATION", Some("first")),
            ("negative page", "{ candidates(first: -1) { totalCount } }".into(), json!({}), "VALIDATION", Some("first")),
            ("bad cursor", "{ candidates(after: \"nonsense\") { totalCount } }".into(), json!({}), "VALIDATION", Some("after")),
            ("invalid email",
                "mutation($e: String!) { createCandidate(input: { firstName: \"A\", lastName: \"B\", email: $e }) { candidate { id } } }".into(),
                json!({ "e": "not-an-address" }), "VALIDATION", Some("email")),
            ("header injection in an email",
                "mutation($e: String!) { createCandidate(input: { firstName: \"A\", lastName: \"B\", email: $e }) { candidate { id } } }".into(),
                json!({ "e": "a@example.com\r\nBcc: victim@example.com" }), "VALIDATION", Some("email")),
            ("empty name",
                "mutation { createCandidate(input: { firstName: \"   \", lastName: \"B\", email: \"e1@example.com\" }) { candidate { id } } }".into(),
                json!({}), "VALIDATION", Some("firstName")),
            ("100 KB name",
                "mutation($n: String!) { createCandidate(input: { firstName: $n, lastName: \"B\", email: \"e2@example.com\" }) { candidate { id } } }".into(),
                json!({ "n": huge }), "VALIDATION", Some("firstName")),
            ("100 KB category", "mutation($n: String!) { createCategory(input: { name: $n }) { category { id } } }".into(),
                json!({ "n": "y".repeat(100 * 1024) }), "VALIDATION", Some("name")),
            ("100 KB search", "query($s: String!) { candidates(filter: { search: $s }) { totalCount } }".into(),
                json!({ "s": "z".repeat(100 * 1024) }), "VALIDATION", Some("filter.search")),
            ("control character in a search",
                "query($s: String!) { candidates(filter: { search: $s }) { totalCount } }".into(),
                json!({ "s": "a\u{0}b" }), "VALIDATION", Some("filter.search")),
            ("too many IDs in a list",
                "mutation($s: ID!, $c: ID!, $m: [ID!]!) { createPosition(input: { name: \"P\", subsidiaryId: $s, categoryId: $c, hiringManagerIds: $m }) { position { id } } }".into(),
                json!({ "s": sub, "c": cat, "m": vec![position.clone(); 101] }), "VALIDATION", Some("hiringManagerIds")),
            ("bad language tag",
                "mutation($id: ID!) { updateCandidate(input: { id: $id, preferredLanguage: \"not a language\" }) { candidate { id } } }".into(),
                json!({ "id": candidate }), "VALIDATION", Some("preferredLanguage")),
            ("ID of another type", "query($id: ID!) { candidate(id: $id) { id } }".into(), json!({ "id": position }), "VALIDATION", Some("id")),
            ("ID of another type in a mutation",
                "mutation($s: ID!, $c: ID!) { createPosition(input: { name: \"P\", subsidiaryId: $c, categoryId: $s }) { position { id } } }".into(),
                json!({ "s": sub, "c": cat }), "VALIDATION", Some("subsidiaryId")),
            ("garbage ID", "query { node(id: \"!!!\") { id } }".into(), json!({}), "VALIDATION", Some("id")),
            ("unknown enum value",
                "mutation { createCandidate(input: { firstName: \"A\", lastName: \"B\", email: \"e3@example.com\", gender: ROBOT }) { candidate { id } } }".into(),
                json!({}), "VALIDATION", None),
            ("wrong variable type", "query($f: Int) { candidates(first: $f) { totalCount } }".into(), json!({ "f": "ten" }), "VALIDATION", None),
            ("missing required input",
                "mutation { createCandidate(input: { firstName: \"A\", lastName: \"B\" }) { candidate { id } } }".into(),
                json!({}), "VALIDATION", None),
            ("duplicate email", "mutation { createCandidate(input: { firstName: \"A\", lastName: \"B\", email: \"VALID@example.com\" }) { candidate { id } } }".into(),
                json!({}), "CONFLICT", None),
            ("bad hiring manager list",
                "mutation($s: ID!, $c: ID!, $p: ID!) { createPosition(input: { name: \"P\", subsidiaryId: $s, categoryId: $c, hiringManagerIds: [$p] }) { position { id } } }".into(),
                json!({ "s": sub, "c": cat, "p": position }), "VALIDATION", Some("hiringManagerIds.0")),
        ];
        for (what, query, variables, code, field) in cases {
            let response = app.gql(Some(&admin), &query, variables).await;
            let error = &response["errors"][0];
            assert_eq!(error["extensions"]["code"], code, "{what}: {response:#}");
            if let Some(field) = field {
                assert_eq!(error["extensions"]["field"], field, "{what}: {response:#}");
            }
            let message = error["message"].as_str().unwrap_or_default();
            if what == "too deep" {
                assert!(message.contains("deep"), "{what}: {message}");
            }
            assert!(!message.is_empty() && message.len() < 500, "{what}: message should be short and clear: {message}");
        }

        let after = app.ok(&admin, COUNTS, json!({})).await;
        assert_eq!(before, after, "nothing may be written by refused input");
        let health = app.client.get(format!("{}/healthz", app.base)).send().await.unwrap();
        assert_eq!(health.status(), 200);
    })
    .await;
}

#[tokio::test]
async fn broken_requests_get_graphql_errors_not_crashes() {
    on_each_backend(async |app| {
        let url = format!("{}/graphql", app.base);
        let not_json = app
            .client
            .post(&url)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(not_json.status(), 400);
        let body: Value = not_json.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "VALIDATION");

        let big = app
            .client
            .post(&url)
            .header("content-type", "application/json")
            .body(format!(
                "{{\"query\": \"{}\"}}",
                "a".repeat(2 * 1024 * 1024)
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(big.status(), 413);
        let body: Value = big.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");

        for header in [
            "Basic abc",
            "Bearer rm_unknown",
            "Bearer",
            &format!("Bearer rm_{}", "x".repeat(200)),
        ] {
            let response: Value = app
                .client
                .post(&url)
                .header("authorization", header)
                .json(&json!({ "query": "{ viewer { isAdmin } }" }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(
                response["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
                "{header}"
            );
        }
        // Still serving.
        app.ok(&app.admin, "{ viewer { isAdmin } }", json!({}))
            .await;
    })
    .await;
}

#[tokio::test]
async fn complexity_limit_stops_pages_of_pages() {
    on_each_backend(async |app| {
        let query = |first: u32| {
            format!(
                "{{ candidates(first: {first}) {{ edges {{ node {{ applications {{ position {{ hiringManagers {{ id email displayName active createdAt }}
                subsidiary {{ id name emailAddress }} category {{ id name }} }} candidate {{ id email firstName lastName phone }} }} }} }} }} }}"
            )
        };
        let response = app.gql(Some(&app.admin), &query(100), json!({})).await;
        assert_eq!(response["errors"][0]["extensions"]["code"], "VALIDATION", "{response:#}");
        let message = response["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("complex"), "{message}");
        // The same selection on a small page is fine.
        app.ok(&app.admin, &query(5), json!({})).await;
    })
    .await;
}

#[tokio::test]
async fn bad_document_input_is_refused_with_its_code_and_changes_nothing() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (_, category, position) = structure(&app, &admin, "D").await;
        let candidate = create_candidate(&app, &admin, "Valid", "Person", "valid@example.com").await;
        let document = crate::documents::candidate_document(
            &app, &admin, &candidate, None, "cv.pdf", "application/pdf", crate::documents::pdf_bytes(),
        )
        .await;
        let at = (chrono::Utc::now() + chrono::TimeDelta::days(1)).to_rfc3339();
        app.ok(
            &admin,
            "mutation($c: ID!, $d: ID!, $at: DateTime!) { sendEmail(input: { candidateIds: [$c], subject: \"S\", body: \"<p>B</p>\", attachmentIds: [$d], scheduledAt: $at }) { message { id } } }",
            json!({ "c": candidate, "d": document, "at": at }),
        )
        .await;
        let url = crate::documents::link(&app, &admin, &document, "INLINE").await;
        let state = "{ documents { totalCount nodes { id fileName category { id } } } }";
        let before = app.ok(&admin, state, json!({})).await;

        let delete = "mutation($id: ID!) { deleteDocument(input: { id: $id }) { deletedId } }";
        let update = "mutation($id: ID!, $k: ID) { updateDocument(input: { id: $id, fileName: \"x.pdf\", documentCategoryId: $k }) { document { id } } }";
        let cases: Vec<(&str, &str, Value, &str, Option<&str>)> = vec![
            ("deleting a document a scheduled message needs", delete, json!({ "id": document }), "CONFLICT", None),
            ("a candidate ID as a document", delete, json!({ "id": candidate }), "VALIDATION", Some("id")),
            ("a position ID as a document", update, json!({ "id": position }), "VALIDATION", Some("id")),
            ("a recruiting category as a document category", update, json!({ "id": document, "k": category }), "VALIDATION", Some("documentCategoryId")),
            ("a position ID in the documents filter",
                "query($id: ID!) { documents(filter: { candidateId: $id }) { totalCount } }",
                json!({ "id": position }), "VALIDATION", Some("filter.candidateId")),
            ("a garbage document ID", delete, json!({ "id": "!!!" }), "VALIDATION", Some("id")),
        ];
        for (what, query, variables, code, field) in cases {
            let response = app.gql(Some(&admin), query, variables).await;
            let error = &response["errors"][0];
            assert_eq!(error["extensions"]["code"], code, "{what}: {response:#}");
            if let Some(field) = field {
                assert_eq!(error["extensions"]["field"], field, "{what}: {response:#}");
            }
        }
        for (what, bad) in [
            ("a forged link", url.replace("&s=", "&s=AAAA")),
            ("a link without its query", url.split('?').next().unwrap().to_owned()),
        ] {
            let response = crate::documents::open(&app, &bad, None).await;
            assert_eq!(response.status(), 403, "{what}");
        }
        let thousand = format!("bytes={}", (0..1000).map(|i| format!("{i}-")).collect::<Vec<_>>().join(","));
        let whole = crate::documents::open(&app, &url, Some(&thousand)).await;
        assert_eq!(whole.status(), 200);
        let beyond = crate::documents::open(&app, &url, Some("bytes=99999999-")).await;
        assert_eq!(beyond.status(), 416);

        assert_eq!(app.ok(&admin, state, json!({})).await, before, "nothing may change");
        assert_eq!(crate::documents::open(&app, &url, None).await.status(), 200);
        let health = app.client.get(format!("{}/healthz", app.base)).send().await.unwrap();
        assert_eq!(health.status(), 200);
    })
    .await;
}
