//! `POST /graphql` as the GraphQL over HTTP specification sets it: the
//! request's media types, and the status and media type of each answer in
//! `application/json` (every readable request 200, as always) and in
//! `application/graphql-response+json` (400 for requests not executed).
//! `tests/http-audit/` runs graphql-http's own audit against the binary.

use reqwest::header::{ACCEPT, ALLOW, CONTENT_TYPE, WWW_AUTHENTICATE};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, first_code, upload_document};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

struct Answer {
    status: u16,
    content_type: String,
    body: Value,
    allow: Option<String>,
    www_authenticate: Option<String>,
}

async fn post(app: &TestApp, accept: Option<&str>, token: Option<&str>, body: Value) -> Answer {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.base))
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string());
    if let Some(accept) = accept {
        request = request.header(ACCEPT, accept);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    answer(request.send().await.unwrap()).await
}

async fn answer(response: reqwest::Response) -> Answer {
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_owned())
    };
    let content_type = header(CONTENT_TYPE).unwrap_or_default();
    let allow = header(ALLOW);
    let www_authenticate = header(WWW_AUTHENTICATE);
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| json!({ "text": text }));
    Answer {
        status,
        content_type,
        body,
        allow,
        www_authenticate,
    }
}

/// Requests the operation was not executed for, by what makes them so.
fn request_errors() -> Vec<(&'static str, Value)> {
    vec![
        (
            "a document that does not parse",
            json!({ "query": "{ viewer {" }),
        ),
        ("an unknown field", json!({ "query": "{ nosuchfield }" })),
        (
            "a variable that does not coerce",
            json!({ "query": "query($id: ID!) { node(id: $id) { id } }", "variables": { "id": null } }),
        ),
        (
            "a variable of the wrong type",
            json!({ "query": "query($first: Int) { candidates(first: $first) { totalCount } }", "variables": { "first": "ten" } }),
        ),
        (
            "a document over the depth limit",
            json!({ "query": format!("{{ {}id{} }}", "viewer { ".repeat(13), " }".repeat(13)) }),
        ),
        (
            "an unknown operation name",
            json!({ "query": "query A { __typename }", "operationName": "B" }),
        ),
    ]
}

#[tokio::test]
async fn graphql_response_json_is_answered_when_accepted() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let body = json!({ "query": "{ viewer { isAdmin } }" });
    for accept in [
        GRAPHQL_RESPONSE,
        "application/graphql-response+json, application/json",
        "application/json;q=0.9, application/graphql-response+json",
    ] {
        let answer = post(&app, Some(accept), Some(&app.admin), body.clone()).await;
        assert_eq!(answer.status, 200, "{accept}");
        assert!(
            answer.content_type.starts_with(GRAPHQL_RESPONSE),
            "{accept}: {}",
            answer.content_type
        );
        assert_eq!(answer.body["data"]["viewer"]["isAdmin"], true, "{accept}");
    }
    for accept in [
        None,
        Some("application/json"),
        Some("*/*"),
        Some("application/graphql-response+json;q=0.1, application/json"),
    ] {
        let answer = post(&app, accept, Some(&app.admin), body.clone()).await;
        assert_eq!(answer.status, 200, "{accept:?}");
        assert_eq!(answer.content_type, "application/json", "{accept:?}");
        assert_eq!(answer.body["data"]["viewer"]["isAdmin"], true, "{accept:?}");
    }
    // Neither type acceptable.
    let answer = post(&app, Some("text/html"), Some(&app.admin), body).await;
    assert_eq!(answer.status, 406);
    assert_eq!(first_code(&answer.body).as_deref(), Some("VALIDATION"));
    assert_eq!(answer.body["errors"][0]["extensions"]["field"], "Accept");
}

#[tokio::test]
async fn requests_not_executed_are_400_without_data_in_graphql_response_json() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    for (what, body) in request_errors() {
        for token in [None, Some(app.admin.as_str())] {
            let answer = post(&app, Some(GRAPHQL_RESPONSE), token, body.clone()).await;
            assert_eq!(answer.status, 400, "{what}: {:#}", answer.body);
            assert!(answer.content_type.starts_with(GRAPHQL_RESPONSE), "{what}");
            assert!(
                answer.body.get("data").is_none(),
                "{what}: {:#}",
                answer.body
            );
            assert_eq!(
                first_code(&answer.body).as_deref(),
                Some("VALIDATION"),
                "{what}"
            );
        }
    }
}

#[tokio::test]
async fn application_json_keeps_answering_200_with_errors() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    for (what, body) in request_errors() {
        let answer = post(&app, Some("application/json"), Some(&app.admin), body).await;
        assert_eq!(answer.status, 200, "{what}: {:#}", answer.body);
        assert_eq!(answer.content_type, "application/json", "{what}");
        assert!(answer.body["data"].is_null(), "{what}");
        assert_eq!(
            first_code(&answer.body).as_deref(),
            Some("VALIDATION"),
            "{what}"
        );
    }
}

