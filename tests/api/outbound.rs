//! Outbound mail end to end: the API writes the outbox, the dispatcher (driven
//! with a chosen clock) delivers to the `.eml` folder or to a real SMTP server
//! on loopback, and every delivered message is parsed back with mail-parser.

use std::time::Duration;

use chrono::Utc;
use entity::enums::MessageStatus;
use mail_parser::{MessageParser, MimeHeaders as _};
use recruitmail::graphql::ids::{Kind, decode};
use sea_orm::{ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _, Set};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, create_application, create_candidate, on_each_backend, on_each_backend_with,
    post_upload, structure, upload_document,
};
use crate::smtp_server::{Encryption, Options, SmtpServer};

const SEND: &str = "mutation($i: SendEmailInput!) {
    sendEmail(input: $i) { message { id status subject to cc internetMessageId } batch { id total queued sent failed } }
}";

pub(crate) const SETTINGS: &str = "mutation($i: UpdateRecruitingEmailSettingsInput!) {
    updateRecruitingEmailSettings(input: $i) { subsidiary { recruitingEmailSettings {
        emailAddress useCustomSmtp smtpHost smtpPort smtpSecurity smtpUsername hasPassword inboundAddress
    } } }
}";

const TEST_CONNECTION: &str = "mutation($s: ID!) {
    testSmtpConnection(input: { subsidiaryId: $s }) { result { success message } }
}";

const MESSAGE: &str = "query($id: ID!) { message(id: $id) { status attempts lastError sentAt } }";

pub(crate) fn row(id: &Value, kind: Kind) -> i64 {
    decode(
        &async_graphql::ID(id.as_str().unwrap().to_owned()),
        kind,
        "id",
    )
    .unwrap()
}

pub(crate) async fn tick(
    app: &TestApp,
    at: chrono::DateTime<Utc>,
) -> recruitmail::mail::dispatcher::Tick {
    app.state.mail.dispatcher.tick(at).await.unwrap()
}

/// A candidate with an application to a position of a subsidiary; returns
/// (subsidiary, candidate, application).
pub(crate) async fn applicant(app: &TestApp, first: &str, email: &str) -> (String, String, String) {
    let (sub, _, position) = structure(app, &app.admin, first).await;
    let candidate = create_candidate(app, &app.admin, first, "Example", email).await;
    let application = create_application(app, &app.admin, &candidate, &position).await;
    (sub, candidate, application)
}

/// A second instance on the same database, its heartbeat written at `now`.
pub(crate) async fn other_instance(
    app: &TestApp,
    now: chrono::DateTime<Utc>,
) -> recruitmail::mail::Mail {
    let settings = app.state.settings.clone();
    let other_db = recruitmail::db::connect(&settings, app.state.metrics.clone())
        .await
        .unwrap();
    let other = recruitmail::mail::Mail::new(other_db, settings).unwrap();
    other.dispatcher.beat(now).await.unwrap();
    other
}

/// Sends a short free-form message to one candidate; returns the message.
pub(crate) async fn send_plain(app: &TestApp, candidate: &str) -> Value {
    app.ok(
        &app.admin,
        SEND,
        json!({ "i": { "candidateIds": [candidate], "subject": "S", "body": "<p>B</p>" } }),
    )
    .await["sendEmail"]["message"]
        .clone()
}

pub(crate) fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    MessageParser::default()
        .parse(raw)
        .expect("a parsable message")
}

#[tokio::test]
async fn without_smtp_mail_is_written_to_the_outbox_folder() {
    on_each_backend(async |app| {
        let (_, candidate, _) = applicant(&app, "Maria", "maria@example.com").await;
        let sent = app
            .ok(
                &app.admin,
                SEND,
                json!({ "i": { "candidateIds": [candidate], "subject": "Hello {{ first_name }}",
                    "body": "<p>Dear {{ first_name }},</p><p>see <a href=\"https://acme.example\">us</a>.</p>" } }),
            )
            .await["sendEmail"]["message"]
            .clone();
        assert_eq!(sent["status"], "QUEUED");
        assert_eq!(sent["subject"], "Hello Maria");
        assert_eq!(sent["to"], json!(["Maria Example <maria@example.com>"]));

        let done = tick(&app, Utc::now()).await;
        assert_eq!(done.sent, 1);
        let outbox = app.data_dir.join("outbox");
        let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(files.len(), 1, "{files:?}");
        let raw = std::fs::read(&files[0]).unwrap();
        let mail = parse(&raw);
        assert_eq!(mail.subject(), Some("Hello Maria"));
        // A recruiter's message is no automatic answer (RFC 3834).
        assert_eq!(mail.header_raw("Auto-Submitted"), None);
        let from = mail.from().unwrap().first().unwrap();
        assert_eq!(from.address(), Some("acme-recruiting-jobs@inbound.localhost"));
        assert_eq!(from.name(), Some("Acme Recruiting"));
        assert_eq!(
            format!("<{}>", mail.message_id().unwrap()),
            sent["internetMessageId"].as_str().unwrap()
        );
        let reply_to = mail.reply_to().unwrap().first().unwrap().address().unwrap().to_owned();
        assert!(
            reply_to.starts_with("acme-recruiting-jobs+") && reply_to.ends_with("@inbound.localhost"),
            "{reply_to}"
        );
        assert!(mail.date().is_some());
        assert_eq!(mail.body_html(0).unwrap(), "<p>Dear Maria,</p><p>see <a href=\"https://acme.example\">us</a>.</p>");
        // Lines end in CRLF on the wire (RFC 5322 §2.1).
        assert_eq!(
            mail.body_text(0).unwrap().replace("\r\n", "\n"),
            "Dear Maria,\n\nsee us <https://acme.example>."
        );
        let status = app.ok(&app.admin, MESSAGE, json!({ "id": sent["id"] })).await;
        assert_eq!(status["message"]["status"], "SENT");
        assert_eq!(status["message"]["attempts"], 1);
    })
    .await;
}

