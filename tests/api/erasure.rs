//! Erasing a candidate reaches every copy of their data: after
//! `eraseCandidate`, their names, address and the bytes of their files are
//! found nowhere — not in any table, not in SQLite's file, WAL or shared
//! memory, not in the blob folder or the outbox — while a file another
//! candidate shares stays whole.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use chrono::Utc;
use recruitmail::graphql::ids::Kind;
use sea_orm::ColumnTrait as _;
use sea_orm::{ConnectionTrait as _, EntityTrait as _, QueryFilter as _, Statement};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::documents::{link, open};
use crate::helpers::{
    TestApp, create_application, create_candidate, on_each_backend, on_each_backend_with,
    structure, upload_document,
};
use crate::inbound::{NOW_HEADERS, deliver};
use crate::outbound::{row, tick};

const FIRST: &str = "Zebulonia";
const LAST: &str = "Quixmantlewood";
const EMAIL: &str = "zebulonia.q@erase-me.example";
/// Unique bytes of the candidate's own uploaded document.
const OWN_MARK: &str = "ZQ-OWN-DOCUMENT-7c1f93e0a6";
/// Unique bytes of the attachment of the mail they sent.
const INBOUND_MARK: &str = "ZQ-INBOUND-ATTACHMENT-55d2e1";

const ERASE: &str = "mutation($id: ID!, $m: ErasureMode!) {
    eraseCandidate(input: { id: $id, mode: $m }) { candidateId mode erasedAt removed { kind count } } }";

fn own_bytes() -> Vec<u8> {
    format!("%PDF-1.4\n{OWN_MARK}\n").repeat(20).into_bytes()
}

fn shared_bytes() -> Vec<u8> {
    b"%PDF-1.4\nthe same form both candidates filled in\n".repeat(20)
}

/// A mail from the candidate with an attachment, as their mail server sends it.
fn mail_from_them() -> String {
    let attachment = base64::engine::general_purpose::STANDARD
        .encode(format!("%PDF-1.4\n{INBOUND_MARK}\n").repeat(20));
    format!(
        "From: {FIRST} {LAST} <{EMAIL}>\r\nTo: jobs@acme.example\r\n\
         Subject: Question from {FIRST} {LAST}\r\nMessage-ID: <zq-1@erase-me.example>\r\n{NOW_HEADERS}\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nRegards, {FIRST} {LAST} ({EMAIL})\r\n\
         --b\r\nContent-Type: application/pdf; name=\"{LAST} references.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"{LAST} references.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{attachment}\r\n--b--\r\n"
    )
}

/// A webhook receiver on loopback that answers 200 and keeps the bodies.
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = bodies.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buffer = [0u8; 4096];
                    loop {
                        let Ok(n) = socket.read(&mut buffer).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        request.extend_from_slice(&buffer[..n]);
                        let text = String::from_utf8_lossy(&request).to_string();
                        let Some(end) = text.find("\r\n\r\n") else {
                            continue;
                        };
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (name, value) = l.split_once(':')?;
                                name.eq_ignore_ascii_case("content-length")
                                    .then(|| value.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            let body = &request[end + 4..end + 4 + length];
                            if let Ok(value) = serde_json::from_slice(body) {
                                kept.lock().unwrap().push(value);
                            }
                            let _ = socket
                                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                                .await;
                            return;
                        }
                    }
                });
            }
        });
        Self { url, bodies }
    }
}

/// Every place the needles might hide, as (where, lower-cased bytes).
async fn everything_stored(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    let mut dirs = vec![app.data_dir.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap_or_default();
                found.push((path.display().to_string(), bytes.to_ascii_lowercase()));
            }
        }
    }
    if app.postgres_database().is_some() {
        let tables: Vec<String> = app
            .state
            .db
            .query_all_raw(Statement::from_string(
                app.state.db.get_database_backend(),
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String>("", "tablename").unwrap())
            .collect();
        for table in tables {
            let rows = app
                .state
                .db
                .query_all_raw(Statement::from_string(
                    app.state.db.get_database_backend(),
                    format!("SELECT row_to_json(t)::text AS j FROM \"{table}\" t"),
                ))
                .await
                .unwrap();
            for r in rows {
                let text: String = r.try_get("", "j").unwrap();
                found.push((
                    format!("table {table}"),
                    text.to_ascii_lowercase().into_bytes(),
                ));
            }
        }
    }
    found
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    let needle = needle.to_ascii_lowercase().into_bytes();
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_slice())
}