#[tokio::test]
async fn errors_while_executing_are_200_with_data_in_both_types() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    // No token: the resolver refuses, so the operation was executed.
    for accept in [GRAPHQL_RESPONSE, "application/json"] {
        let answer = post(
            &app,
            Some(accept),
            None,
            json!({ "query": "{ viewer { isAdmin } }" }),
        )
        .await;
        assert_eq!(answer.status, 200, "{accept}: {:#}", answer.body);
        assert!(
            answer.body.get("data").is_some(),
            "{accept}: {:#}",
            answer.body
        );
        assert_eq!(
            first_code(&answer.body).as_deref(),
            Some("UNAUTHENTICATED"),
            "{accept}"
        );
        assert_eq!(answer.body["errors"][0]["path"][0], "viewer", "{accept}");
    }
}

#[tokio::test]
async fn an_unknown_token_is_401_where_the_status_speaks() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let body = json!({ "query": "{ __typename }" });
    let answer = post(&app, Some(GRAPHQL_RESPONSE), Some("rm_nope"), body.clone()).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.www_authenticate.as_deref(), Some("Bearer"));
    assert!(answer.body.get("data").is_none(), "{:#}", answer.body);
    assert_eq!(first_code(&answer.body).as_deref(), Some("UNAUTHENTICATED"));
    let answer = post(&app, Some("application/json"), Some("rm_nope"), body).await;
    assert_eq!(answer.status, 200);
    assert_eq!(first_code(&answer.body).as_deref(), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn bodies_that_are_not_graphql_requests_are_4xx_in_both_types() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let url = format!("{}/graphql", app.base);
    let query = json!({ "query": "{ __typename }" }).to_string();
    for accept in [GRAPHQL_RESPONSE, "application/json"] {
        let cases: Vec<(&str, Option<&str>, String, u16, &str)> = vec![
            ("no content type", None, query.clone(), 415, "Content-Type"),
            (
                "text/plain",
                Some("text/plain"),
                query.clone(),
                415,
                "Content-Type",
            ),
            (
                "a form",
                Some("application/x-www-form-urlencoded"),
                "query=%7B__typename%7D".into(),
                415,
                "Content-Type",
            ),
            (
                "JSON in Latin-1",
                Some("application/json; charset=iso-8859-1"),
                query.clone(),
                415,
                "Content-Type",
            ),
            (
                "not JSON",
                Some("application/json"),
                "{ \"not a JSON".into(),
                400,
                "body",
            ),
            (
                "no query",
                Some("application/json"),
                json!({ "qeury": "{ __typename }" }).to_string(),
                400,
                "query",
            ),
            (
                "a query that is not a string",
                Some("application/json"),
                json!({ "query": 1 }).to_string(),
                400,
                "body",
            ),
            (
                "variables that are not a map",
                Some("application/json"),
                json!({ "query": "{ __typename }", "variables": "x" }).to_string(),
                400,
                "body",
            ),
        ];
        for (what, content_type, body, status, field) in cases {
            let mut request = app.client.post(&url).header(ACCEPT, accept).body(body);
            if let Some(content_type) = content_type {
                request = request.header(CONTENT_TYPE, content_type);
            }
            let answer = answer(request.send().await.unwrap()).await;
            assert_eq!(answer.status, status, "{what}, {accept}: {:#}", answer.body);
            assert_eq!(
                first_code(&answer.body).as_deref(),
                Some("VALIDATION"),
                "{what}, {accept}"
            );
            assert_eq!(
                answer.body["errors"][0]["extensions"]["field"], field,
                "{what}, {accept}"
            );
        }
    }
    // A body over the limit is refused in the type asked for.
    let huge = json!({ "query": "{ __typename }", "variables": { "x": "y".repeat(2 << 20) } });
    for (accept, content_type) in [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        ("application/json", "application/json"),
    ] {
        let response = app
            .client
            .post(&url)
            .header(ACCEPT, accept)
            .header(CONTENT_TYPE, "application/json")
            .body(huge.to_string())
            .send()
            .await
            .unwrap();
        let answer = answer(response).await;
        assert_eq!(answer.status, 413, "{accept}");
        assert!(answer.content_type.starts_with(content_type), "{accept}");
        assert_eq!(
            first_code(&answer.body).as_deref(),
            Some("PAYLOAD_TOO_LARGE")
        );
    }
    // UTF-8 declared or not, and uploads as multipart, are still requests.
    let answer = app
        .client
        .post(&url)
        .header(CONTENT_TYPE, "application/json; charset=UTF-8")
        .body(json!({ "query": "{ __type(name: \"Run🏃Swim🏊\") { name } }" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let document = upload_document(&app, "cv.pdf", b"%PDF-1.4\n%%EOF\n".to_vec(), None).await;
    assert_eq!(document["fileName"], "cv.pdf");
}

#[tokio::test]
async fn get_serves_the_playground_and_refuses_to_execute() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let url = format!("{}/graphql", app.base);
    let page = app
        .client
        .get(&url)
        .header(ACCEPT, "text/html,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("<title>recruitmail GraphQL playground</title>")
    );
    for query in ["{ __typename }", "mutation { rotateFormKey { formKey } }"] {
        let response = app
            .client
            .get(&url)
            .query(&[("query", query)])
            .header(ACCEPT, GRAPHQL_RESPONSE)
            .bearer_auth(&app.admin)
            .send()
            .await
            .unwrap();
        let answer = answer(response).await;
        assert_eq!(answer.status, 405, "{query}");
        assert_eq!(answer.allow.as_deref(), Some("POST"), "{query}");
        assert_eq!(
            first_code(&answer.body).as_deref(),
            Some("VALIDATION"),
            "{query}"
        );
    }
}
