//! Applications from the career page's form and the acknowledgements their
//! categories send: real multipart requests without a user token, files told
//! by their content, rate limits, and the acknowledgement delivered to a real
//! SMTP server on loopback.

use chrono::Utc;
use entity::enums::ApplicationSource;
use recruitmail::graphql::ids::Kind;
use sea_orm::EntityTrait as _;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, create_application, create_candidate, create_position, on_each_backend,
    on_each_backend_with, structure,
};
use crate::outbound::{parse, row, tick, use_plain_server};
use crate::smtp_server::{Options, SmtpServer};

const SUBMIT: &str =
    "mutation($i: SubmitApplicationInput!) { submitApplication(input: $i) { received } }";
const AUTO_REPLY: &str = "mutation($i: UpdateCategoryAutoReplyInput!) {
    updateCategoryAutoReply(input: $i) { category { autoReply { onlineApplications emailApplications
        template { name } sender { displayName } } } }
}";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";

/// One file of a form: the variable it fills, its name and its bytes.
type File<'a> = (&'a str, &'a str, &'a [u8]);

/// Posts `submitApplication` as a browser form would: a GraphQL multipart
/// request without a token.
async fn submit_with(app: &TestApp, input: Value, files: &[File<'_>]) -> Value {
    let mut input = input;
    let mut map = serde_json::Map::new();
    let mut others = 0;
    for (i, (field, _, _)) in files.iter().enumerate() {
        let path = if *field == "otherDocuments" {
            input["otherDocuments"] = json!(vec![Value::Null; others + 1]);
            others += 1;
            format!("variables.i.otherDocuments.{}", others - 1)
        } else {
            input[*field] = Value::Null;
            format!("variables.i.{field}")
        };
        map.insert(i.to_string(), json!([path]));
    }
    let operations = json!({ "query": SUBMIT, "variables": { "i": input } });
    let mut form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", Value::Object(map).to_string());
    for (i, (_, name, bytes)) in files.iter().enumerate() {
        form = form.part(
            i.to_string(),
            reqwest::multipart::Part::bytes(bytes.to_vec())
                .file_name((*name).to_owned())
                // What the browser claims; the server looks at the content.
                .mime_str("application/pdf")
                .unwrap(),
        );
    }
    app.client
        .post(format!("{}/graphql", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Posts `submitApplication` with one file part mapped to `paths`.
async fn post_one_part(
    app: &TestApp,
    input: Value,
    paths: &[&str],
    bytes: Vec<u8>,
) -> reqwest::Response {
    let operations = json!({ "query": SUBMIT, "variables": { "i": input } });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": paths }).to_string())
        .part(
            "0",
            reqwest::multipart::Part::bytes(bytes).file_name("cv.pdf"),
        );
    app.client
        .post(format!("{}/graphql", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn form_key(app: &TestApp) -> String {
    app.ok(&app.admin, "{ viewer { company { formKey } } }", json!({}))
        .await["viewer"]["company"]["formKey"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The usual applicant on `position`.
fn applicant(key: &str, position: &str, email: &str) -> Value {
    json!({ "formKey": key, "positionId": position, "firstName": "Ana", "lastName": "Silva",
        "email": email, "phone": "+49 30 1234", "message": "I would love to join; see my CV." })
}

/// An acknowledgement template, and the admin's signature, for `category`.
pub(crate) async fn enable(app: &TestApp, category: &str, online: bool, email: bool) -> Value {
    let template = app
        .ok(
            &app.admin,
            "mutation($i: CreateEmailTemplateInput!) { createEmailTemplate(input: $i) { emailTemplate { id } } }",
            json!({ "i": { "name": format!("Thanks {category}"), "subject": "Your application as {{ position_name }}",
                "body": "<p>{{ gender(m=\"Lieber\", f=\"Liebe\", n=\"Hallo\") }} {{ first_name }} {{ last_name }},</p><p>danke für Ihre Bewerbung als {{ position_name }} bei {{ company_name }}.</p>" } }),
        )
        .await["createEmailTemplate"]["emailTemplate"]["id"]
        .clone();
    app.ok(
        &app.admin,
        "mutation { updateMySignature(input: { signature: \"<p>Mia Recruiter<br>Acme</p>\" }) { user { id } } }",
        json!({}),
    )
    .await;
    let me = app
        .ok(&app.admin, "{ viewer { user { id } } }", json!({}))
        .await["viewer"]["user"]["id"]
        .clone();
    app.ok(
        &app.admin,
        AUTO_REPLY,
        json!({ "i": { "categoryId": category, "onlineApplications": online, "emailApplications": email,
            "templateId": template, "senderId": me } }),
    )
    .await
}

/// The candidate's thread: (direction, subject) of each message.
async fn thread(app: &TestApp, email: &str) -> Vec<(String, String)> {
    let data = app
        .ok(
            &app.admin,
            "query($e: String!) { candidates(filter: { email: $e }) { nodes { messages { nodes { direction subject } } } } }",
            json!({ "e": email }),
        )
        .await;
    data["candidates"]["nodes"][0]["messages"]["nodes"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|m| {
                    (
                        m["direction"].as_str().unwrap().to_owned(),
                        m["subject"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn an_online_application_is_filed_and_acknowledged_once() {
    let server = SmtpServer::start(Options::default());
    on_each_backend_with(&[], async |app| {
        let (sub, category, position) = structure(&app, &app.admin, "form").await;
        use_plain_server(&app, &sub, &server).await;
        let settings = enable(&app, &category, true, false).await;
        let reply = &settings["updateCategoryAutoReply"]["category"]["autoReply"];
        assert_eq!(reply["onlineApplications"], true);
        assert_eq!(reply["template"]["name"], format!("Thanks {category}"));
        let key = form_key(&app).await;

        let before = server.delivered().len();
        let input = applicant(&key, &position, "Ana.Silva@Example.org");
        // The names say HTML; the contents are a PDF and a PNG.
        let first = submit_with(&app, input.clone(), &[("cv", "cv.html", PDF), ("coverLetter", "letter.html", PNG)]).await;
        assert_eq!(first, json!({ "data": { "submitApplication": { "received": true } } }));
        // Twice: the same answer, nothing new filed or sent.
        let second = submit_with(&app, input, &[("cv", "cv.pdf", PDF)]).await;
        assert_eq!(second, first);

        let data = app
            .ok(
                &app.admin,
                "{ candidates { totalCount nodes { email gender phone applications { source position { name } } } } }",
                json!({}),
            )
            .await;
        assert_eq!(data["candidates"]["totalCount"], 1);
        let candidate = &data["candidates"]["nodes"][0];
        assert_eq!(candidate["email"], "ana.silva@example.org");
        assert_eq!(candidate["gender"], "UNKNOWN");
        assert_eq!(candidate["applications"].as_array().unwrap().len(), 1);
        assert_eq!(candidate["applications"][0]["source"], "ONLINE_FORM");
        let documents: Vec<entity::document::Model> =
            entity::document::Entity::find().all(&app.state.db).await.unwrap();
        let mut filed: Vec<(String, String)> =
            documents.iter().map(|d| (d.file_name.clone(), d.content_type.clone())).collect();
        filed.sort();
        assert_eq!(
            filed,
            [("cv.pdf".into(), "application/pdf".into()), ("letter.png".into(), "image/png".into())],
            "stored under the extension of what they are"
        );
        let thread_now = thread(&app, "ana.silva@example.org").await;
        assert_eq!(
            thread_now,
            [
                ("INBOUND".to_owned(), "Application: Backend Engineer form".to_owned()),
                ("OUTBOUND".to_owned(), "Your application as Backend Engineer form".to_owned()),
            ]
        );

        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let delivered = server.wait_for(before + 1);
        assert_eq!(delivered.len(), before + 1, "exactly one acknowledgement");
        let mail = parse(&delivered[before].raw);
        let from = mail.from().unwrap().first().unwrap();
        assert_eq!(from.address(), Some("jobs@acme.example"));
        // An automatic answer says so, so that other responders leave it
        // unanswered (RFC 3834 §5).
        assert_eq!(
            mail.header_raw("Auto-Submitted").map(str::trim),
            Some("auto-replied")
        );
        let text = mail.body_text(0).unwrap().replace("\r\n", "\n");
        assert!(
            text.starts_with("Hallo Ana Silva,\n\ndanke für Ihre Bewerbung als Backend Engineer form bei Acme Recruiting."),
            "{text}"
        );
        assert!(text.contains("-- \nMia Recruiter\nAcme"), "{text}");
    })
    .await;
}

#[tokio::test]
async fn each_source_is_acknowledged_only_when_its_category_says_so() {
    on_each_backend(async |app| {
        let (sub, answered, position) = structure(&app, &app.admin, "on").await;
        let (_, silent, quiet_position) = {
            let category = app
                .ok(
                    &app.admin,
                    "mutation { createCategory(input: { name: \"Silent\" }) { category { id } } }",
                    json!({}),
                )
                .await["createCategory"]["category"]["id"]
                .as_str()
                .unwrap()
                .to_owned();
            let position =
                create_position(&app, &app.admin, &sub, &category, "Quiet job", &[]).await;
            ((), category, position)
        };
        enable(&app, &answered, true, false).await;
        enable(&app, &silent, false, true).await;
        let key = form_key(&app).await;
        let outbound = |email: &'static str| {
            let app = &app;
            async move {
                thread(app, email)
                    .await
                    .into_iter()
                    .filter(|(direction, _)| direction == "OUTBOUND")
                    .count()
            }
        };

        // Online form: acknowledged where enabled, not where disabled.
        submit_with(&app, applicant(&key, &position, "on@example.org"), &[]).await;
        assert_eq!(outbound("on@example.org").await, 1);
        submit_with(
            &app,
            applicant(&key, &quiet_position, "off@example.org"),
            &[],
        )
        .await;
        assert_eq!(outbound("off@example.org").await, 0);

        // A recruiter's own entry (MANUAL) never is, even where enabled.
        let manual = create_candidate(&app, &app.admin, "Man", "Ual", "manual@example.org").await;
        create_application(&app, &app.admin, &manual, &position).await;
        assert_eq!(outbound("manual@example.org").await, 0);

        // By email: the flag for email applications decides.
        let db = &app.state.db;
        let company = entity::company::Entity::find()
            .one(db)
            .await
            .unwrap()
            .unwrap();
        for (position, expected) in [(&position, 0), (&quiet_position, 1)] {
            let email = format!("mail{expected}@example.org");
            let candidate = create_candidate(&app, &app.admin, "Mai", "Ler", &email).await;
            let application = create_application(&app, &app.admin, &candidate, position).await;
            let load = async |id: &str, kind| row(&json!(id), kind);
            let position =
                entity::position::Entity::find_by_id(load(position, Kind::Position).await)
                    .one(db)
                    .await
                    .unwrap()
                    .unwrap();
            let candidate =
                entity::candidate::Entity::find_by_id(load(&candidate, Kind::Candidate).await)
                    .one(db)
                    .await
                    .unwrap()
                    .unwrap();
            let application = entity::application::Entity::find_by_id(
                load(&application, Kind::Application).await,
            )
            .one(db)
            .await
            .unwrap()
            .unwrap();
            let txn = recruitmail::db::begin_write(db).await.unwrap();
            let sent = recruitmail::intake::auto_reply::acknowledge(
                &txn,
                &app.state.settings,
                &company,
                &position,
                &candidate,
                &application,
                ApplicationSource::Email,
                Utc::now(),
            )
            .await
            .unwrap();
            sea_orm::TransactionSession::commit(txn).await.unwrap();
            assert_eq!(usize::from(sent.is_some()), expected, "{}", position.name);
        }
    })
    .await;
}

#[tokio::test]
async fn bad_forms_are_refused_and_nothing_is_written() {
    on_each_backend_with(&[("RECRUITMAIL_MAX_ATTACHMENT_BYTES", "16384".to_owned())], async |app| {
        let (_, _, position) = structure(&app, &app.admin, "bad").await;
        let closed = app
            .ok(
                &app.admin,
                "mutation($p: ID!) { updatePosition(input: { id: $p, status: CLOSED }) { position { id } } }",
                json!({ "p": create_position(&app, &app.admin, &structure(&app, &app.admin, "old").await.0, &structure(&app, &app.admin, "old2").await.1, "Closed job", &[]).await }),
            )
            .await["updatePosition"]["position"]["id"]
            .clone();
        let key = form_key(&app).await;
        let good = applicant(&key, &position, "bad@example.org");
        let with = |field: &str, value: Value| {
            let mut input = good.clone();
            input[field] = value;
            input
        };
        let exe: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0";
        let html: &[u8] = b"<html><body><script>alert(1)</script></body></html>";
        let big = [PDF, &[b' '; 20_000][..]].concat();
        let cases: Vec<(Value, Vec<File<'_>>, &str, &str)> = vec![
            (with("formKey", json!("not-a-key")), vec![], "FORBIDDEN", ""),
            (with("positionId", closed.clone()), vec![], "NOT_FOUND", ""),
            (with("positionId", json!("UG9zaXRpb246OTk5OTk")), vec![], "NOT_FOUND", ""),
            (with("email", json!("not an address")), vec![], "VALIDATION", "email"),
            (with("firstName", json!(" ")), vec![], "VALIDATION", "firstName"),
            (with("lastName", json!("x".repeat(300))), vec![], "VALIDATION", "lastName"),
            (with("phone", json!("call me")), vec![], "VALIDATION", "phone"),
            (with("message", json!("y".repeat(10_001))), vec![], "VALIDATION", "message"),
            (good.clone(), vec![("cv", "cv.pdf", exe)], "VALIDATION", "cv"),
            (good.clone(), vec![("cv", "cv.pdf", PDF), ("coverLetter", "letter.pdf", html)], "VALIDATION", "coverLetter"),
            (good.clone(), vec![("otherDocuments", "a.pdf", PDF), ("otherDocuments", "b.pdf", b"plain text")], "VALIDATION", "otherDocuments.1"),
            (good.clone(), vec![("cv", "cv.pdf", &big)], "PAYLOAD_TOO_LARGE", ""),
            (good.clone(), vec![("cv", "cv.pdf", &big[..9000]), ("coverLetter", "c.pdf", &big[..9000])], "PAYLOAD_TOO_LARGE", ""),
        ];
        for (input, files, code, field) in cases {
            let response = submit_with(&app, input.clone(), &files).await;
            let error = &response["errors"][0];
            assert_eq!(error["extensions"]["code"], code, "{code} {field}: {response}");
            if !field.is_empty() {
                assert_eq!(error["extensions"]["field"], field, "{response}");
            }
        }
        let count = app.ok(&app.admin, "{ candidates { totalCount } applications { totalCount } }", json!({})).await;
        assert_eq!(count, json!({ "candidates": { "totalCount": 0 }, "applications": { "totalCount": 0 } }));
        let documents = entity::document::Entity::find().all(&app.state.db).await.unwrap();
        assert!(documents.is_empty());
    })
    .await;
}

#[tokio::test]
async fn the_answer_never_tells_whether_someone_applied() {
    on_each_backend(async |app| {
        let (_, _, position) = structure(&app, &app.admin, "privacy").await;
        let key = form_key(&app).await;
        create_candidate(&app, &app.admin, "Known", "Person", "known@example.org").await;
        let known = submit_with(&app, applicant(&key, &position, "known@example.org"), &[]).await;
        let again = submit_with(&app, applicant(&key, &position, "known@example.org"), &[]).await;
        let unknown = submit_with(&app, applicant(&key, &position, "new@example.org"), &[]).await;
        assert_eq!(known, unknown);
        assert_eq!(again, unknown);
        // The known candidate's name was not overwritten by the form.
        let data = app
            .ok(
                &app.admin,
                "{ candidates(filter: { email: \"known@example.org\" }) { nodes { firstName } } }",
                json!({}),
            )
            .await;
        assert_eq!(data["candidates"]["nodes"][0]["firstName"], "Known");
    })
    .await;
}

/// Files `n` applications, all accepted.
async fn use_up(app: &TestApp, key: &str, position: &str, prefix: &str, n: usize) {
    for i in 0..n {
        let email = format!("{prefix}{i}@example.org");
        let response = submit_with(app, applicant(key, position, &email), &[]).await;
        assert_eq!(
            response["data"]["submitApplication"]["received"], true,
            "{response}"
        );
    }
}

#[tokio::test]
async fn the_form_is_rate_limited_per_address_and_per_form() {
    let per_address = [("RECRUITMAIL_FORM_RATE_PER_ADDRESS", "3".to_owned())];
    on_each_backend_with(&per_address, async |app| {
        let (_, _, position) = structure(&app, &app.admin, "rate").await;
        let key = form_key(&app).await;
        use_up(&app, &key, &position, "r", 3).await;
        let refused = submit_with(&app, applicant(&key, &position, "r4@example.org"), &[]).await;
        assert_eq!(
            refused["errors"][0]["extensions"]["code"], "RATE_LIMITED",
            "{refused}"
        );
        // Even a wrong key counts against the address.
        let refused = submit_with(&app, applicant("guess", &position, "r5@example.org"), &[]).await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    })
    .await;
    let per_form = [
        ("RECRUITMAIL_FORM_RATE_PER_ADDRESS", "100".to_owned()),
        ("RECRUITMAIL_FORM_RATE_PER_KEY", "2".to_owned()),
    ];
    on_each_backend_with(&per_form, async |app| {
        let (_, _, position) = structure(&app, &app.admin, "rate").await;
        let key = form_key(&app).await;
        use_up(&app, &key, &position, "k", 2).await;
        let refused = submit_with(&app, applicant(&key, &position, "k3@example.org"), &[]).await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "RATE_LIMITED");
        let rotated = app
            .ok(
                &app.admin,
                "mutation { rotateFormKey(input: { confirm: true }) { company { formKey } } }",
                json!({}),
            )
            .await["rotateFormKey"]["company"]["formKey"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_ne!(rotated, key);
        let old = submit_with(&app, applicant(&key, &position, "k4@example.org"), &[]).await;
        assert_eq!(old["errors"][0]["extensions"]["code"], "FORBIDDEN");
        // The new key is the same form: still over its rate this minute.
        let new = submit_with(&app, applicant(&rotated, &position, "k5@example.org"), &[]).await;
        assert_eq!(new["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    })
    .await;
}

#[tokio::test]
async fn auto_reply_settings_are_checked() {
    on_each_backend(async |app| {
        let (_, category, _) = structure(&app, &app.admin, "settings").await;
        let me = app.ok(&app.admin, "{ viewer { user { id } } }", json!({})).await["viewer"]["user"]["id"].clone();
        let interview_template = app
            .ok(
                &app.admin,
                "mutation($i: CreateEmailTemplateInput!) { createEmailTemplate(input: $i) { emailTemplate { id } } }",
                json!({ "i": { "name": "Invite", "interviewRelated": true, "subject": "S", "body": "<p>{{ interview_date }}</p>" } }),
            )
            .await["createEmailTemplate"]["emailTemplate"]["id"]
            .clone();
        let plain = crate::helpers::create_template(&app, &app.admin, "Plain").await;
        let check = |input: Value, field: &'static str, says: &'static str| {
            let app = &app;
            let category = category.clone();
            async move {
                let mut input = input;
                input["categoryId"] = json!(category);
                let response = app.gql(Some(&app.admin), AUTO_REPLY, json!({ "i": input })).await;
                let error = &response["errors"][0];
                assert_eq!(error["extensions"]["code"], "VALIDATION", "{response}");
                assert_eq!(error["extensions"]["field"], field, "{response}");
                assert!(error["message"].as_str().unwrap().contains(says), "{response}");
            }
        };
        check(json!({ "templateId": "RW1haWxUZW1wbGF0ZTo5OTk5", "senderId": me }), "templateId", "no email template").await;
        check(json!({ "templateId": interview_template, "senderId": me }), "templateId", "interview").await;
        // The admin has no signature yet.
        check(json!({ "templateId": plain, "senderId": me }), "senderId", "no signature").await;
        check(json!({ "onlineApplications": true }), "templateId", "needs a template").await;
        let read = app
            .ok(&app.admin, "{ categories { id autoReply { onlineApplications emailApplications sender { id } } } }", json!({}))
            .await;
        let ours = read["categories"].as_array().unwrap().iter().find(|c| c["id"] == json!(category)).unwrap();
        assert_eq!(ours["autoReply"], json!({ "onlineApplications": false, "emailApplications": false, "sender": null }));
    })
    .await;
}

#[tokio::test]
async fn an_oversize_form_is_refused_before_it_is_read() {
    let small = [("RECRUITMAIL_MAX_ATTACHMENT_BYTES", "16384".to_owned())];
    on_each_backend_with(&small, async |app| {
        let (_, _, position) = structure(&app, &app.admin, "huge").await;
        let key = form_key(&app).await;
        let huge = [PDF, &vec![b' '; 3 * 1024 * 1024][..]].concat();
        let mut input = applicant(&key, &position, "huge@example.org");
        input["cv"] = Value::Null;
        let response = post_one_part(&app, input, &["variables.i.cv"], huge).await;
        assert_eq!(response.status(), 413);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
        let count = app
            .ok(&app.admin, "{ candidates { totalCount } }", json!({}))
            .await;
        assert_eq!(count["candidates"]["totalCount"], 0);
    })
    .await;
}

#[tokio::test]
async fn simultaneous_applications_are_all_filed_once() {
    on_each_backend(async |app| {
        let (_, category, position) = structure(&app, &app.admin, "rush").await;
        enable(&app, &category, true, false).await;
        let key = form_key(&app).await;
        // Eight people at once, one of them three times.
        let mut emails: Vec<String> = (0..8).map(|i| format!("rush{i}@example.org")).collect();
        emails.extend([
            "rush0@example.org".to_owned(),
            "rush0@example.org".to_owned(),
        ]);
        let answers = futures_util::future::join_all(emails.iter().map(|e| {
            submit_with(
                &app,
                applicant(&key, &position, e),
                &[("cv", "cv.pdf", PDF)],
            )
        }))
        .await;
        for answer in &answers {
            assert_eq!(
                answer["data"]["submitApplication"]["received"], true,
                "{answer}"
            );
        }
        let counts = app
            .ok(
                &app.admin,
                "{ candidates { totalCount } applications { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(
            counts,
            json!({ "candidates": { "totalCount": 8 }, "applications": { "totalCount": 8 } })
        );
        let acknowledgements = entity::message::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.direction == entity::enums::MessageDirection::Outbound)
            .count();
        assert_eq!(acknowledgements, 8);
    })
    .await;
}

#[tokio::test]
async fn replies_can_be_turned_off_when_their_sender_lost_the_signature() {
    on_each_backend(async |app| {
        let (_, category, position) = structure(&app, &app.admin, "stale").await;
        enable(&app, &category, true, true).await;
        app.ok(&app.admin, "mutation { updateMySignature(input: { signature: null }) { user { id } } }", json!({}))
            .await;
        // Unsigned replies are not sent...
        let key = form_key(&app).await;
        submit_with(&app, applicant(&key, &position, "stale@example.org"), &[]).await;
        assert_eq!(
            thread(&app, "stale@example.org").await,
            [("INBOUND".to_owned(), "Application: Backend Engineer stale".to_owned())]
        );
        // ...and the replies can still be switched off.
        let off = app
            .ok(
                &app.admin,
                AUTO_REPLY,
                json!({ "i": { "categoryId": category, "onlineApplications": false, "emailApplications": false } }),
            )
            .await;
        assert_eq!(off["updateCategoryAutoReply"]["category"]["autoReply"]["onlineApplications"], false);
    })
    .await;
}

#[tokio::test]
async fn a_file_named_for_several_fields_counts_for_each() {
    let small = [("RECRUITMAIL_MAX_ATTACHMENT_BYTES", "16384".to_owned())];
    on_each_backend_with(&small, async |app| {
        let (_, _, position) = structure(&app, &app.admin, "twice").await;
        let key = form_key(&app).await;
        let mut input = applicant(&key, &position, "twice@example.org");
        input["cv"] = Value::Null;
        input["coverLetter"] = Value::Null;
        let twice = ["variables.i.cv", "variables.i.coverLetter"];
        let bytes = [PDF, &[b' '; 9000][..]].concat();
        let response: Value = post_one_part(&app, input, &twice, bytes)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            response["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE",
            "{response}"
        );
    })
    .await;
}

/// Office files as their writers lay them out, made with Python's zipfile:
/// DOCX (`[Content_Types].xml` first), ODT (`mimetype` first, stored), a
/// plain ZIP archive and a Word document with macros.
fn office_files() -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
import sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(d + "/cv.docx", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
    z.writestr("_rels/.rels", "<Relationships/>")
    z.writestr("word/document.xml", "<w:document/>")
with zipfile.ZipFile(d + "/cv.odt", "w") as z:
    z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
    z.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
with zipfile.ZipFile(d + "/files.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("notes.txt", "not a document")
with zipfile.ZipFile(d + "/macros.docm", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", "<Types/>")
    z.writestr("word/document.xml", "<w:document/>")
    z.writestr("word/vbaProject.bin", "macros")
"#;
    let made = std::process::Command::new(crate::smtp_server::python())
        .args(["-c", script])
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(made.success());
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    (
        read("cv.docx"),
        read("cv.odt"),
        read("files.zip"),
        read("macros.docm"),
    )
}

#[test]
fn word_and_opendocument_files_are_told_from_other_archives() {
    use recruitmail::intake::file_types::sniff;
    let (docx, odt, zip, macros) = office_files();
    assert_eq!(
        sniff(&docx),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    );
    assert_eq!(sniff(&odt), Some("application/vnd.oasis.opendocument.text"));
    assert_eq!(sniff(&zip), None);
    assert_eq!(sniff(&macros), None, "a document with macros");
}
