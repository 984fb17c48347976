//! Mail from machines posted to `/inbound` as a company's mail server would:
//! a public corpus of real bounces, and our own examples of feedback-loop
//! complaints, DMARC reports, automatic answers and list notices. None of
//! it makes a candidate or lands in a thread; a report about one of our
//! messages acts on it. Mail from unknown people waits in
//! `unassignedMessages` until a recruiter assigns it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use chrono::Utc;
use recruitmail::graphql::ids::Kind;
use sea_orm::EntityTrait as _;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, create_candidate, create_position, on_each_backend, on_each_backend_with, structure,
};
use crate::inbound::deliver;
use crate::outbound::{applicant, row, send_plain, tick, use_plain_server};
use crate::smtp_server::{Options, SmtpServer};

/// flufl.bounce's sdist on PyPI (Apache-2.0) carries its test messages:
/// real bounces of many mail servers. Pinned, so every run reads the same.
const FLUFL_BOUNCE: &str = "6.0.0";

/// The corpus's messages, by file name: downloaded once with pip into
/// `target/flufl-bounce` and unpacked there (never committed).
fn flufl_samples() -> Vec<(String, Vec<u8>)> {
    static DATA: OnceLock<PathBuf> = OnceLock::new();
    let data = DATA.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/flufl-bounce");
        let data = root.join(format!("flufl_bounce-{FLUFL_BOUNCE}/tests/data"));
        if data.is_dir() {
            return data;
        }
        std::fs::create_dir_all(&root).expect("target/flufl-bounce");
        let downloaded = Command::new(crate::smtp_server::python())
            .args(["-m", "pip", "download", "--quiet", "--no-deps"])
            .args(["--no-binary", ":all:"])
            .arg(format!("flufl.bounce=={FLUFL_BOUNCE}"))
            .arg("-d")
            .arg(&root)
            .status()
            .expect("pip runs");
        assert!(downloaded.success(), "pip download flufl.bounce failed");
        let unpacked = Command::new("tar")
            .arg("xzf")
            .arg(root.join(format!("flufl_bounce-{FLUFL_BOUNCE}.tar.gz")))
            .arg("-C")
            .arg(&root)
            .status()
            .expect("tar runs");
        assert!(
            unpacked.success(),
            "the flufl.bounce archive did not unpack"
        );
        data
    });
    let mut samples: Vec<(String, Vec<u8>)> = std::fs::read_dir(data)
        .expect("the corpus folder")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_name()?.to_str()?.to_owned();
            // The folder also holds the package's `__init__.py`.
            name.ends_with(".txt")
                .then(|| (name, std::fs::read(&path).expect("a sample")))
        })
        .collect();
    samples.sort();
    samples
}

