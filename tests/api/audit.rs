//! The audit trail as an admin and an auditor see it: settings changes,
//! roles and tokens recorded with who made them and what changed (secrets
//! masked), nothing for a refused change, concurrent changes on one chain,
//! and `recruitmail audit verify` finding a row changed or removed behind
//! the server's back.

use std::process::Command;

use sea_orm::{ConnectionTrait as _, Statement};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, create_candidate, on_each_backend, user_with_role};
use crate::outbound::applicant;

const LOG: &str = "query($f: AuditLogFilter) { auditLog(first: 100, filter: $f) { nodes {
    seq action actor { email } actorId tokenId subjectType subjectId details prevHash hash } } }";

async fn log(app: &TestApp, filter: Value) -> Vec<Value> {
    app.ok(&app.admin, LOG, json!({ "f": filter })).await["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

/// `recruitmail audit verify` on the app's database: (success, output).
fn verify(app: &TestApp) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_recruitmail"))
        .args(["audit", "verify"])
        .env("RECRUITMAIL_DATA_DIR", &app.data_dir)
        .env("DATABASE_URL", &app.state.settings.database_url)
        .env_remove("RECRUITMAIL_CONFIG")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

async fn sql(app: &TestApp, statement: &str) -> Result<(), sea_orm::DbErr> {
    let backend = app.state.db.get_database_backend();
    app.state
        .db
        .execute_raw(Statement::from_string(backend, statement))
        .await
        .map(|_| ())
}

#[tokio::test]
async fn settings_roles_and_tokens_are_recorded_with_who_and_what_changed() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (user, role, user_token) =
            user_with_role(&app, &admin, "Rita", json!({ "sections": ["CANDIDATES"] })).await;
        app.ok(
            &admin,
            "mutation($id: ID!) { updateRecruitingRole(input: { id: $id, name: \"Rita role\",
                sections: [CANDIDATES, INTERVIEWS] }) { role { id } } }",
            json!({ "id": role }),
        )
        .await;
        let token = app
            .ok(
                &admin,
                "mutation($u: ID!) { createApiToken(input: { name: \"sync\", userId: $u }) { token apiToken { id } } }",
                json!({ "u": user }),
            )
            .await["createApiToken"]
            .clone();
        app.ok(
            &admin,
            "mutation($id: ID!) { revokeApiToken(input: { id: $id }) { apiToken { id } } }",
            json!({ "id": token["apiToken"]["id"] }),
        )
        .await;
        let endpoint = app
            .ok(
                &admin,
                "mutation { createWebhookEndpoint(input: { url: \"http://127.0.0.1:9/hook?key=s3cr3t-key\",
                    eventTypes: [\"candidate.created\"] }) { endpoint { id } secret } }",
                json!({}),
            )
            .await["createWebhookEndpoint"]
            .clone();
        let endpoint_id = endpoint["endpoint"]["id"].clone();
        app.ok(
            &admin,
            "mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: false }) { endpoint { id } } }",
            json!({ "id": endpoint_id }),
        )
        .await;
        let rotated = app
            .ok(
                &admin,
                "mutation($id: ID!) { rotateWebhookSecret(input: { id: $id }) { secret } }",
                json!({ "id": endpoint_id }),
            )
            .await["rotateWebhookSecret"]["secret"]
            .clone();
        app.ok(
            &admin,
            "mutation($i: UpdateSchedulingSettingsInput!) { updateSchedulingSettings(input: $i) { settings { minimumNoticeHours } } }",
            json!({ "i": { "minimumNoticeHours": 48 } }),
        )
        .await;
        // Refused: nothing recorded.
        let before = log(&app, json!(null)).await.len();
        app.error_code(
            Some(&admin),
            "mutation($i: UpdateSchedulingSettingsInput!) { updateSchedulingSettings(input: $i) { settings { minimumNoticeHours } } }",
            json!({ "i": { "minimumNoticeHours": -1 } }),
        )
        .await;
        assert_eq!(log(&app, json!(null)).await.len(), before);

        let entries = log(&app, json!(null)).await;
        let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(
            actions,
            [
                "recruiting_role.created",
                "role.assigned",
                // user_with_role's own token for Rita
                "api_token.created",
                "recruiting_role.updated",
                "api_token.created",
                "api_token.revoked",
                "webhook_endpoint.created",
                "webhook_endpoint.updated",
                "webhook_endpoint.secret_rotated",
                "scheduling_settings.updated",
            ]
        );
        // One chain: 1, 2, 3 … each naming the hash before it.
        for (i, entry) in entries.iter().enumerate() {
            assert_eq!(entry["seq"], i as i64 + 1);
            assert_eq!(entry["actor"]["email"], "admin@acme.example", "{entry}");
            if i > 0 {
                assert_eq!(entry["prevHash"], entries[i - 1]["hash"]);
            }
        }
        assert_eq!(entries[1]["subjectId"], user.as_str());
        assert!(entries[1]["details"]["roleId"].is_i64());
        assert_eq!(
            entries[3]["details"],
            json!({ "before": { "interviews": false }, "after": { "interviews": true } })
        );
        assert_eq!(entries[4]["subjectId"], token["apiToken"]["id"]);
        assert_eq!(
            entries[7]["details"],
            json!({ "before": { "enabled": true }, "after": { "enabled": false } })
        );
        assert_eq!(
            entries[9]["details"],
            json!({ "before": { "minimumNoticeHours": 24 }, "after": { "minimumNoticeHours": 48 } })
        );
        // No secret anywhere: not the token, the webhook secrets, or the
        // key in the receiver's URL.
        let text = serde_json::to_string(&entries).unwrap();
        for secret in [
            token["token"].as_str().unwrap(),
            endpoint["secret"].as_str().unwrap(),
            rotated.as_str().unwrap(),
            "s3cr3t-key",
        ] {
            assert!(!text.contains(secret), "{secret} is in the trail");
        }
        assert!(text.contains("http://127.0.0.1:9/hook?"), "{text}");

        // Filters, and the trail is for recruiting admins only.
        let tokens = log(&app, json!({ "action": "api_token.created" })).await;
        assert_eq!(tokens.len(), 2);
        assert_eq!(
            app.error_code(Some(&user_token), LOG, json!({ "f": null })).await,
            "FORBIDDEN"
        );

        // The trail checks out; the table refuses changes.
        let (ok, text) = verify(&app);
        assert!(ok, "{text}");
        assert!(text.contains("audit trail intact: 10 entries"), "{text}");
        assert!(sql(&app, "UPDATE audit_entries SET details = '{}'").await.is_err());
        assert!(sql(&app, "DELETE FROM audit_entries").await.is_err());
    })
    .await;
}

