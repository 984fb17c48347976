//! The HTTP endpoints besides `POST /graphql`.

use serde_json::json;

use crate::helpers::{Backend, TestApp};

#[tokio::test]
async fn healthz_checks_the_database() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let url = format!("{}/healthz", app.base);
    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], "ok");

    // With the database gone, the same check reports it.
    app.state.db.close_by_ref().await.unwrap();
    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], "unavailable");
}

#[tokio::test]
async fn metrics_count_operations_statements_and_pool() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&app.admin)
        .json(&json!({ "query": "query Whoami { viewer { isAdmin } }", "operationName": "Whoami" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for expected in [
        r#"recruitmail_graphql_operations_total{operation="Whoami",outcome="ok"} 1"#,
        r#"recruitmail_graphql_operation_duration_seconds_count{operation="Whoami"} 1"#,
        "recruitmail_db_queries_total ",
        "recruitmail_db_query_duration_seconds_bucket",
        r#"recruitmail_db_pool_connections{state="max"} 5"#,
        r#"recruitmail_db_pool_connections{state="idle"}"#,
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

#[tokio::test]
async fn metrics_show_the_outbox_by_status_transport_and_instance() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let (_, candidate, _) = crate::outbound::applicant(&app, "Metric", "metric@example.com").await;
    crate::outbound::send_plain(&app, &candidate).await;
    crate::outbound::send_plain(&app, &candidate).await;
    let metrics = || async {
        app.client
            .get(format!("{}/metrics", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    // Two messages due for a while, nothing delivered yet.
    let later = chrono::Utc::now() + chrono::Duration::seconds(1);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let waiting = metrics().await;
    for expected in [
        r#"recruitmail_messages{status="QUEUED"} 2"#,
        "recruitmail_instances_alive 0",
    ] {
        assert!(
            waiting.contains(expected),
            "missing {expected:?} in\n{waiting}"
        );
    }
    let age = waiting
        .lines()
        .find_map(|l| l.strip_prefix("recruitmail_outbox_oldest_due_age_seconds "))
        .unwrap();
    assert!(age.parse::<i64>().unwrap() >= 1, "{age}");
    let sent = crate::outbound::tick(&app, later).await;
    assert_eq!(sent.sent, 2);
    let after = metrics().await;
    for expected in [
        r#"recruitmail_messages{status="SENT"} 2"#,
        r#"recruitmail_messages{status="QUEUED"} 0"#,
        r#"recruitmail_outbox_deliveries_total{transport="outbox_folder",outcome="sent"} 2"#,
        "recruitmail_outbox_oldest_due_age_seconds 0",
        "recruitmail_instances_alive 1",
    ] {
        assert!(after.contains(expected), "missing {expected:?} in\n{after}");
    }
}

#[tokio::test]
async fn the_playground_is_served_from_the_binary() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let page = app
        .client
        .get(format!("{}/graphql", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    for asset in [
        "/graphiql/graphiql.min.js",
        "/graphiql/react.production.min.js",
        "/graphiql/graphiql.min.css",
    ] {
        assert!(html.contains(asset), "{asset}");
        let response = app
            .client
            .get(format!("{}{asset}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        assert!(response.bytes().await.unwrap().len() > 1000);
    }
    assert!(!html.contains("://cdn") && !html.contains("unpkg") && !html.contains("jsdelivr"));
    let missing = app
        .client
        .get(format!("{}/graphiql/../Cargo.toml", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}