/// Posts `raw` to the company's inbound endpoint; the HTTP status and the
/// `inbound` answer.
async fn post(app: &TestApp, raw: &[u8]) -> (u16, Value) {
    let company = app
        .ok(
            &app.admin,
            "{ viewer { company { slug inboundToken } } }",
            json!({}),
        )
        .await["viewer"]["company"]
        .clone();
    let response = app
        .client
        .post(format!(
            "{}/inbound/{}",
            app.base,
            company["slug"].as_str().unwrap()
        ))
        .bearer_auth(company["inboundToken"].as_str().unwrap())
        .header("Content-Type", "message/rfc822")
        .body(raw.to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (status, body["data"]["inbound"].clone())
}

async fn candidate_count(app: &TestApp) -> i64 {
    app.ok(&app.admin, "{ candidates { totalCount } }", json!({}))
        .await["candidates"]["totalCount"]
        .as_i64()
        .unwrap()
}

/// Open positions named by words the corpus's subjects use ("Mail
/// delivery failed", "Delivery Status Notification (Failure)"), so that any
/// sample taken for a person's mail would apply for one.
async fn positions_bounces_name(app: &TestApp) {
    let (sub, cat, _) = structure(app, &app.admin, "corpus").await;
    for name in ["Mail", "Delivery", "Failure", "Notice", "Undeliverable"] {
        create_position(app, &app.admin, &sub, &cat, name, &[]).await;
    }
}

#[tokio::test]
async fn the_flufl_bounce_corpus_is_recognised_and_makes_no_candidate() {
    let samples = flufl_samples();
    assert!(samples.len() >= 100, "only {} samples", samples.len());
    on_each_backend(async |app| {
        positions_bounces_name(&app).await;
        let mut as_person_mail = Vec::new();
        let mut not_machine = Vec::new();
        for (name, raw) in &samples {
            let (status, answer) = post(&app, raw).await;
            if status != 200 {
                not_machine.push(format!("{name}: HTTP {status} {answer}"));
                continue;
            }
            if !answer["candidateId"].is_null()
                || matches!(answer["outcome"].as_str(), Some("FILED" | "NEW_CANDIDATE"))
            {
                as_person_mail.push(format!("{name}: {answer}"));
            }
            if answer["machineKind"].is_null() {
                not_machine.push(format!("{name}: {answer}"));
            }
        }
        let total = samples.len();
        println!(
            "flufl.bounce {FLUFL_BOUNCE}: {total} samples; filed as candidate mail: {:#?}; \
             not recognised as a machine's: {not_machine:#?}",
            as_person_mail
        );
        // At least 99 % of the corpus is not filed as candidate mail, and
        // is recognised as a machine's.
        assert!(as_person_mail.len() * 100 <= total, "{as_person_mail:#?}");
        assert!(not_machine.len() * 100 <= total, "{not_machine:#?}");
        assert_eq!(candidate_count(&app).await, 0);
        let kept = app
            .ok(
                &app.admin,
                "{ unassignedMessages(machine: true, first: 1) { totalCount }
                   messages(first: 1) { totalCount } }",
                json!({}),
            )
            .await;
        // Kept aside, not lost; no candidate's inbox shows them.
        assert_eq!(
            kept["unassignedMessages"]["totalCount"].as_u64().unwrap() as usize,
            total - not_machine.len()
        );
        assert_eq!(kept["messages"]["totalCount"], 0);
    })
    .await;
}

/// One of our own example messages from `tests/api/fixtures/machine_mail`,
/// with its `{{NAME}}` placeholders replaced.
pub(crate) fn fixture(name: &str, values: &[(&str, &str)]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/api/fixtures/machine_mail")
        .join(name);
    let mut text = std::fs::read_to_string(path).expect("a fixture");
    for (key, value) in values {
        text = text.replace(&format!("{{{{{key}}}}}"), value);
    }
    text
}