#[tokio::test]
async fn verify_names_the_first_entry_changed_or_removed_behind_the_servers_back() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        for hours in 30..36 {
            app.ok(
                &admin,
                "mutation($i: UpdateSchedulingSettingsInput!) { updateSchedulingSettings(input: $i) { settings { minimumNoticeHours } } }",
                json!({ "i": { "minimumNoticeHours": hours } }),
            )
            .await;
        }
        assert!(verify(&app).0);
        // Someone with the database's owner rights lifts the protection.
        match app.backend {
            Backend::Sqlite => {
                sql(&app, "DROP TRIGGER audit_entries_no_update").await.unwrap();
                sql(&app, "DROP TRIGGER audit_entries_no_delete").await.unwrap();
            }
            Backend::Postgres(_) => {
                sql(&app, "DROP TRIGGER audit_entries_append_only ON audit_entries")
                    .await
                    .unwrap();
            }
        }
        sql(
            &app,
            "UPDATE audit_entries SET details = replace(details, '35', '99') WHERE seq = 6",
        )
        .await
        .unwrap();
        let (ok, text) = verify(&app);
        assert!(!ok);
        assert!(
            text.contains("entry 6") && text.contains("does not match its hash"),
            "{text}"
        );
        // Entries cut off at the end leave a shorter chain that checks out
        // (what the module's documentation says the chain cannot show);
        // an entry removed in the middle breaks it where it was.
        sql(&app, "DELETE FROM audit_entries WHERE seq >= 6").await.unwrap();
        assert!(verify(&app).0, "{}", verify(&app).1);
        sql(&app, "DELETE FROM audit_entries WHERE seq = 3").await.unwrap();
        let (ok, text) = verify(&app);
        assert!(!ok);
        assert!(text.contains("entry 3 is missing"), "{text}");
    })
    .await;
}

#[tokio::test]
async fn concurrent_changes_extend_one_unbroken_chain() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let me = app.ok(&admin, "{ viewer { user { id } } }", json!({})).await["viewer"]["user"]["id"]
            .clone();
        let create = "mutation($u: ID!, $n: String!) { createApiToken(input: { name: $n, userId: $u }) { token } }";
        let calls = (0..12).map(|i| {
            let (app, admin, me) = (&app, &admin, &me);
            async move {
                app.ok(admin, create, json!({ "u": me, "n": format!("t{i}") })).await;
            }
        });
        futures_util::future::join_all(calls).await;
        let entries = log(&app, json!({ "action": "api_token.created" })).await;
        assert_eq!(entries.len(), 12);
        let (ok, text) = verify(&app);
        assert!(ok, "{text}");
    })
    .await;
}