/// Where each needle still is.
async fn traces(app: &TestApp) -> Vec<(String, &'static str)> {
    let needles = [FIRST, LAST, EMAIL, OWN_MARK, INBOUND_MARK];
    let mut left = Vec::new();
    for (place, bytes) in everything_stored(app).await {
        for needle in needles {
            if contains(&bytes, needle) {
                left.push((place.clone(), needle));
            }
        }
    }
    left
}

fn outbox_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.data_dir.join("outbox"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// The candidate of the proof, with mail both ways, an interview with its
/// invitation and documents; returns (candidate, other candidate, the
/// other's shared document).
async fn candidate_with_everything(app: &TestApp) -> (String, String, String) {
    let (_, _, position) = structure(app, &app.admin, "erasure").await;
    let candidate = create_candidate(app, &app.admin, FIRST, LAST, EMAIL).await;
    let application = create_application(app, &app.admin, &candidate, &position).await;
    let other = create_candidate(app, &app.admin, "Other", "Person", "other@example.org").await;

    let own = upload_document(
        app,
        &format!("{LAST} CV.pdf"),
        own_bytes(),
        Some(&candidate),
    )
    .await;
    upload_document(app, "form.pdf", shared_bytes(), Some(&candidate)).await;
    let theirs = upload_document(app, "form.pdf", shared_bytes(), Some(&other)).await;
    assert_eq!(own["sizeBytes"], own_bytes().len());

    let received = deliver(app, &mail_from_them()).await;
    assert_eq!(received["outcome"], "FILED", "{received:#}");
    assert_eq!(received["candidateId"], candidate.as_str());

    app.ok(
        &app.admin,
        "mutation($i: SendEmailInput!) { sendEmail(input: $i) { message { id } } }",
        json!({ "i": { "candidateIds": [candidate], "subject": format!("Hello {FIRST}"),
            "body": format!("<p>Dear {FIRST} {LAST}, see the attachment.</p>"),
            "attachmentIds": [own["id"]] } }),
    )
    .await;
    // A delivery report about mail recruitmail does not know is kept as
    // machine mail of no candidate, and quotes their address.
    let report = format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\nTo: jobs@acme.example\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-zq@mx.example.org>\r\n{NOW_HEADERS}\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n\
         --r\r\nContent-Type: text/plain\r\n\r\nYour message to {EMAIL} could not be delivered.\r\n\
         --r\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns; mx.example.org\r\n\r\n\
         Final-Recipient: rfc822; {EMAIL}\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n\
         --r\r\nContent-Type: text/rfc822-headers\r\n\r\n\
         From: jobs@acme.example\r\nMessage-ID: <sent-elsewhere@acme.example>\r\nSubject: Hello\r\n\
         --r--\r\n"
    );
    let filed = deliver(app, &report).await;
    assert_eq!(filed["candidateId"], Value::Null, "{filed:#}");

    // A bulk send with a copy to a colleague: its summary lists both.
    app.ok(
        &app.admin,
        "mutation($i: SendEmailInput!) { sendEmail(input: $i) { batch { id } } }",
        json!({ "i": { "candidateIds": [candidate, other], "subject": "News",
            "body": "<p>News for everyone.</p>", "cc": ["boss@acme.example"] } }),
    )
    .await;
    let (panel, _, _) = crate::helpers::user_with_role(
        app,
        &app.admin,
        "Panel",
        json!({ "sections": ["INTERVIEWS"] }),
    )
    .await;
    let interview = app
        .ok(
            &app.admin,
            "mutation($i: ScheduleInterviewInput!) { scheduleInterview(input: $i) { interview { id } } }",
            json!({ "i": { "applicationId": application, "title": format!("Interview with {FIRST} {LAST}"),
                "startsAt": "2026-12-21T08:00:00Z", "endsAt": "2026-12-21T09:00:00Z",
                "timeZone": "Europe/Paris", "location": format!("Room booked for {LAST}"),
                "participantIds": [panel] } }),
        )
        .await["scheduleInterview"]["interview"]["id"]
        .clone();
    app.ok(
        &app.admin,
        "mutation($i: SendInterviewInvitationInput!) { sendInterviewInvitation(input: $i) { message { id } } }",
        json!({ "i": { "interviewId": interview, "subject": format!("Invitation, {FIRST}"),
            "body": format!("<p>See you, {FIRST} {LAST}</p>") } }),
    )
    .await;
    // Ours, the bulk send's two and its summary copy, the participant's
    // copy and the invitation.
    assert_eq!(tick(app, Utc::now()).await.sent, 6);
    assert_eq!(outbox_files(app), 6, "all left through the outbox folder");
    // A copy of all that, as a data export (stored, not compressed, so the
    // scan would find it).
    crate::candidate_export::ready_export(app, &candidate).await;
    let before = traces(app).await;
    for needle in [FIRST, LAST, EMAIL, OWN_MARK, INBOUND_MARK] {
        assert!(
            before.iter().any(|(_, n)| *n == needle),
            "the scan finds {needle} before the erasure"
        );
    }
    (candidate, other, theirs["id"].as_str().unwrap().to_owned())
}