#[tokio::test]
async fn reports_automatic_answers_and_list_notices_make_no_candidate() {
    on_each_backend(async |app| {
        // Each example names this open position in its subject.
        let (sub, cat, _) = structure(&app, &app.admin, "fixtures").await;
        create_position(&app, &app.admin, &sub, &cat, "Backend Engineer", &[]).await;
        let cases = [
            ("arf_complaint.eml", "UNKNOWN_REPORT", "FEEDBACK_REPORT"),
            ("dmarc_aggregate.eml", "UNKNOWN_REPORT", "DMARC_AGGREGATE_REPORT"),
            ("dmarc_failure.eml", "UNKNOWN_REPORT", "DMARC_FAILURE_REPORT"),
            ("auto_reply.eml", "IGNORED", "AUTO_REPLY"),
            ("vacation.eml", "IGNORED", "AUTO_REPLY"),
            ("list_notice.eml", "IGNORED", "LIST_MAIL"),
        ];
        let unknown = [
            ("MESSAGE_ID", "<not-ours@acme.example>"),
            ("RECIPIENT", "someone@example.net"),
        ];
        for (file, outcome, kind) in cases {
            let answer = deliver(&app, &fixture(file, &unknown)).await;
            assert_eq!(answer["outcome"], outcome, "{file}: {answer:#}");
            assert_eq!(answer["machineKind"], kind, "{file}: {answer:#}");
            assert_eq!(answer["candidateId"], Value::Null, "{file}");
            assert_eq!(candidate_count(&app).await, 0, "{file} made a candidate");
        }
        let kept = app
            .ok(
                &app.admin,
                "{ people: unassignedMessages { totalCount }
                   machines: unassignedMessages(machine: true) { nodes { machineKind attachments { fileName } } } }",
                json!({}),
            )
            .await;
        assert_eq!(kept["people"]["totalCount"], 0);
        let kinds: Vec<&str> = kept["machines"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["machineKind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, cases.map(|(_, _, kind)| kind));
        // A known candidate's words that sound like a machine's are still
        // hers; a stranger's are kept aside.
        let kim = create_candidate(&app, &app.admin, "Kim", "Park", "kim@example.org").await;
        let worried = |from: &str, n: u32| {
            format!(
                "From: {from}\r\nSubject: Was my Backend Engineer CV not delivered?\r\n\
                 Message-ID: <worried-{n}@example.org>\r\nDate: Mon, 7 Dec 2026 14:00:00 +0000\r\n\r\n\
                 I got no answer yet.\r\n"
            )
        };
        let hers = deliver(&app, &worried("Kim Park <kim@example.org>", 1)).await;
        assert_eq!(hers["outcome"], "FILED", "{hers:#}");
        assert_eq!(hers["candidateId"], kim.as_str());
        let stranger = deliver(&app, &worried("someone@example.net", 2)).await;
        assert_eq!(stranger["machineKind"], "DELIVERY_REPORT", "{stranger:#}");
        // Report data is nobody's document.
        assert!(
            kept["machines"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["attachments"] == json!([]))
        );
    })
    .await;
}

/// The header block of a delivered message, as a bounce returns it.
fn header_block(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    text.split("\r\n\r\n").next().unwrap().to_owned()
}

#[tokio::test]
async fn bounces_of_our_real_messages_mark_them_bounced() {
    let server = SmtpServer::start(Options::default());
    on_each_backend_with(&[], async |app| {
        let (sub, ada, _) = applicant(&app, "Ada", "ada@candidates.example").await;
        use_plain_server(&app, &sub, &server).await;
        let status = async |id: &Value| {
            app.ok(
                &app.admin,
                "query($id: ID!) { message(id: $id) { status lastError } }",
                json!({ "id": id }),
            )
            .await["message"]
                .clone()
        };

        // 1. RFC 3464, returning the headers the server received.
        let before = server.delivered().len();
        let first = send_plain(&app, &ada).await;
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let delivered = server.wait_for(before + 1);
        let headers = header_block(&delivered[before].raw);
        let dsn = fixture(
            "dsn_bounce.eml",
            &[("N", "1"), ("RECIPIENT", "ada@candidates.example"), ("HEADERS", &headers)],
        );
        let answer = deliver(&app, &dsn).await;
        assert_eq!(answer["outcome"], "BOUNCED", "{answer:#}");
        assert_eq!(answer["messageId"], first["id"]);
        let first_status = status(&first["id"]).await;
        assert_eq!(first_status["status"], "BOUNCED");
        assert!(
            first_status["lastError"]
                .as_str()
                .unwrap()
                .contains("5.1.1 (smtp; 550 5.1.1 mailbox does not exist)"),
            "{first_status:#}"
        );

        // 2. qmail's plain text, quoting the message without its
        //    Message-ID: found by the reply token of its Reply-To.
        let second = send_plain(&app, &ada).await;
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let delivered = server.wait_for(before + 2);
        let quoted: String = header_block(&delivered[before + 1].raw)
            .split("\r\n")
            .filter(|line| !line.to_ascii_lowercase().starts_with("message-id"))
            .map(|line| format!("{line}\r\n"))
            .collect();
        let qmail = format!(
            "From: MAILER-DAEMON@mx.candidates.example\r\nTo: jobs@acme.example\r\n\
             Subject: failure notice\r\nMessage-ID: <qmail-2@mx.candidates.example>\r\n\
             Date: Mon, 7 Dec 2026 13:00:00 +0000\r\n\r\n\
             Hi. This is the qmail-send program at mx.candidates.example.\r\n\
             I'm afraid I wasn't able to deliver your message to the following addresses.\r\n\
             This is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n\
             <ada@candidates.example>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n\r\n\
             --- Below this line is a copy of the message.\r\n\r\n{quoted}\r\nB\r\n"
        );
        let answer = deliver(&app, &qmail).await;
        assert_eq!(answer["outcome"], "BOUNCED", "{answer:#}");
        assert_eq!(answer["messageId"], second["id"]);

        // 3. Exim naming only the failed recipient: our latest message to her.
        let third = send_plain(&app, &ada).await;
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let exim = "From: Mail Delivery System <Mailer-Daemon@mx.candidates.example>\r\n\
                    To: jobs@acme.example\r\nSubject: Mail delivery failed: returning message to sender\r\n\
                    Message-ID: <exim-3@mx.candidates.example>\r\nX-Failed-Recipients: ada@candidates.example\r\n\
                    Auto-Submitted: auto-replied\r\nDate: Mon, 7 Dec 2026 13:00:00 +0000\r\n\r\n\
                    This message was created automatically by mail delivery software.\r\n\r\n\
                    A message that you sent could not be delivered to one or more of its\r\n\
                    recipients. This is a permanent error. The following address(es) failed:\r\n\r\n\
                    \x20 ada@candidates.example\r\n\x20   mailbox is full\r\n";
        let answer = deliver(&app, exim).await;
        assert_eq!(answer["outcome"], "BOUNCED", "{answer:#}");
        assert_eq!(answer["messageId"], third["id"]);

        // A delay warning marks nothing.
        let fourth = send_plain(&app, &ada).await;
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let delayed = exim
            .replace("exim-3", "exim-4")
            .replace("Mail delivery failed: returning message to sender", "Warning: message delayed 24 hours");
        let answer = deliver(&app, &delayed).await;
        assert_ne!(answer["outcome"], "BOUNCED", "{answer:#}");
        assert_eq!(status(&fourth["id"]).await["status"], "SENT");

        // Bad input: a bounce naming a Message-ID of another company's
        // message, posted to this company, touches nothing of either.
        let other = app.other_company("Globex").await;
        let (_, _, globex_position) = structure(&app, &other, "globex").await;
        let bo = create_candidate(&app, &other, "Bo", "Globex", "bo@candidates.example").await;
        crate::helpers::create_application(&app, &other, &bo, &globex_position).await;
        let theirs = app
            .ok(
                &other,
                "mutation($i: SendEmailInput!) { sendEmail(input: $i) { message { id } } }",
                json!({ "i": { "candidateIds": [bo], "subject": "S", "body": "<p>B</p>" } }),
            )
            .await["sendEmail"]["message"]["id"]
            .clone();
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let their_id = entity::message::Entity::find_by_id(row(&theirs, Kind::Message))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .message_id_header
            .unwrap();
        let foreign = fixture(
            "dsn_bounce.eml",
            &[
                ("N", "5"),
                ("RECIPIENT", "ada@candidates.example"),
                ("HEADERS", &format!("From: jobs@globex.example\r\nMessage-ID: {their_id}\r\nSubject: S")),
            ],
        );
        let answer = deliver(&app, &foreign).await;
        assert_eq!(answer["outcome"], "UNKNOWN_REPORT", "{answer:#}");
        assert_eq!(status(&fourth["id"]).await["status"], "SENT");
        let their_status = entity::message::Entity::find_by_id(row(&theirs, Kind::Message))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .status;
        assert_eq!(their_status, entity::enums::MessageStatus::Sent);
        // None of it is in Ada's thread.
        let thread = app
            .ok(
                &app.admin,
                "query($id: ID!) { candidate(id: $id) { messages { nodes { direction } } } }",
                json!({ "id": ada }),
            )
            .await;
        assert!(
            thread["candidate"]["messages"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["direction"] == "OUTBOUND")
        );
    })
    .await;
}

#[tokio::test]
async fn a_complaint_flags_the_candidate_and_bulk_sends_skip_them() {
    on_each_backend(async |app| {
        let (_, ada, _) = applicant(&app, "Ada", "ada@example.org").await;
        let bo = create_candidate(&app, &app.admin, "Bo", "Example", "bo@example.org").await;
        let sent = send_plain(&app, &ada).await;
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let our_id = entity::message::Entity::find_by_id(row(&sent["id"], Kind::Message))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .message_id_header
            .unwrap();
        let complaint = fixture(
            "arf_complaint.eml",
            &[("MESSAGE_ID", &our_id), ("RECIPIENT", "ada@example.org")],
        );
        let answer = deliver(&app, &complaint).await;
        assert_eq!(
            answer,
            json!({ "outcome": "COMPLAINT", "messageId": sent["id"], "candidateId": ada })
        );
        let flagged = app
            .ok(
                &app.admin,
                "query($a: ID!, $b: ID!) { a: candidate(id: $a) { complainedAt } b: candidate(id: $b) { complainedAt } }",
                json!({ "a": ada, "b": bo }),
            )
            .await;
        assert!(flagged["a"]["complainedAt"].is_string(), "{flagged:#}");
        assert_eq!(flagged["b"]["complainedAt"], Value::Null);

        let bulk = app
            .ok(
                &app.admin,
                "mutation($i: SendEmailInput!) { sendEmail(input: $i) { batch { id total
                    skipped { candidate { id } reason }
                    messages { nodes { candidate { id } } } } } }",
                json!({ "i": { "candidateIds": [ada, bo], "subject": "News", "body": "<p>Hi</p>" } }),
            )
            .await["sendEmail"]["batch"]
            .clone();
        assert_eq!(bulk["total"], 1);
        assert_eq!(
            bulk["skipped"],
            json!([{ "candidate": { "id": ada }, "reason": "COMPLAINED" }])
        );
        assert_eq!(bulk["messages"]["nodes"], json!([{ "candidate": { "id": bo } }]));
        // Read back later, the send still tells whom it left out.
        let again = app
            .ok(
                &app.admin,
                "query($id: ID!) { emailBatch(id: $id) { skipped { reason } } }",
                json!({ "id": bulk["id"] }),
            )
            .await;
        assert_eq!(again["emailBatch"]["skipped"], json!([{ "reason": "COMPLAINED" }]));
    })
    .await;
}