/// A subsidiary sending through `server` with STARTTLS and AUTH.
pub(crate) async fn use_server(
    app: &TestApp,
    subsidiary: &str,
    server: &SmtpServer,
    password: &str,
) -> Value {
    use_secured_server(app, subsidiary, server, password, "STARTTLS").await
}

/// A subsidiary sending through `server` with `security` and AUTH.
async fn use_secured_server(
    app: &TestApp,
    subsidiary: &str,
    server: &SmtpServer,
    password: &str,
    security: &str,
) -> Value {
    app.ok(
        &app.admin,
        SETTINGS,
        json!({ "i": { "subsidiaryId": subsidiary, "emailAddress": "jobs@berlin.acme.example",
            "emailDisplayName": "Acme Berlin Jobs", "useCustomSmtp": true, "smtpHost": "127.0.0.1",
            "smtpPort": server.port, "smtpSecurity": security, "smtpUsername": "mailer",
            "smtpPassword": password } }),
    )
    .await["updateRecruitingEmailSettings"]["subsidiary"]["recruitingEmailSettings"]
        .clone()
}

/// Settings that make the application trust `server`'s certificate.
pub(crate) fn trusting(server: &SmtpServer) -> Vec<(&'static str, String)> {
    vec![(
        "RECRUITMAIL_SMTP_CA_FILE",
        server.cert_path().to_str().unwrap().to_owned(),
    )]
}

/// A subsidiary sending through `server` without TLS or AUTH.
pub(crate) async fn use_plain_server(app: &TestApp, subsidiary: &str, server: &SmtpServer) {
    use_plain_port(app, subsidiary, server.port).await;
}

/// Points a subsidiary at an SMTP server without TLS on loopback `port`.
pub(crate) async fn use_plain_port(app: &TestApp, subsidiary: &str, port: u16) {
    app.ok(
        &app.admin,
        SETTINGS,
        json!({ "i": { "subsidiaryId": subsidiary, "emailAddress": "jobs@acme.example",
            "useCustomSmtp": true, "smtpHost": "127.0.0.1", "smtpPort": port,
            "smtpSecurity": "NONE" } }),
    )
    .await;
}

/// A server with `encryption` that requires AUTH as `mailer`.
fn server_with(encryption: Encryption) -> SmtpServer {
    SmtpServer::start(Options {
        encryption,
        login: Some(("mailer".into(), "s3cret-Passw0rd".into())),
    })
}

fn tls_server() -> SmtpServer {
    server_with(Encryption::StartTls)
}

async fn upload(app: &TestApp, name: &str, bytes: Vec<u8>) -> String {
    upload_for(app, name, bytes, None).await
}

/// Uploads a file, as a candidate's document when `candidate` is given.
async fn upload_for(app: &TestApp, name: &str, bytes: Vec<u8>, candidate: Option<&str>) -> String {
    upload_document(app, name, bytes, candidate).await["id"]
        .as_str()
        .expect("document id")
        .to_owned()
}