fn counts(receipt: &Value) -> std::collections::BTreeMap<String, u64> {
    receipt["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

async fn prove(mode: &'static str) {
    on_each_backend_with(&[("RECRUITMAIL_WEBHOOKS", "on".to_owned())], async |app| {
        let receiver = Receiver::start().await;
        app.ok(
            &app.admin,
            "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } } }",
            json!({ "i": { "url": receiver.url, "eventTypes": ["candidate.erased"] } }),
        )
        .await;
        let (candidate, other, shared) = candidate_with_everything(&app).await;

        let receipt = app
            .ok(&app.admin, ERASE, json!({ "id": candidate, "m": mode }))
            .await["eraseCandidate"]
            .clone();
        assert_eq!(receipt["candidateId"], candidate.as_str());
        assert_eq!(receipt["mode"], mode);
        let counts = counts(&receipt);
        let expected = [
            ("CANDIDATE", 1),
            ("APPLICATION", if mode == "DELETE" { 1 } else { 0 }),
            // Theirs, ours and the bulk send's to them, the invitation, the
            // participant's copy and the delivery report quoting them.
            ("MESSAGE", 6),
            ("SUMMARY_COPY", 1),
            ("CANCELLED_MESSAGE", 0),
            // Their CV, their copy of the shared form, their mail's attachment.
            ("DOCUMENT", 3),
            // The shared form's content stays for the other candidate.
            ("FILE", 2),
            ("OUTBOX_FILE", 5),
            ("INTERVIEW", 1),
            ("INVITATION", 1),
            ("SCHEDULING_LINK", 0),
            ("EXPORT", 1),
        ];
        for (kind, count) in expected {
            assert_eq!(counts[kind], count, "{kind} in {receipt:#}");
        }
        assert!(counts["EVENT"] >= 5, "{receipt:#}");

        let left = traces(&app).await;
        assert!(left.is_empty(), "{mode} left traces: {left:#?}");
        // Kept as a keyed hash only (the scan above), the address is on
        // the do-not-contact list: the person asked to be forgotten.
        let listed = app
            .ok(
                &app.admin,
                "query($e: String!) { doNotContact(email: $e) { reason } }",
                json!({ "e": EMAIL }),
            )
            .await;
        assert_eq!(listed["doNotContact"]["reason"], "ERASURE", "{listed:#}");
        // The other candidate's message of the bulk send stays; the summary
        // copy keeps them for the colleague.
        assert_eq!(outbox_files(&app), 1);
        let summary = entity::message_content::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.text_body.contains("other@example.org"))
            .expect("the summary copy names the other candidate");
        assert!(summary.text_body.contains("[erased]"), "{}", summary.text_body);

        // The other candidate's copy of the shared bytes is whole.
        let url = link(&app, &app.admin, &shared, "ATTACHMENT").await;
        let response = open(&app, &url, None).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.bytes().await.unwrap().as_ref(), shared_bytes().as_slice());
        let listed = app
            .ok(
                &app.admin,
                "query($id: ID!) { candidate(id: $id) { documents { totalCount } } }",
                json!({ "id": other }),
            )
            .await;
        assert_eq!(listed["candidate"]["documents"]["totalCount"], 1);

        // What remains of the candidate.
        let seen = app
            .gql(
                Some(&app.admin),
                "query($id: ID!) { candidate(id: $id) { firstName lastName email phone erasedAt
                    messages(first: 10) { nodes { subject textBody from to attachments { fileName } } }
                    documents { totalCount } } }",
                json!({ "id": candidate }),
            )
            .await;
        if mode == "DELETE" {
            assert_eq!(crate::helpers::first_code(&seen).as_deref(), Some("NOT_FOUND"), "{seen:#}");
        } else {
            let person = &seen["data"]["candidate"];
            assert_eq!(person["email"], format!("erased-{}@erased.invalid", row(&json!(candidate), Kind::Candidate)));
            assert_eq!(person["erasedAt"], receipt["erasedAt"]);
            assert_eq!(person["documents"]["totalCount"], 0);
            let messages = person["messages"]["nodes"].as_array().unwrap();
            assert_eq!(messages.len(), 4, "statistics still count them: {person:#}");
            for message in messages {
                assert_eq!(message["subject"], "");
                assert_eq!(message["attachments"], json!([]));
            }
        }

        // `candidate.erased`: ids only, in the log and in the webhook.
        let erased: Vec<entity::event::Model> = entity::event::Entity::find()
            .filter(entity::event::Column::EventType.eq("candidate.erased"))
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(erased.len(), 1);
        assert_eq!(
            serde_json::from_str::<Value>(&erased[0].data).unwrap(),
            json!({ "id": candidate })
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let body = loop {
            if let Some(body) = receiver.bodies.lock().unwrap().first().cloned() {
                break body;
            }
            assert!(std::time::Instant::now() < deadline, "no webhook arrived");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        assert_eq!(body["type"], "candidate.erased");
        let keys: Vec<&String> = body["data"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "sequence"], "{body:#}");
        assert_eq!(body["data"]["id"], candidate.as_str());

        // The audit trail: ids and counts.
        let audit = app
            .ok(
                &app.admin,
                "{ auditLog(first: 100) { nodes { action details } } }",
                json!({}),
            )
            .await;
        let entry = audit["auditLog"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "candidate.erased")
            .cloned()
            .unwrap_or_else(|| panic!("no audit entry: {audit:#}"));
        let details = entry["details"].to_string();
        assert!(details.contains("\"MESSAGE\":6"), "{details}");
        assert!(!contains(details.to_ascii_lowercase().as_bytes(), FIRST));
    })
    .await;
}

