//! The binary's commands as an operator runs them.

use std::process::Command;

use serde_json::json;

use crate::helpers::{Backend, TestApp};

#[tokio::test]
async fn bootstrap_prints_only_a_working_token_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_recruitmail"))
        .args([
            "bootstrap",
            "--company",
            "Globex Corp",
            "--admin",
            "Hank@Globex.example",
        ])
        .env("RECRUITMAIL_DATA_DIR", dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("RECRUITMAIL_CONFIG")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "stdout must hold the token alone: {stdout:?}"
    );
    let token = lines[0];
    assert!(token.starts_with("rm_"));

    // The same data folder, served: the token signs in as the admin.
    let settings =
        recruitmail::settings::Settings::load(&recruitmail::settings::Source::from_pairs([
            ("RECRUITMAIL_DATA_DIR", dir.path().to_str().unwrap()),
            ("RECRUITMAIL_LISTEN", "127.0.0.1:0"),
        ]))
        .unwrap();
    let app = recruitmail::app::Application::build(settings)
        .await
        .unwrap();
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    let response: serde_json::Value = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": "{ viewer { isAdmin user { email } company { name slug inboundAddress } } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let viewer = &response["data"]["viewer"];
    assert_eq!(viewer["isAdmin"], true, "{response:#}");
    assert_eq!(viewer["user"]["email"], "hank@globex.example");
    assert_eq!(viewer["company"]["slug"], "globex-corp");
    assert_eq!(
        viewer["company"]["inboundAddress"],
        "globex-corp-jobs@inbound.localhost"
    );
}

#[test]
fn bad_settings_name_the_variable_and_fail() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_recruitmail"))
        .arg("migrate")
        .env("RECRUITMAIL_DATA_DIR", dir.path())
        .env("RECRUITMAIL_LISTEN", "not-an-address")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("RECRUITMAIL_LISTEN"));
}

#[tokio::test]
async fn bootstrap_gives_two_companies_distinct_slugs() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let first = app.other_company("Initech").await;
    let second =
        recruitmail::companies::bootstrap(&app.state.db, "Initech", "boss@initech2.example")
            .await
            .unwrap()
            .token;
    let query = "{ viewer { company { slug } } }";
    let a = app.ok(&first, query, json!({})).await;
    let b = app.ok(&second, query, json!({})).await;
    assert_eq!(a["viewer"]["company"]["slug"], "initech");
    assert_eq!(b["viewer"]["company"]["slug"], "initech-2");
}