#[tokio::test]
async fn a_subsidiarys_own_server_gets_the_mail_over_starttls_with_auth() {
    let server = tls_server();
    let ca = trusting(&server);
    on_each_backend_with(&ca, async |app| {
        let (sub, candidate, _) = applicant(&app, "Jörg", "joerg@example.com").await;
        let before = server.delivered().len();

        // A wrong password: the test reports the server's answer.
        use_server(&app, &sub, &server, "wrong").await;
        let test = TEST_CONNECTION;
        let failed = app.ok(&app.admin, test, json!({ "s": sub })).await;
        assert_eq!(failed["testSmtpConnection"]["result"]["success"], false);
        let message = failed["testSmtpConnection"]["result"]["message"].as_str().unwrap();
        assert!(message.contains("535"), "{message}");

        let settings = use_server(&app, &sub, &server, "s3cret-Passw0rd").await;
        assert_eq!(settings["hasPassword"], true);
        assert_eq!(settings["smtpSecurity"], "STARTTLS");
        assert_eq!(settings["inboundAddress"], "acme-recruiting-jobs@inbound.localhost");
        let ok = app.ok(&app.admin, test, json!({ "s": sub })).await;
        assert_eq!(ok["testSmtpConnection"]["result"]["success"], true, "{ok:#}");

        // The password is stored sealed, never in clear.
        let stored = entity::subsidiary::Entity::find_by_id(row(&json!(sub), Kind::Subsidiary))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let sealed = stored.smtp_password_encrypted.unwrap();
        assert!(!sealed.contains("s3cret"));
        if matches!(app.backend, crate::helpers::Backend::Sqlite) {
            let file = std::fs::read(app.data_dir.join("recruitmail.db")).unwrap();
            let wal = std::fs::read(app.data_dir.join("recruitmail.db-wal")).unwrap_or_default();
            for bytes in [file, wal] {
                assert!(!bytes.windows(15).any(|w| w == b"s3cret-Passw0rd"));
            }
        }

        let attachment = upload(&app, "brochure.pdf", b"%PDF-1.4 brochure".to_vec()).await;
        let sent = app
            .ok(
                &app.admin,
                SEND,
                json!({ "i": { "candidateIds": [candidate], "subject": "Unterlagen für {{ first_name }}",
                    "body": "<p>Hallo {{ first_name }}, anbei die Broschüre.</p>",
                    "cc": ["lea@acme.example"], "bcc": ["archive@acme.example"],
                    "attachmentIds": [attachment] } }),
            )
            .await["sendEmail"]["message"]
            .clone();
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let delivered = server.wait_for(before + 1);
        let got = &delivered[before];
        assert!(got.tls, "STARTTLS was used");
        assert_eq!(got.login.as_deref(), Some("mailer"));
        assert_eq!(got.mail_from, "jobs@berlin.acme.example");
        let mut rcpt = got.rcpt_tos.clone();
        rcpt.sort();
        assert_eq!(rcpt, ["archive@acme.example", "joerg@example.com", "lea@acme.example"]);

        let mail = parse(&got.raw);
        assert_eq!(mail.subject(), Some("Unterlagen für Jörg"));
        let from = mail.from().unwrap().first().unwrap();
        assert_eq!((from.name(), from.address()), (Some("Acme Berlin Jobs"), Some("jobs@berlin.acme.example")));
        assert!(mail.header("Bcc").is_none(), "Bcc must not be visible");
        assert_eq!(mail.cc().unwrap().first().unwrap().address(), Some("lea@acme.example"));
        assert_eq!(mail.content_type().unwrap().subtype(), Some("mixed"));
        assert_eq!(mail.body_text(0).unwrap(), "Hallo Jörg, anbei die Broschüre.");
        let file = mail.attachment(0).unwrap();
        assert_eq!(file.attachment_name(), Some("brochure.pdf"));
        assert_eq!(file.contents(), b"%PDF-1.4 brochure");
        assert_eq!(
            format!("<{}>", mail.message_id().unwrap()),
            sent["internetMessageId"].as_str().unwrap()
        );
    })
    .await;
}