#[tokio::test]
async fn anonymising_leaves_no_trace_of_the_candidate_anywhere() {
    prove("ANONYMISE").await;
}

#[tokio::test]
async fn deleting_leaves_no_trace_of_the_candidate_anywhere() {
    prove("DELETE").await;
}

#[tokio::test]
async fn erasing_twice_sending_and_someone_elses_candidate() {
    on_each_backend(async |app| {
        let (_, _, position) = structure(&app, &app.admin, "twice").await;
        let ann = create_candidate(&app, &app.admin, "Ann", "Twice", "ann@example.org").await;
        create_application(&app, &app.admin, &ann, &position).await;

        // A message the dispatcher is sending right now: refused, nothing changed.
        app.ok(
            &app.admin,
            "mutation($i: SendEmailInput!) { sendEmail(input: $i) { message { id } } }",
            json!({ "i": { "candidateIds": [ann], "subject": "S", "body": "<p>B</p>" } }),
        )
        .await;
        let claimed = recruitmail::mail::message_state::claim(
            &app.state.db,
            &app.state.mail.instance,
            Utc::now(),
            chrono::Duration::minutes(5),
            10,
        )
        .await
        .unwrap();
        assert_eq!(claimed.len(), 1);
        let refused = app
            .gql(
                Some(&app.admin),
                ERASE,
                json!({ "id": ann, "m": "ANONYMISE" }),
            )
            .await;
        assert_eq!(
            crate::helpers::first_code(&refused).as_deref(),
            Some("CONFLICT"),
            "{refused:#}"
        );
        let still = app
            .ok(
                &app.admin,
                "query($id: ID!) { candidate(id: $id) { firstName erasedAt } }",
                json!({ "id": ann }),
            )
            .await;
        assert_eq!(
            still["candidate"],
            json!({ "firstName": "Ann", "erasedAt": null })
        );

        // Once it has left, the erasure goes through; a scheduled message
        // is cancelled, never sent to an erased address.
        let lease_over = Utc::now() + chrono::Duration::minutes(10);
        entity::message::Entity::update_many()
            .col_expr(
                entity::message::Column::Status,
                sea_orm::sea_query::Expr::value(entity::enums::MessageStatus::Sent),
            )
            .filter(entity::message::Column::Id.eq(claimed[0].id))
            .exec(&app.state.db)
            .await
            .unwrap();
        let later = app
            .ok(
                &app.admin,
                "mutation($i: SendEmailInput!) { sendEmail(input: $i) { message { id status } } }",
                json!({ "i": { "candidateIds": [ann], "subject": "Later", "body": "<p>B</p>",
                    "scheduledAt": lease_over.to_rfc3339() } }),
            )
            .await["sendEmail"]["message"]
            .clone();
        assert_eq!(later["status"], "SCHEDULED");
        let receipt = app
            .ok(&app.admin, ERASE, json!({ "id": ann, "m": "ANONYMISE" }))
            .await;
        assert_eq!(counts(&receipt["eraseCandidate"])["CANCELLED_MESSAGE"], 1);
        let status = app
            .ok(
                &app.admin,
                "query($id: ID!) { message(id: $id) { status } }",
                json!({ "id": later["id"] }),
            )
            .await;
        assert_eq!(status["message"]["status"], "CANCELLED");
        assert_eq!(
            tick(&app, lease_over + chrono::Duration::minutes(1))
                .await
                .sent,
            0
        );

        // Twice: anonymising again is a conflict; deleting still works,
        // and then the candidate is gone.
        let again = app
            .gql(
                Some(&app.admin),
                ERASE,
                json!({ "id": ann, "m": "ANONYMISE" }),
            )
            .await;
        assert_eq!(
            crate::helpers::first_code(&again).as_deref(),
            Some("CONFLICT"),
            "{again:#}"
        );
        app.ok(&app.admin, ERASE, json!({ "id": ann, "m": "DELETE" }))
            .await;
        for mode in ["DELETE", "ANONYMISE"] {
            let gone = app
                .gql(Some(&app.admin), ERASE, json!({ "id": ann, "m": mode }))
                .await;
            assert_eq!(
                crate::helpers::first_code(&gone).as_deref(),
                Some("NOT_FOUND"),
                "{gone:#}"
            );
        }
        let deleted = app
            .gql(
                Some(&app.admin),
                "mutation($id: ID!) { deleteCandidate(input: { id: $id }) { deletedCandidateId } }",
                json!({ "id": ann }),
            )
            .await;
        assert_eq!(
            crate::helpers::first_code(&deleted).as_deref(),
            Some("NOT_FOUND")
        );

        // Another company's candidate is not found; nobody but an admin erases.
        let other_admin = app.other_company("Globex").await;
        let bo = create_candidate(&app, &app.admin, "Bo", "Kept", "bo@example.org").await;
        let hidden = app
            .gql(
                Some(&other_admin),
                ERASE,
                json!({ "id": bo, "m": "DELETE" }),
            )
            .await;
        assert_eq!(
            crate::helpers::first_code(&hidden).as_deref(),
            Some("NOT_FOUND")
        );
        let (_, _, recruiter) = crate::helpers::user_with_role(
            &app,
            &app.admin,
            "Recruiter",
            json!({ "sections": ["CANDIDATES"] }),
        )
        .await;
        let forbidden = app
            .gql(Some(&recruiter), ERASE, json!({ "id": bo, "m": "DELETE" }))
            .await;
        assert_eq!(
            crate::helpers::first_code(&forbidden).as_deref(),
            Some("FORBIDDEN")
        );
        let kept = app
            .ok(
                &app.admin,
                "query($id: ID!) { candidate(id: $id) { firstName } }",
                json!({ "id": bo }),
            )
            .await;
        assert_eq!(kept["candidate"]["firstName"], "Bo");
    })
    .await;
}

