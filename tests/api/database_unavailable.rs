//! A database that stops taking writes: an SQLite file that can no longer be
//! written, a PostgreSQL database that refuses connections. Requests answer
//! `INTERNAL`, `/healthz` answers 503, nothing is half-written, and all is
//! well again once the database is back.

use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, first_code, on_each_backend};
use crate::outbound::applicant;

const SEND: &str = "mutation($i: SendEmailInput!) { sendEmail(input: $i) { message { id } } }";
const THREAD: &str =
    "query($id: ID!) { candidate(id: $id) { messages(first: 10) { totalCount } } }";

/// Takes the database away from the application, or gives it back.
async fn set_available(app: &TestApp, available: bool) {
    match &app.backend {
        Backend::Sqlite => {
            // The immutable attribute stops even root from writing; the
            // shared-memory index stays writable, as SQLite maps it.
            let flag = if available { "-i" } else { "+i" };
            let files = ["recruitmail.db", "recruitmail.db-wal"].map(|f| app.data_dir.join(f));
            let done = Command::new("chattr")
                .arg(flag)
                .args(&files)
                .status()
                .unwrap();
            assert!(done.success(), "chattr {flag} failed");
        }
        Backend::Postgres(_) => {
            let (url, name) = app.postgres_database().unwrap();
            let admin = sea_orm::Database::connect(url).await.unwrap();
            use sea_orm::ConnectionTrait as _;
            admin
                .execute_unprepared(&format!(
                    "ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS {available}"
                ))
                .await
                .unwrap();
            if !available {
                admin
                    .execute_unprepared(&format!(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
                    ))
                    .await
                    .unwrap();
            }
        }
    }
}

async fn health(app: &TestApp) -> u16 {
    let response = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

#[tokio::test]
async fn a_database_that_takes_no_writes_answers_internal_and_loses_nothing() {
    on_each_backend(async |app| {
        let (_, candidate, _) = applicant(&app, "Kept", "kept@example.com").await;
        let send =
            json!({ "i": { "candidateIds": [candidate], "subject": "S", "body": "<p>B</p>" } });
        assert_eq!(health(&app).await, 200);

        set_available(&app, false).await;
        let refused = app.gql(Some(&app.admin), SEND, send.clone()).await;
        let code = first_code(&refused);
        assert_eq!(health(&app).await, 503);
        set_available(&app, true).await;
        assert_eq!(code.as_deref(), Some("INTERNAL"), "{refused}");
        assert_eq!(
            refused["errors"][0]["message"], "internal error",
            "no detail leaks"
        );

        // Back: healthy, the refused send stored nothing, and sending works.
        // A pooled connection that the server ended fails the one check
        // that finds it, and is replaced.
        let mut healthy = false;
        for _ in 0..20 {
            healthy = health(&app).await == 200;
            if healthy {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(healthy, "healthy again once the database is back");
        let count = |v: &Value| v["candidate"]["messages"]["totalCount"].clone();
        let thread = app.ok(&app.admin, THREAD, json!({ "id": candidate })).await;
        assert_eq!(count(&thread), 0, "{thread}");
        app.ok(&app.admin, SEND, send).await;
        let thread = app.ok(&app.admin, THREAD, json!({ "id": candidate })).await;
        assert_eq!(count(&thread), 1, "{thread}");
    })
    .await;
}