#[tokio::test]
async fn a_server_on_implicit_tls_is_verified_and_gets_the_mail() {
    let server = server_with(Encryption::Implicit);
    // Without the operator's CA file the self-signed certificate is refused.
    on_each_backend(async |app| {
        let (sub, _, _) = applicant(&app, "Ida", "ida@example.com").await;
        use_secured_server(&app, &sub, &server, "s3cret-Passw0rd", "TLS").await;
        let failed = app
            .ok(&app.admin, TEST_CONNECTION, json!({ "s": sub }))
            .await;
        let result = &failed["testSmtpConnection"]["result"];
        assert_eq!(result["success"], false);
        let message = result["message"].as_str().unwrap();
        assert!(message.contains("certificate"), "{message}");
    })
    .await;

    let ca = trusting(&server);
    on_each_backend_with(&ca, async |app| {
        let (sub, candidate, _) = applicant(&app, "Ida", "ida@example.com").await;
        let before = server.delivered().len();
        let settings = use_secured_server(&app, &sub, &server, "s3cret-Passw0rd", "TLS").await;
        assert_eq!(settings["smtpSecurity"], "TLS");
        let ok = app
            .ok(&app.admin, TEST_CONNECTION, json!({ "s": sub }))
            .await;
        assert_eq!(
            ok["testSmtpConnection"]["result"]["success"], true,
            "{ok:#}"
        );

        let sent = app
            .ok(
                &app.admin,
                SEND,
                json!({ "i": { "candidateIds": [candidate], "subject": "Hallo {{ first_name }}",
                    "body": "<p>Grüße an {{ first_name }}.</p>" } }),
            )
            .await["sendEmail"]["message"]
            .clone();
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let delivered = server.wait_for(before + 1);
        assert_eq!(delivered.len(), before + 1);
        let got = &delivered[before];
        assert!(got.tls, "the session was encrypted");
        assert_eq!(got.login.as_deref(), Some("mailer"));
        assert_eq!(got.rcpt_tos, ["ida@example.com"]);
        let mail = parse(&got.raw);
        assert_eq!(mail.subject(), Some("Hallo Ida"));
        assert_eq!(mail.body_text(0).unwrap(), "Grüße an Ida.");
        assert_eq!(
            format!("<{}>", mail.message_id().unwrap()),
            sent["internetMessageId"].as_str().unwrap()
        );
    })
    .await;
}