#[tokio::test]
async fn sends_templates_and_sending_settings_are_recorded_without_personal_data() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (sub, ada, _) = applicant(&app, "Adaline", "adaline.private@example.com").await;
        let bob = create_candidate(&app, &admin, "Bobbie", "Quill", "bobbie.quill@example.com").await;
        app.ok(
            &admin,
            "mutation($i: UpdateRecruitingEmailSettingsInput!) { updateRecruitingEmailSettings(input: $i) { subsidiary { id } } }",
            json!({ "i": { "subsidiaryId": sub, "useCustomSmtp": true, "emailAddress": "jobs@acme.example",
                "smtpHost": "mail.acme.example", "smtpPort": 587, "smtpUsername": "jobs",
                "smtpPassword": "pw-secret-1" } }),
        )
        .await;
        let template = app
            .ok(
                &admin,
                "mutation { createEmailTemplate(input: { name: \"Hello\", subject: \"Hi {{ first_name }}\",
                    body: \"<p>Dear {{ first_name }}</p>\" }) { emailTemplate { id } } }",
                json!({}),
            )
            .await["createEmailTemplate"]["emailTemplate"]["id"]
            .clone();
        app.ok(
            &admin,
            "mutation($id: ID!) { updateEmailTemplate(input: { id: $id, subject: \"Hello {{ first_name }}\" }) { emailTemplate { id } } }",
            json!({ "id": template }),
        )
        .await;
        let send = "mutation($i: SendEmailInput!) { sendEmail(input: $i) { message { id } batch { id } } }";
        let one = app
            .ok(&admin, send, json!({ "i": { "candidateIds": [ada], "templateId": template } }))
            .await["sendEmail"]["message"]["id"]
            .clone();
        let batch = app
            .ok(&admin, send, json!({ "i": { "candidateIds": [ada, bob], "templateId": template } }))
            .await["sendEmail"]["batch"]["id"]
            .clone();
        app.ok(
            &admin,
            "mutation { updateCompany(input: { name: \"Acme Talent\" }) { company { name } } }",
            json!({}),
        )
        .await;

        let entries = log(&app, json!(null)).await;
        let find = |action: &str| -> Value {
            entries
                .iter()
                .find(|e| e["action"] == action)
                .cloned()
                .unwrap_or_else(|| panic!("no {action} in {entries:#?}"))
        };
        let settings = find("email_settings.updated");
        assert_eq!(settings["subjectId"], sub.as_str());
        assert_eq!(settings["details"]["after"]["smtpHost"], "mail.acme.example");
        assert_eq!(settings["details"]["after"]["smtpPassword"], "••••••");
        assert_eq!(settings["details"]["before"]["smtpPassword"], Value::Null);
        let updated = find("email_template.updated");
        assert_eq!(
            updated["details"]["before"]["variants"][0]["subject"],
            "Hi {{ first_name }}"
        );
        assert_eq!(
            updated["details"]["after"]["variants"][0]["subject"],
            "Hello {{ first_name }}"
        );
        let single = find("message.sent");
        assert_eq!(single["subjectId"], one);
        assert_eq!(single["details"]["templateId"].as_i64(), Some(row(&template)));
        let bulk = find("email_batch.sent");
        assert_eq!(bulk["subjectId"], batch);
        assert_eq!(bulk["details"]["messages"], 2);
        assert_eq!(
            find("company.updated")["details"],
            json!({ "before": { "name": "Acme Recruiting" }, "after": { "name": "Acme Talent" } })
        );
        // Who was written to never appears, nor the password.
        let text = serde_json::to_string(&entries).unwrap();
        for personal in ["adaline.private", "Adaline", "Bobbie", "Quill", "pw-secret-1"] {
            assert!(!text.contains(personal), "{personal} is in the trail");
        }
        assert!(verify(&app).0);
    })
    .await;
}

/// The row number of a global ID.
fn row(id: &Value) -> i64 {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id.as_str().unwrap())
        .unwrap();
    String::from_utf8(text)
        .unwrap()
        .split_once(':')
        .unwrap()
        .1
        .parse()
        .unwrap()
}