#[tokio::test]
async fn a_file_shared_by_two_documents_goes_with_the_last_of_them() {
    on_each_backend(async |app| {
        let ann = create_candidate(&app, &app.admin, "Ann", "Shared", "ann@example.org").await;
        let bo = create_candidate(&app, &app.admin, "Bo", "Shared", "bo@example.org").await;
        let bytes = b"%PDF-1.4\nshared by two documents\n".repeat(10);
        let first = upload_document(&app, "a.pdf", bytes.clone(), Some(&ann)).await;
        let second = upload_document(&app, "b.pdf", bytes.clone(), Some(&bo)).await;
        let sha = first["sha256"].as_str().unwrap().to_owned();
        assert_eq!(second["sha256"], sha.as_str());
        let file = app
            .data_dir
            .join("blobs")
            .join("sha256")
            .join(&sha[..2])
            .join(&sha);
        assert!(file.exists(), "{}", file.display());

        let delete = "mutation($id: ID!) { deleteDocument(input: { id: $id }) { deletedId } }";
        app.ok(&app.admin, delete, json!({ "id": first["id"] }))
            .await;
        assert_eq!(
            std::fs::read(&file).unwrap(),
            bytes,
            "the other document still uses it"
        );
        app.ok(&app.admin, delete, json!({ "id": second["id"] }))
            .await;
        assert!(!file.exists(), "the last document took its file with it");
        let rows = entity::blob::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap();
        assert!(rows.is_empty(), "{rows:#?}");

        // The same bytes uploaded again are stored anew.
        let third = upload_document(&app, "c.pdf", bytes.clone(), Some(&ann)).await;
        assert_eq!(third["sha256"], sha.as_str());
        assert_eq!(std::fs::read(&file).unwrap(), bytes);
    })
    .await;
}