const ASSIGN: &str = "mutation($i: AssignMessageInput!) { assignMessage(input: $i) {
    message { id candidate { id } } candidate { id firstName lastName email } } }";

#[tokio::test]
async fn unassigned_mail_is_assigned_once_by_one_recruiter() {
    on_each_backend(async |app| {
        use base64::Engine as _;
        let cv = base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 cv");
        let question = format!(
            "From: Sam Rivera <sam@example.net>\r\nTo: jobs@acme.example\r\nSubject: Open roles?\r\n\
             Message-ID: <sam-1@example.net>\r\nDate: Mon, 7 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
             Do you have anything for me?\r\n--b\r\nContent-Type: application/pdf\r\n\
             Content-Disposition: attachment; filename=cv.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n\
             {cv}\r\n--b--\r\n"
        );
        let sam = deliver(&app, &question).await;
        assert_eq!(sam["outcome"], "UNASSIGNED", "{sam:#}");
        let listed = app
            .ok(
                &app.admin,
                "{ unassignedMessages { nodes { id textBody attachments { fileName } } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            listed["unassignedMessages"]["nodes"][0]["attachments"],
            json!([{ "fileName": "cv.pdf" }])
        );
        // A stranger's file is no company document to attach to mail.
        let library = app
            .ok(&app.admin, "{ documents { totalCount } }", json!({}))
            .await;
        assert_eq!(library["documents"]["totalCount"], 0);
        // Users limited to their positions see no unassigned mail.
        let (_, _, manager) = crate::helpers::user_with_role(
            &app,
            &app.admin,
            "manager",
            json!({ "sections": ["CANDIDATES", "MESSAGES"], "assignedPositionsOnly": true }),
        )
        .await;
        let seen = app
            .ok(&manager, "{ unassignedMessages { totalCount } }", json!({}))
            .await;
        assert_eq!(seen["unassignedMessages"]["totalCount"], 0);
        let hidden = json!({ "i": { "messageId": sam["messageId"],
            "newCandidate": { "firstName": "Sam", "lastName": "Rivera" } } });
        assert_eq!(app.error_code(Some(&manager), ASSIGN, hidden).await, "NOT_FOUND");

        // Bad input: neither or both targets, a made-up message.
        let neither = json!({ "i": { "messageId": sam["messageId"] } });
        assert_eq!(app.error_code(Some(&app.admin), ASSIGN, neither).await, "VALIDATION");
        let made_up = json!({ "i": { "messageId": Kind::Message.id(987_654).to_string(),
            "newCandidate": { "firstName": "Sam", "lastName": "Rivera" } } });
        assert_eq!(app.error_code(Some(&app.admin), ASSIGN, made_up).await, "NOT_FOUND");

        let made = app
            .ok(
                &app.admin,
                ASSIGN,
                json!({ "i": { "messageId": sam["messageId"],
                    "newCandidate": { "firstName": "Sam", "lastName": "Rivera" } } }),
            )
            .await["assignMessage"]
            .clone();
        let candidate = made["candidate"]["id"].clone();
        assert_eq!(
            made["candidate"],
            json!({ "id": candidate, "firstName": "Sam", "lastName": "Rivera", "email": "sam@example.net" })
        );
        assert_eq!(made["message"]["candidate"]["id"], candidate);
        let filed = app
            .ok(
                &app.admin,
                "query($id: ID!) { candidate(id: $id) { messages { nodes { id } } documents { nodes { fileName } } }
                   unassignedMessages { totalCount } }",
                json!({ "id": candidate }),
            )
            .await;
        assert_eq!(filed["candidate"]["messages"]["nodes"], json!([{ "id": sam["messageId"] }]));
        assert_eq!(filed["candidate"]["documents"]["nodes"], json!([{ "fileName": "cv.pdf" }]));
        assert_eq!(filed["unassignedMessages"]["totalCount"], 0);
        // Assigned already: nothing changes.
        let again = json!({ "i": { "messageId": sam["messageId"], "candidateId": candidate } });
        assert_eq!(app.error_code(Some(&app.admin), ASSIGN, again).await, "CONFLICT");

        // Machine mail can be filed with a candidate, but makes none.
        let vacation = deliver(
            &app,
            &fixture("vacation.eml", &[]),
        )
        .await;
        let from_machine = json!({ "i": { "messageId": vacation["messageId"],
            "newCandidate": { "firstName": "Lee", "lastName": "Moreau" } } });
        assert_eq!(app.error_code(Some(&app.admin), ASSIGN, from_machine).await, "VALIDATION");

        // Two recruiters assign the same message at once: one wins.
        let later = deliver(
            &app,
            "From: sam@example.net\r\nSubject: One more thing\r\nMessage-ID: <sam-2@example.net>\r\n\
             Date: Mon, 7 Dec 2026 10:00:00 +0000\r\n\r\nThanks!\r\n",
        )
        .await;
        // Sam is a candidate now: his next email goes to his thread.
        assert_eq!(later["outcome"], "FILED");
        let stranger = deliver(
            &app,
            "From: Robin <robin@example.com>\r\nSubject: Hello\r\nMessage-ID: <robin-1@example.com>\r\n\
             Date: Mon, 7 Dec 2026 10:00:00 +0000\r\n\r\nHello there\r\n",
        )
        .await;
        let to_sam = json!({ "i": { "messageId": stranger["messageId"], "candidateId": candidate } });
        let to_robin = json!({ "i": { "messageId": stranger["messageId"],
            "newCandidate": { "firstName": "Robin", "lastName": "New" } } });
        let (a, b) = tokio::join!(
            app.gql(Some(&app.admin), ASSIGN, to_sam),
            app.gql(Some(&app.admin), ASSIGN, to_robin),
        );
        let codes: Vec<Option<String>> =
            [&a, &b].iter().map(|r| crate::helpers::first_code(r)).collect();
        assert_eq!(
            codes.iter().filter(|c| c.is_none()).count(),
            1,
            "exactly one assignment wins: {a:#} {b:#}"
        );
        assert!(codes.contains(&Some("CONFLICT".to_owned())), "{a:#} {b:#}");
        // The loser left nothing behind: no second Robin.
        let robins = app
            .ok(
                &app.admin,
                "{ candidates(filter: { email: \"robin@example.com\" }) { totalCount } }",
                json!({}),
            )
            .await["candidates"]["totalCount"]
            .as_i64()
            .unwrap();
        let winner_made_robin = a["data"].is_null();
        assert_eq!(robins, i64::from(winner_made_robin));
    })
    .await;
}