/// Inserts `count` candidates, each with an application to one position, in
/// one statement per table; returns the application IDs.
pub(crate) async fn many_applicants(
    app: &TestApp,
    count: usize,
    reject: bool,
) -> (String, Vec<String>) {
    let (sub, _, position) = structure(app, &app.admin, "bulk").await;
    let company = entity::company::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let position = row(&json!(position), Kind::Position);
    let now = Utc::now();
    let mut applications = Vec::new();
    for i in 0..count {
        let email = if reject && i == 0 {
            "reject-me@example.com".to_owned()
        } else {
            format!("applicant{i}@example.com")
        };
        let candidate = entity::candidate::ActiveModel {
            company_id: Set(company.id),
            first_name: Set(format!("First{i}")),
            last_name: Set("Bulk".into()),
            email: Set(email),
            gender: Set(entity::enums::Gender::Unknown),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .unwrap();
        let application = entity::application::ActiveModel {
            company_id: Set(company.id),
            candidate_id: Set(candidate.id),
            position_id: Set(position),
            source: Set(entity::enums::ApplicationSource::Manual),
            status: Set(entity::enums::ApplicationStatus::New),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .unwrap();
        applications.push(Kind::Application.id(application.id).to_string());
    }
    (sub, applications)
}

#[tokio::test]
async fn a_bulk_send_of_200_delivers_each_personalised_message_once() {
    let server = tls_server();
    let ca = trusting(&server);
    on_each_backend_with(&ca, async |app| {
        let before = server.delivered().len();
        let (sub, applications) = many_applicants(&app, 200, false).await;
        use_server(&app, &sub, &server, "s3cret-Passw0rd").await;
        let input = json!({ "i": { "applicationIds": applications, "subject": "Update for {{ first_name }}",
            "body": "<p>Dear {{ first_name }} {{ last_name }}, about {{ position_name }}.</p>",
            "idempotencyKey": "reject-remaining-2026-11" } });
        let batch = app.ok(&app.admin, SEND, input.clone()).await["sendEmail"]["batch"].clone();
        assert_eq!(batch["total"], 200);
        assert_eq!(batch["queued"], 200);
        // A retried mutation returns the first batch and queues nothing more.
        let again = app.ok(&app.admin, SEND, input).await["sendEmail"]["batch"].clone();
        assert_eq!(again["id"], batch["id"]);
        assert_eq!(
            entity::message::Entity::find().count_total(&app.state.db).await,
            200
        );

        let done = tick(&app, Utc::now()).await;
        assert_eq!(done.sent, 200, "{done:?}");
        let delivered = server.wait_for(before + 200);
        let ours = &delivered[before..];
        assert_eq!(ours.len(), 200);
        let mut recipients: Vec<_> = ours.iter().map(|d| d.rcpt_tos[0].clone()).collect();
        recipients.sort();
        recipients.dedup();
        assert_eq!(recipients.len(), 200, "each candidate once");
        for d in ours {
            let mail = parse(&d.raw);
            let to = mail.to().unwrap().first().unwrap().address().unwrap().to_owned();
            let n: usize = to.trim_start_matches("applicant").trim_end_matches("@example.com").parse().unwrap();
            assert_eq!(mail.subject(), Some(format!("Update for First{n}").as_str()));
            assert!(mail.body_text(0).unwrap().starts_with(&format!("Dear First{n} Bulk, about Backend Engineer bulk.")));
        }
        let progress = app
            .ok(&app.admin, "query($id: ID!) { emailBatch(id: $id) { total queued sent failed } }", json!({ "id": batch["id"] }))
            .await;
        assert_eq!(progress["emailBatch"], json!({ "total": 200, "queued": 0, "sent": 200, "failed": 0 }));
    })
    .await;
}

trait CountTotal {
    async fn count_total(self, db: &sea_orm::DatabaseConnection) -> u64;
}

impl CountTotal for sea_orm::Select<entity::message::Entity> {
    async fn count_total(self, db: &sea_orm::DatabaseConnection) -> u64 {
        use sea_orm::PaginatorTrait as _;
        self.count(db).await.unwrap()
    }
}

#[tokio::test]
async fn scheduled_messages_wait_for_their_time_and_can_be_cancelled_until_then() {
    on_each_backend(async |app| {
        let (_, first, _) = applicant(&app, "Early", "early@example.com").await;
        let (_, second, _) = applicant(&app, "Late", "late@example.com").await;
        let at = Utc::now() + chrono::Duration::hours(1);
        let schedule = |candidate: &str| json!({ "i": { "candidateIds": [candidate], "subject": "Later",
            "body": "<p>Hi</p>", "scheduledAt": at.to_rfc3339() } });
        let kept = app.ok(&app.admin, SEND, schedule(&first)).await["sendEmail"]["message"].clone();
        let dropped = app.ok(&app.admin, SEND, schedule(&second)).await["sendEmail"]["message"].clone();
        assert_eq!(kept["status"], "SCHEDULED");

        assert_eq!(tick(&app, Utc::now()).await.sent, 0, "not due yet");
        let cancel = "mutation($id: ID!) { cancelScheduledMessage(input: { id: $id }) { message { status } } }";
        let cancelled = app.ok(&app.admin, cancel, json!({ "id": dropped["id"] })).await;
        assert_eq!(cancelled["cancelScheduledMessage"]["message"]["status"], "CANCELLED");

        let done = tick(&app, at + chrono::Duration::seconds(1)).await;
        assert_eq!(done.sent, 1);
        let sent = app.ok(&app.admin, MESSAGE, json!({ "id": kept["id"] })).await;
        assert_eq!(sent["message"]["status"], "SENT");
        let gone = app.ok(&app.admin, MESSAGE, json!({ "id": dropped["id"] })).await;
        assert_eq!(gone["message"]["status"], "CANCELLED");
        assert_eq!(
            crate::event_log::history(&app, &dropped["id"]).await,
            crate::event_log::numbered(&[
                ("message.queued", "SCHEDULED"),
                ("message.cancelled", "CANCELLED"),
            ])
        );
        // Once sent, a message cannot be cancelled.
        let code = app.error_code(Some(&app.admin), cancel, json!({ "id": kept["id"] })).await;
        assert_eq!(code, "CONFLICT");
        let files = std::fs::read_dir(app.data_dir.join("outbox")).unwrap().count();
        assert_eq!(files, 1);
    })
    .await;
}

#[tokio::test]
async fn attachments_over_the_limit_are_refused_and_nothing_is_queued() {
    let limit = vec![("RECRUITMAIL_MAX_ATTACHMENT_BYTES", "2048".to_owned())];
    on_each_backend_with(&limit, async |app| {
        let (_, candidate, _) = applicant(&app, "Ada", "ada@example.com").await;
        let small = upload(&app, "a.pdf", vec![b'a'; 1500]).await;
        let other = upload(&app, "b.pdf", vec![b'b'; 1000]).await;
        let response = app
            .gql(
                Some(&app.admin),
                SEND,
                json!({ "i": { "candidateIds": [candidate], "subject": "S", "body": "<p>B</p>",
                    "attachmentIds": [small, other] } }),
            )
            .await;
        assert_eq!(
            response["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE",
            "{response:#}"
        );
        assert_eq!(
            entity::message::Entity::find()
                .count_total(&app.state.db)
                .await,
            0
        );
        // One file over the limit is refused when uploaded.
        let response = post_upload(&app, "big.pdf", vec![0u8; 4096], None).await;
        assert_eq!(response.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE",
            "{body:#}"
        );
        assert_eq!(
            entity::document::Entity::find()
                .all(&app.state.db)
                .await
                .unwrap()
                .len(),
            2,
            "the refused file is not stored"
        );
    })
    .await;
}

#[tokio::test]
async fn an_smtp_outage_delays_mail_and_delivers_it_once_afterwards() {
    let mut server = tls_server();
    let ca = trusting(&server);
    let port = server.port;
    server.stop();
    let server = tokio::sync::Mutex::new(server);
    on_each_backend_with(&ca, async |app| {
        let (sub, applications) = many_applicants(&app, 5, false).await;
        {
            let mut server = server.lock().await;
            server.stop();
            assert_eq!(server.port, port);
            use_server(&app, &sub, &server, "s3cret-Passw0rd").await;
        }
        app.ok(
            &app.admin,
            SEND,
            json!({ "i": { "applicationIds": applications, "subject": "S", "body": "<p>B</p>" } }),
        )
        .await;
        let now = Utc::now();
        let down = tick(&app, now).await;
        assert_eq!((down.sent, down.retried), (0, 5), "{down:?}");
        let waiting = entity::message::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap();
        for m in &waiting {
            assert_eq!(m.status, MessageStatus::Queued);
            assert_eq!(m.attempts, 1);
            assert!(
                m.last_error
                    .as_deref()
                    .unwrap_or_default()
                    .contains("onnect"),
                "{:?}",
                m.last_error
            );
            assert!(m.next_attempt_at.unwrap() > now);
        }
        // Not yet due again.
        assert_eq!(
            tick(&app, now + chrono::Duration::seconds(1)).await,
            Default::default()
        );

        let before = {
            let mut server = server.lock().await;
            server.restart();
            server.delivered().len()
        };
        let up = tick(&app, now + chrono::Duration::minutes(5)).await;
        assert_eq!(up.sent, 5, "{up:?}");
        let server = server.lock().await;
        let delivered = server.wait_for(before + 5);
        assert_eq!(delivered.len(), before + 5);
        let mut ids: Vec<String> = delivered[before..]
            .iter()
            .map(|d| parse(&d.raw).message_id().unwrap().to_owned())
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 5, "each message exactly once");
        // Nothing is left to send.
        assert_eq!(
            tick(&app, now + chrono::Duration::hours(1)).await,
            Default::default()
        );
    })
    .await;
}

#[tokio::test]
async fn a_permanent_refusal_fails_the_message_with_the_servers_reply() {
    let server = tls_server();
    let ca = trusting(&server);
    on_each_backend_with(&ca, async |app| {
        let (sub, applications) = many_applicants(&app, 2, true).await;
        use_server(&app, &sub, &server, "s3cret-Passw0rd").await;
        let batch = app
            .ok(
                &app.admin,
                SEND,
                json!({ "i": { "applicationIds": applications, "subject": "S", "body": "<p>B</p>" } }),
            )
            .await["sendEmail"]["batch"]
            .clone();
        let done = tick(&app, Utc::now()).await;
        assert_eq!((done.sent, done.failed, done.retried), (1, 1, 0), "{done:?}");
        let failed = entity::message::Entity::find()
            .filter(entity::message::Column::Status.eq(MessageStatus::Failed))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let error = failed.last_error.unwrap();
        assert!(error.contains("550") && error.contains("User unknown"), "{error}");
        assert_eq!(
            crate::event_log::history(&app, &json!(Kind::Message.id(failed.id).0)).await,
            crate::event_log::numbered(&[
                ("message.queued", "QUEUED"),
                ("message.failed", "FAILED"),
            ])
        );
        let progress = app
            .ok(&app.admin, "query($id: ID!) { emailBatch(id: $id) { sent failed } }", json!({ "id": batch["id"] }))
            .await;
        assert_eq!(progress["emailBatch"], json!({ "sent": 1, "failed": 1 }));
    })
    .await;
}

#[tokio::test]
async fn a_claim_left_by_a_dead_instance_is_taken_over_once_it_stops_beating() {
    on_each_backend(async |app| {
        let (_, candidate, _) = applicant(&app, "Crash", "crash@example.com").await;
        let sent = send_plain(&app, &candidate).await;
        let now = Utc::now();
        // Another instance beats, claims the message and dies before sending it.
        let other = other_instance(&app, now).await;
        let claimed = other.dispatcher.claim(now, 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(
            tick(&app, now + chrono::Duration::seconds(5)).await.sent,
            0,
            "its instance beat 5 s ago: still its claim"
        );
        let stale = chrono::Duration::from_std(recruitmail::instances::STALE_AFTER).unwrap();
        let taken_over = tick(&app, now + stale + chrono::Duration::seconds(1)).await;
        assert_eq!(
            taken_over.sent, 1,
            "taken over once its instance stopped beating"
        );
        let status = app
            .ok(&app.admin, MESSAGE, json!({ "id": sent["id"] }))
            .await;
        assert_eq!(status["message"]["status"], "SENT");
        assert_eq!(
            status["message"]["attempts"], 1,
            "the dead claim never reached a server: only the delivery counts"
        );
        assert_eq!(
            std::fs::read_dir(app.data_dir.join("outbox"))
                .unwrap()
                .count(),
            1
        );
        // The dead instance comes back and reports an outcome for its old
        // claim: the claim is no longer its own, so nothing changes.
        let recorded = recruitmail::mail::message_state::record(
            other.dispatcher.database(),
            &other.instance,
            &[(
                &claimed[0],
                recruitmail::mail::message_state::Outcome::Fail("late".into()),
            )],
            true,
            now + stale * 2,
        )
        .await
        .unwrap();
        assert_eq!(recorded, Default::default());
        let status = app
            .ok(&app.admin, MESSAGE, json!({ "id": sent["id"] }))
            .await;
        assert_eq!(status["message"]["status"], "SENT");
    })
    .await;
}

#[tokio::test]
async fn two_dispatchers_on_one_database_never_send_a_message_twice() {
    let server = SmtpServer::start(Options::default());
    on_each_backend(async |app| {
        let before = server.delivered().len();
        // More than one claim's worth, so the two really compete.
        let (sub, applications) = many_applicants(&app, 1200, false).await;
        use_plain_server(&app, &sub, &server).await;
        app.ok(
            &app.admin,
            SEND,
            json!({ "i": { "applicationIds": applications, "subject": "S", "body": "<p>B</p>" } }),
        )
        .await;
        // A second instance: its own connection pool and dispatcher, same database.
        let settings = app.state.settings.clone();
        let other_db = recruitmail::db::connect(&settings, app.state.metrics.clone())
            .await
            .unwrap();
        let other = recruitmail::mail::Mail::new(other_db, settings).unwrap();
        let now = Utc::now();
        let (a, b) = tokio::join!(
            app.state.mail.dispatcher.tick(now),
            other.dispatcher.tick(now)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.sent + b.sent, 1200, "{a:?} {b:?}");
        assert!(a.sent > 0 && b.sent > 0, "both took a share: {a:?} {b:?}");
        let delivered = server.wait_for(before + 1200);
        let mut ids: Vec<String> = delivered[before..]
            .iter()
            .map(|d| parse(&d.raw).message_id().unwrap().to_owned())
            .collect();
        assert_eq!(ids.len(), 1200);
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 1200, "no message twice");
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(server.delivered().len(), before + 1200);
    })
    .await;
}

#[tokio::test]
async fn a_temporary_refusal_is_retried_later() {
    let server = tls_server();
    let ca = trusting(&server);
    on_each_backend_with(&ca, async |app| {
        let (sub, candidate, _) = applicant(&app, "Busy", "busy@example.com").await;
        use_server(&app, &sub, &server, "s3cret-Passw0rd").await;
        let before = server.delivered().len();
        server.set_mode("tempfail");
        let sent = send_plain(&app, &candidate).await;
        let now = Utc::now();
        assert_eq!(tick(&app, now).await.retried, 1);
        let waiting = app
            .ok(&app.admin, MESSAGE, json!({ "id": sent["id"] }))
            .await;
        assert_eq!(waiting["message"]["status"], "QUEUED");
        let error = waiting["message"]["lastError"].as_str().unwrap();
        assert!(error.contains("451"), "{error}");
        server.set_mode("accept");
        assert_eq!(tick(&app, now + chrono::Duration::minutes(5)).await.sent, 1);
        assert_eq!(server.wait_for(before + 1).len(), before + 1);
        let done = app
            .ok(&app.admin, MESSAGE, json!({ "id": sent["id"] }))
            .await;
        assert_eq!(done["message"]["status"], "SENT");
        assert_eq!(done["message"]["attempts"], 2);
        assert_eq!(done["message"]["lastError"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn subsidiaries_without_their_own_server_use_the_configured_relay() {
    let relay = SmtpServer::start(Options::default());
    let url = vec![(
        "RECRUITMAIL_SMTP_RELAY",
        format!("smtp://127.0.0.1:{}", relay.port),
    )];
    on_each_backend_with(&url, async |app| {
        let before = relay.delivered().len();
        let (_, candidate, _) = applicant(&app, "Relayed", "relayed@example.com").await;
        send_plain(&app, &candidate).await;
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let delivered = relay.wait_for(before + 1);
        let got = &delivered[before];
        assert_eq!(got.mail_from, "acme-recruiting-jobs@inbound.localhost");
        assert_eq!(got.rcpt_tos, ["relayed@example.com"]);
        assert!(
            !app.data_dir.join("outbox").exists(),
            "nothing written to the folder"
        );
    })
    .await;
}

#[tokio::test]
async fn a_candidates_document_goes_only_to_that_candidate() {
    on_each_backend(async |app| {
        let (_, owner, _) = applicant(&app, "Owner", "owner@example.com").await;
        let (_, other, _) = applicant(&app, "Other", "other@example.com").await;
        let cv = upload_for(&app, "cv.pdf", b"%PDF cv".to_vec(), Some(&owner)).await;
        let send = |candidates: Vec<&str>| {
            json!({ "i": { "candidateIds": candidates, "subject": "S", "body": "<p>B</p>",
                "attachmentIds": [cv] } })
        };
        for wrong in [vec![other.as_str()], vec![owner.as_str(), other.as_str()]] {
            let response = app.gql(Some(&app.admin), SEND, send(wrong)).await;
            assert_eq!(
                response["errors"][0]["extensions"]["field"], "attachmentIds.0",
                "{response:#}"
            );
        }
        let sent = app.ok(&app.admin, SEND, send(vec![owner.as_str()])).await;
        assert!(sent["sendEmail"]["message"]["id"].is_string());
    })
    .await;
}

#[tokio::test]
async fn company_admins_cannot_point_smtp_at_the_servers_own_network() {
    let server = SmtpServer::start(Options::default());
    let strict = vec![("RECRUITMAIL_SMTP_ALLOW_PRIVATE_HOSTS", "off".to_owned())];
    on_each_backend_with(&strict, async |app| {
        let (sub, candidate, _) = applicant(&app, "Probe", "probe@example.com").await;
        use_plain_server(&app, &sub, &server).await;
        let test = "mutation($s: ID!) { testSmtpConnection(input: { subsidiaryId: $s }) { result { success message } } }";
        let result = app.ok(&app.admin, test, json!({ "s": sub })).await["testSmtpConnection"]["result"].clone();
        assert_eq!(result["success"], false);
        assert!(result["message"].as_str().unwrap().contains("private"), "{result}");
        let before = server.delivered().len();
        send_plain(&app, &candidate).await;
        let done = tick(&app, Utc::now()).await;
        assert_eq!((done.sent, done.retried), (0, 1), "{done:?}");
        assert_eq!(server.delivered().len(), before);
    })
    .await;
}

#[tokio::test]
async fn a_refused_copy_does_not_stop_the_message() {
    let server = SmtpServer::start(Options::default());
    on_each_backend(async |app| {
        let (sub, candidate, _) = applicant(&app, "Copied", "copied@example.com").await;
        use_plain_server(&app, &sub, &server).await;
        let before = server.delivered().len();
        let sent = app
            .ok(
                &app.admin,
                SEND,
                json!({ "i": { "candidateIds": [candidate], "subject": "S", "body": "<p>B</p>",
                    "cc": ["lea@acme.example"], "bcc": ["reject-archive@acme.example"] } }),
            )
            .await["sendEmail"]["message"]
            .clone();
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let delivered = server.wait_for(before + 1);
        let mut rcpt = delivered[before].rcpt_tos.clone();
        rcpt.sort();
        assert_eq!(rcpt, ["copied@example.com", "lea@acme.example"]);
        let status = app
            .ok(&app.admin, MESSAGE, json!({ "id": sent["id"] }))
            .await;
        assert_eq!(status["message"]["status"], "SENT");
        let note = status["message"]["lastError"].as_str().unwrap();
        assert!(
            note.contains("reject-archive@acme.example") && note.contains("550"),
            "{note}"
        );
    })
    .await;
}

#[tokio::test]
async fn idle_pooled_connections_are_closed_once_too_old_to_reuse() {
    use recruitmail::mail::smtp::SmtpConfig;
    use recruitmail::mail::smtp_pool::{MAX_IDLE, SmtpPool};
    use std::time::Instant;

    let server = SmtpServer::start(Options::default());
    let config = SmtpConfig::from_url(&format!("smtp://127.0.0.1:{}", server.port)).unwrap();
    let pool = SmtpPool::new(config, None, 2, false).unwrap();
    let envelope = lettre::address::Envelope::new(
        Some("jobs@acme.example".parse().unwrap()),
        vec!["ida@example.com".parse().unwrap()],
    )
    .unwrap();
    let email = b"From: jobs@acme.example\r\nTo: ida@example.com\r\nSubject: Hi\r\n\r\nHello\r\n";
    pool.send(&envelope, 1, email).await.unwrap();
    assert_eq!(server.wait_for(1).len(), 1);

    // Just used: kept for the next message.
    assert_eq!(pool.close_idle(Instant::now()).await, 0);
    // Idle for longer than a connection is reused: closed, and only once.
    assert_eq!(pool.close_idle(Instant::now() + MAX_IDLE).await, 1);
    assert_eq!(pool.close_idle(Instant::now() + MAX_IDLE).await, 0);
    // The next message opens a connection of its own.
    pool.send(&envelope, 1, email).await.unwrap();
    assert_eq!(server.wait_for(2).len(), 2);
    assert_eq!(pool.close_idle(Instant::now() + MAX_IDLE).await, 1);
}