#[tokio::test]
async fn in_an_s3_bucket_a_shared_file_goes_with_its_last_candidate() {
    let s3 = crate::s3::S3Server::start().await;
    on_each_backend_with(&s3.settings(), async |app| {
        let ann = create_candidate(&app, &app.admin, "Ann", "Bucket", "ann@example.org").await;
        let bo = create_candidate(&app, &app.admin, "Bo", "Bucket", "bo@example.org").await;
        let bytes = format!("%PDF-1.4 in the bucket on {:?}", app.backend).into_bytes();
        let document = upload_document(&app, "a.pdf", bytes.clone(), Some(&ann)).await;
        upload_document(&app, "b.pdf", bytes.clone(), Some(&bo)).await;
        let sha = document["sha256"].as_str().unwrap();
        let key = format!("<Key>sha256/{}/{sha}</Key>", &sha[..2]);
        assert!(s3.listing().await.contains(&key));

        let receipt = app
            .ok(&app.admin, ERASE, json!({ "id": ann, "m": "DELETE" }))
            .await;
        assert_eq!(counts(&receipt["eraseCandidate"])["FILE"], 0);
        assert!(
            s3.listing().await.contains(&key),
            "Bo's document still uses it"
        );
        let receipt = app
            .ok(&app.admin, ERASE, json!({ "id": bo, "m": "ANONYMISE" }))
            .await;
        assert_eq!(counts(&receipt["eraseCandidate"])["FILE"], 1);
        let listing = s3.listing().await;
        assert!(!listing.contains(&key), "{listing}");
    })
    .await;
}

#[tokio::test]
async fn an_upload_racing_the_last_deletion_of_the_same_bytes_keeps_its_file() {
    on_each_backend(async |app| {
        let ann = create_candidate(&app, &app.admin, "Ann", "Race", "ann@example.org").await;
        let delete = "mutation($id: ID!) { deleteDocument(input: { id: $id }) { deletedId } }";
        for round in 0..12 {
            let bytes = format!("%PDF-1.4 round {round} of the race\n")
                .repeat(50)
                .into_bytes();
            let old = upload_document(&app, "old.pdf", bytes.clone(), Some(&ann)).await;
            let (deleted, new) = tokio::join!(
                app.ok(&app.admin, delete, json!({ "id": old["id"] })),
                upload_document(&app, "new.pdf", bytes.clone(), Some(&ann)),
            );
            assert_eq!(deleted["deleteDocument"]["deletedId"], old["id"]);
            let url = link(&app, &app.admin, new["id"].as_str().unwrap(), "ATTACHMENT").await;
            let response = open(&app, &url, None).await;
            assert_eq!(response.status(), 200, "round {round}");
            assert_eq!(
                response.bytes().await.unwrap().as_ref(),
                bytes.as_slice(),
                "round {round}"
            );
            let counted = entity::blob::Entity::find_by_id(format!(
                "sha256/{}/{}",
                &new["sha256"].as_str().unwrap()[..2],
                new["sha256"].as_str().unwrap()
            ))
            .one(&app.state.db)
            .await
            .unwrap()
            .expect("the new document's content is counted");
            assert_eq!(counted.reference_count, 1, "round {round}");
            assert_eq!(counted.unreferenced_at, None, "round {round}");
        }
    })
    .await;
}
