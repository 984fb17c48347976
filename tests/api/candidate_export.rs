//! Candidate data exports (GDPR Art. 15 and 20): the archive a recruiting
//! admin requests, as an independent ZIP reader (Python's `zipfile`) and
//! mail parser (mail-parser) see it; its links, its expiry, its failures,
//! and its memory with large documents.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{Duration, Utc};
use entity::candidate_export;
use recruitmail::candidate_export::worker::{Builder, Built};
use recruitmail::documents::links::{Disposition, Grant};
use recruitmail::graphql::ids::{Kind, decode};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait as _, EntityTrait as _, Set};
use serde_json::{Value, json};

use crate::documents::{candidate_document, claims, forged_from, open, pdf_bytes};
use crate::helpers::{TestApp, create_candidate, on_each_backend, user_with_role};
use crate::inbound::{NOW_HEADERS, deliver};
use crate::outbound::{applicant, parse, send_plain, tick};

const REQUEST: &str = "mutation($c: ID!) { exportCandidateData(input: { candidateId: $c }) {
    export { id status createdAt readyAt expiresAt sizeBytes url requestedBy { email } candidate { id } } } }";

const EXPORTS: &str = "query($c: ID!) { candidateExports(candidateId: $c) { totalCount nodes {
    id status failureReason readyAt expiresAt sizeBytes url requestedBy { email } candidate { id } } } }";

fn builder(app: &TestApp) -> Builder {
    Builder::new(
        app.state.db.clone(),
        app.state.mail.blobs.clone(),
        app.state.mail.instance.clone(),
        &app.data_dir,
    )
}

async fn request(app: &TestApp, candidate: &str) -> Value {
    app.ok(&app.admin, REQUEST, json!({ "c": candidate })).await["exportCandidateData"]["export"]
        .clone()
}

/// The candidate's exports, oldest first.
async fn exports(app: &TestApp, candidate: &str) -> Vec<Value> {
    app.ok(&app.admin, EXPORTS, json!({ "c": candidate })).await["candidateExports"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

/// Requests an export and builds it as the background worker would.
pub(crate) async fn ready_export(app: &TestApp, candidate: &str) -> Value {
    let export = request(app, candidate).await;
    assert_eq!(export["status"], "QUEUED");
    assert_eq!(export["url"], Value::Null);
    let built = builder(app).build_next(Utc::now()).await.unwrap();
    assert!(matches!(built, Some(Built::Ready { .. })), "{built:?}");
    let listed = exports(app, candidate).await;
    let found = listed.iter().find(|e| e["id"] == export["id"]).unwrap();
    assert_eq!(found["status"], "READY", "{found:#}");
    found.clone()
}

/// Downloads a link without credentials into a file of `dir`.
async fn download(app: &TestApp, url: &str, dir: &Path) -> PathBuf {
    let response = open(app, url, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    let path = dir.join("export.zip");
    std::fs::write(&path, response.bytes().await.unwrap()).unwrap();
    path
}

/// Checks every entry's CRC with Python's `zipfile` and unpacks the archive
/// into `into`; the entries' names.
fn unpack(archive: &Path, into: &Path) -> Vec<String> {
    let script = "import sys, zipfile\n\
        z = zipfile.ZipFile(sys.argv[1])\n\
        bad = z.testzip()\n\
        assert bad is None, bad\n\
        z.extractall(sys.argv[2])\n\
        print('\\n'.join(z.namelist()))\n";
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(archive)
        .arg(into)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A candidate of the first company, with one document.
async fn candidate_with_cv(app: &TestApp) -> String {
    let admin = &app.admin;
    let ada = create_candidate(app, admin, "Ada", "Lovelace", "ada@example.com").await;
    candidate_document(
        app,
        admin,
        &ada,
        None,
        "cv.pdf",
        "application/pdf",
        pdf_bytes(),
    )
    .await;
    ada
}

fn row_id(id: &Value, kind: Kind) -> i64 {
    decode(
        &async_graphql::ID(id.as_str().unwrap().to_owned()),
        kind,
        "id",
    )
    .unwrap()
}

#[tokio::test]
async fn an_export_holds_the_candidates_data_mail_and_files_and_nothing_else() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let (_, ada, application) = applicant(&app, "Ada", "ada@example.org").await;
        let cv = pdf_bytes();
        let letter: Vec<u8> = (0..70_000u32).map(|i| (i % 253) as u8).collect();
        let cv_id =
            candidate_document(&app, &admin, &ada, None, "cv.pdf", "application/pdf", cv.clone())
                .await;
        let letter_id = candidate_document(
            &app,
            &admin,
            &ada,
            None,
            "../Brief: Müller?.bin",
            "application/octet-stream",
            letter.clone(),
        )
        .await;
        let sent = send_plain(&app, &ada).await;
        assert_eq!(tick(&app, Utc::now()).await.sent, 1);
        let received = deliver(
            &app,
            &format!(
                "From: Ada Example <ada@example.org>\r\nTo: jobs@acme.example\r\nSubject: Question about Monday\r\n\
                 Message-ID: <q1@example.org>\r\n{NOW_HEADERS}\r\nIs Monday fine?\r\n"
            ),
        )
        .await;
        assert_eq!(received["candidateId"], ada.as_str(), "{received:#}");
        // Another candidate, whose data must stay out.
        let bob = create_candidate(&app, &admin, "Bob", "Other", "bob@elsewhere.example").await;
        candidate_document(&app, &admin, &bob, None, "bob-cv.pdf", "application/pdf", b"%PDF-bob".to_vec())
            .await;
        send_plain(&app, &bob).await;

        let export = request(&app, &ada).await;
        assert_eq!(export["requestedBy"]["email"], "admin@acme.example");
        assert_eq!(export["candidate"]["id"], ada.as_str());
        // One export at a time per candidate.
        assert_eq!(
            app.error_code(Some(&admin), REQUEST, json!({ "c": ada })).await,
            "CONFLICT"
        );
        let built = builder(&app).build_next(Utc::now()).await.unwrap();
        assert!(matches!(built, Some(Built::Ready { .. })), "{built:?}");
        assert_eq!(builder(&app).build_next(Utc::now()).await.unwrap(), None);
        let listed = exports(&app, &ada).await;
        assert_eq!(listed.len(), 1);
        let ready = &listed[0];
        assert_eq!(ready["status"], "READY");
        let ready_at: chrono::DateTime<Utc> = ready["readyAt"].as_str().unwrap().parse().unwrap();
        let expires_at: chrono::DateTime<Utc> = ready["expiresAt"].as_str().unwrap().parse().unwrap();
        assert_eq!(expires_at - ready_at, Duration::days(7));
        let url = ready["url"].as_str().unwrap();
        assert!(url.starts_with("/exports/"), "{url}");

        let dir = tempfile::tempdir().unwrap();
        let archive = download(&app, url, dir.path()).await;
        assert_eq!(
            std::fs::metadata(&archive).unwrap().len(),
            ready["sizeBytes"].as_u64().unwrap()
        );
        let unpacked = dir.path().join("unpacked");
        let mut names = unpack(&archive, &unpacked);
        names.sort();
        let (cv_row, letter_row) = (row_id(&json!(cv_id), Kind::Document), row_id(&json!(letter_id), Kind::Document));
        let (sent_row, received_row) = (
            row_id(&sent["id"], Kind::Message),
            row_id(&received["messageId"], Kind::Message),
        );
        let mut expected = vec![
            "candidate.json".to_owned(),
            format!("documents/{cv_row}-cv.pdf"),
            format!("documents/{letter_row}-Brief_ Müller_.bin"),
            format!("messages/{sent_row}.eml"),
            format!("messages/{received_row}.eml"),
        ];
        expected.sort();
        assert_eq!(names, expected);

        assert_eq!(std::fs::read(unpacked.join(&expected[1])).unwrap(), cv);
        assert_eq!(std::fs::read(unpacked.join(&expected[2])).unwrap(), letter);

        // The copy of sent mail says what the message that left said.
        let outbox: Vec<PathBuf> = std::fs::read_dir(app.data_dir.join("outbox"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(outbox.len(), 1);
        let delivered = std::fs::read(&outbox[0]).unwrap();
        let delivered = parse(&delivered);
        let sent_eml = std::fs::read(unpacked.join(format!("messages/{sent_row}.eml"))).unwrap();
        let parsed = parse(&sent_eml);
        assert_eq!(parsed.subject(), Some("S"));
        let address = |m: &mail_parser::Message<'_>| {
            m.from().unwrap().first().unwrap().address().unwrap().to_owned()
        };
        assert_eq!(address(&parsed), address(&delivered));
        assert_eq!(parsed.message_id(), delivered.message_id());
        assert_eq!(
            parsed.to().unwrap().first().unwrap().address(),
            Some("ada@example.org")
        );
        assert_eq!(parsed.body_text(0), delivered.body_text(0));
        let received_eml =
            std::fs::read(unpacked.join(format!("messages/{received_row}.eml"))).unwrap();
        let parsed = parse(&received_eml);
        assert_eq!(parsed.subject(), Some("Question about Monday"));
        assert_eq!(
            parsed.from().unwrap().first().unwrap().address(),
            Some("ada@example.org")
        );
        assert_eq!(parsed.message_id(), Some("q1@example.org"));
        assert!(parsed.body_text(0).unwrap().contains("Is Monday fine?"));

        let summary: Value =
            serde_json::from_slice(&std::fs::read(unpacked.join("candidate.json")).unwrap())
                .unwrap();
        assert_eq!(summary["candidate"]["id"], ada.as_str());
        assert_eq!(summary["candidate"]["email"], "ada@example.org");
        assert_eq!(summary["applications"][0]["id"], application.as_str());
        assert_eq!(summary["applications"][0]["status"], "NEW");
        assert!(summary["applications"][0]["position"]["name"].is_string(), "{summary:#}");
        assert_eq!(summary["documents"].as_array().unwrap().len(), 2);
        assert_eq!(summary["documents"][0]["file"], expected[1].as_str());
        assert_eq!(summary["messages"].as_array().unwrap().len(), 2);
        assert_eq!(summary["messages"][0]["direction"], "OUTBOUND");
        assert_eq!(summary["messages"][1]["direction"], "INBOUND");
        let events: Vec<&str> = summary["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        for wanted in ["candidate.created", "application.created", "message.sent", "message.received"] {
            assert!(events.contains(&wanted), "{wanted} in {events:?}");
        }
        // Nothing of Bob anywhere.
        for name in &names {
            let bytes = std::fs::read(unpacked.join(name)).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains("bob"), "{name} names Bob");
            assert!(!text.contains("Bob"), "{name} names Bob");
        }

        // A resumed download asks for the rest.
        let part = open(&app, url, Some("bytes=10-19")).await;
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        let whole = std::fs::read(&archive).unwrap();
        assert_eq!(part.bytes().await.unwrap().as_ref(), &whole[10..20]);

        // Requested, downloaded once (the range went on from byte 10), ready.
        let log = app
            .ok(
                &admin,
                "{ auditLog(first: 100) { nodes { action subjectType subjectId details } } }",
                json!({}),
            )
            .await["auditLog"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        let of = |action: &str| log.iter().filter(|e| e["action"] == action).count();
        assert_eq!(of("candidate_export.requested"), 1);
        assert_eq!(of("candidate_export.downloaded"), 1);
        let entry = log
            .iter()
            .find(|e| e["action"] == "candidate_export.downloaded")
            .unwrap();
        assert_eq!(entry["subjectId"], ready["id"]);
        assert!(!entry.to_string().contains("ada@"), "{entry}");
        let ready_events = app
            .ok(
                &admin,
                "{ events(first: 50, types: [\"candidate_export.ready\"]) { nodes { type data } } }",
                json!({}),
            )
            .await;
        let ready_events: Vec<&Value> = ready_events["events"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "candidate_export.ready")
            .collect();
        assert_eq!(ready_events.len(), 1, "{ready_events:?}");
        assert_eq!(ready_events[0]["data"]["id"], ready["id"]);
        assert_eq!(ready_events[0]["data"]["candidateId"], ada.as_str());
    })
    .await;
}

#[tokio::test]
async fn only_recruiting_admins_export_and_bad_links_get_403() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let ada = candidate_with_cv(&app).await;
        let role = json!({ "sections": ["CANDIDATES", "MESSAGES"] });
        let (_, _, recruiter) = user_with_role(&app, &admin, "Recruiter", role).await;
        for query in [REQUEST, EXPORTS] {
            assert_eq!(
                app.error_code(Some(&recruiter), query, json!({ "c": ada }))
                    .await,
                "FORBIDDEN"
            );
        }
        let ready = ready_export(&app, &ada).await;
        let url = ready["url"].as_str().unwrap().to_owned();
        let (_, query) = url.split_once('?').unwrap();

        let other = app.other_company("Umbrella").await;
        let eve = create_candidate(&app, &other, "Eve", "Other", "eve@example.com").await;
        let theirs = app.ok(&other, REQUEST, json!({ "c": eve })).await["exportCandidateData"]
            ["export"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(matches!(
            builder(&app).build_next(Utc::now()).await.unwrap(),
            Some(Built::Ready { .. })
        ));
        // Admins of one company do not see another's exports.
        assert_eq!(
            app.error_code(
                Some(&admin),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": theirs })
            )
            .await,
            "NOT_FOUND"
        );

        let (user, token) = claims(&url);
        let export_row = row_id(&ready["id"], Kind::CandidateExport);
        let signer = recruitmail::candidate_export::links::signer(&app.state.settings.secret_key);
        let company = entity::user::Entity::find_by_id(user)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .company_id;
        let signed = |id: &str, row: i64, expires: i64| {
            signer.link_under(
                "/exports/",
                id,
                &Grant {
                    company_id: company,
                    document_id: row,
                    user_id: user,
                    token_id: token,
                    expires,
                    disposition: Disposition::Attachment,
                },
            )
        };
        let now = Utc::now().timestamp();
        // The same claims under the document links' key.
        let document_key =
            recruitmail::documents::links::Signer::new(&app.state.settings.secret_key).link_under(
                "/exports/",
                ready["id"].as_str().unwrap(),
                &Grant {
                    company_id: company,
                    document_id: export_row,
                    user_id: user,
                    token_id: token,
                    expires: now + 60,
                    disposition: Disposition::Attachment,
                },
            );
        let mut cases = forged_from(&url, user);
        cases.extend([
            (
                "the query on another company's export",
                format!("/exports/{theirs}?{query}"),
            ),
            ("a candidate's ID", format!("/exports/{ada}?{query}")),
            (
                "an expired link",
                signed(ready["id"].as_str().unwrap(), export_row, now - 1),
            ),
            (
                "another company's export signed with the server's key",
                signed(
                    &theirs,
                    row_id(&json!(theirs), Kind::CandidateExport),
                    now + 60,
                ),
            ),
            ("a document link's key", document_key),
        ]);
        for (what, forged) in cases {
            let response = open(&app, &forged, None).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{what}");
            assert!(
                response.headers().get("content-disposition").is_none(),
                "{what}"
            );
            let body: Value = response.json().await.unwrap();
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "FORBIDDEN",
                "{what}"
            );
        }
        // The real link still opens.
        assert_eq!(open(&app, &url, None).await.status(), StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn an_export_expires_after_a_week_and_an_erasure_removes_them_all() {
    on_each_backend(async |app| {
        let ada = candidate_with_cv(&app).await;
        let ready = ready_export(&app, &ada).await;
        let url = ready["url"].as_str().unwrap().to_owned();
        let row = candidate_export::Entity::find_by_id(row_id(&ready["id"], Kind::CandidateExport))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let key = row.blob_key.clone().unwrap();
        let stored = app.data_dir.join("blobs").join(&key);
        assert!(stored.is_file(), "{}", stored.display());

        let blobs = &app.state.mail.blobs;
        let expire = recruitmail::candidate_export::expire_due;
        assert_eq!(
            expire(&app.state.db, blobs, Utc::now() + Duration::days(6))
                .await
                .unwrap(),
            0
        );
        assert!(stored.is_file());
        assert_eq!(
            expire(&app.state.db, blobs, Utc::now() + Duration::days(8))
                .await
                .unwrap(),
            1
        );
        assert!(!stored.exists());
        let listed = exports(&app, &ada).await;
        assert_eq!(listed[0]["status"], "EXPIRED");
        assert_eq!(listed[0]["url"], Value::Null);
        assert_eq!(open(&app, &url, None).await.status(), StatusCode::FORBIDDEN);

        // Two more: one ready, one still queued; an erasure removes both
        // rows and the archive.
        let second = ready_export(&app, &ada).await;
        let second_key =
            candidate_export::Entity::find_by_id(row_id(&second["id"], Kind::CandidateExport))
                .one(&app.state.db)
                .await
                .unwrap()
                .unwrap()
                .blob_key
                .unwrap();
        request(&app, &ada).await;
        let candidate_row = row_id(&json!(ada), Kind::Candidate);
        let removed = recruitmail::candidate_export::delete_for_candidate(
            &app.state.db,
            blobs,
            candidate_row,
        )
        .await
        .unwrap();
        assert_eq!(removed, 3);
        assert!(!app.data_dir.join("blobs").join(&second_key).exists());
        assert!(exports(&app, &ada).await.is_empty());
        // Nothing is left to build.
        assert_eq!(builder(&app).build_next(Utc::now()).await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn a_build_that_cannot_read_a_document_fails_with_its_reason() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let ada = create_candidate(&app, &admin, "Ada", "Lovelace", "ada@example.com").await;
        let document = candidate_document(
            &app,
            &admin,
            &ada,
            None,
            "cv.pdf",
            "application/pdf",
            b"%PDF-lost".to_vec(),
        )
        .await;
        let stored = entity::document::Entity::find_by_id(row_id(&json!(document), Kind::Document))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        std::fs::remove_file(app.data_dir.join("blobs").join(&stored.blob_key)).unwrap();

        request(&app, &ada).await;
        let built = builder(&app).build_next(Utc::now()).await.unwrap();
        let Some(Built::Failed { reason, .. }) = built else {
            panic!("{built:?}");
        };
        assert!(reason.contains(&document), "{reason}");
        let listed = exports(&app, &ada).await;
        assert_eq!(listed[0]["status"], "FAILED");
        assert_eq!(listed[0]["failureReason"], reason.as_str());
        assert_eq!(listed[0]["url"], Value::Null);
        // No half-written archive is left behind, and a new request is taken.
        let scratch = app.data_dir.join("exports-in-progress");
        assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0);
        assert!(!app.data_dir.join("blobs/exports").exists());
        request(&app, &ada).await;
    })
    .await;
}

#[tokio::test]
async fn an_export_claimed_by_an_instance_that_died_is_built_again() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let ada = create_candidate(&app, &admin, "Ada", "Lovelace", "ada@example.com").await;
        let export = request(&app, &ada).await;
        let id = row_id(&export["id"], Kind::CandidateExport);
        // Claimed by an instance that never beat (killed mid-build).
        candidate_export::ActiveModel {
            id: Set(id),
            status: Set("BUILDING".to_owned()),
            claimed_by: Set(Some("i-gone".to_owned())),
            ..Default::default()
        }
        .update(&app.state.db)
        .await
        .unwrap();
        let built = builder(&app).build_next(Utc::now()).await.unwrap();
        assert_eq!(built.map(|b| matches!(b, Built::Ready { .. })), Some(true));
        assert_eq!(exports(&app, &ada).await[0]["status"], "READY");
    })
    .await;
}

#[tokio::test]
async fn the_background_worker_builds_what_is_requested() {
    let settings = [("RECRUITMAIL_DISPATCHER", "on".to_owned())];
    crate::helpers::on_each_backend_with(&settings, async |app| {
        let admin = app.admin.clone();
        let ada = create_candidate(&app, &admin, "Ada", "Lovelace", "ada@example.com").await;
        request(&app, &ada).await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let status = exports(&app, &ada).await[0]["status"].clone();
            if status == "READY" {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "still {status}");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    })
    .await;
}

/// The process's resident memory in KiB: now, and at its peak since the
/// peak was last reset.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[tokio::test]
async fn a_large_export_is_streamed_with_bounded_memory() {
    // The store is the same on both databases: SQLite is enough here.
    let app = TestApp::spawn(&crate::helpers::Backend::Sqlite).await;
    let admin = app.admin.clone();
    let ada = create_candidate(&app, &admin, "Ada", "Lovelace", "ada@example.com").await;
    let candidate_row = row_id(&json!(ada), Kind::Candidate);
    // 4 documents of 50 MiB, written to the blob folder a MiB at a time
    // (never whole in memory), and their rows.
    const SIZE: usize = 50 * 1024 * 1024;
    const COUNT: usize = 4;
    for n in 0..COUNT {
        let key = format!("large/{n}");
        let path = app.data_dir.join("blobs").join(&key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let chunk: Vec<u8> = (0..1024 * 1024).map(|i| ((i + n) % 251) as u8).collect();
        for _ in 0..SIZE / chunk.len() {
            std::io::Write::write_all(&mut file, &chunk).unwrap();
        }
        std::io::Write::flush(&mut file).unwrap();
        entity::document::ActiveModel {
            company_id: Set(1),
            candidate_id: Set(Some(candidate_row)),
            file_name: Set(format!("scan-{n}.bin")),
            content_type: Set("application/octet-stream".to_owned()),
            size_bytes: Set(SIZE as i64),
            sha256: Set(format!("{n:064}")),
            blob_key: Set(key),
            created_at: Set(Utc::now()),
            source: Set(entity::enums::DocumentSource::Upload),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .unwrap();
    }
    request(&app, &ada).await;
    // Resets the peak (`VmHWM`) to what is resident now (proc(5)).
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let (before, _) = memory();
    let built = builder(&app).build_next(Utc::now()).await.unwrap();
    let (_, peak) = memory();
    let Some(Built::Ready { size_bytes, .. }) = built else {
        panic!("{built:?}");
    };
    assert!(size_bytes > (SIZE * COUNT) as u64);
    let growth_mib = peak.saturating_sub(before) / 1024;
    let data_mib = (SIZE * COUNT / (1024 * 1024)) as u64;
    // Chunks in flight, upload parts and the runtime's buffers: less than
    // one document, so no document (let alone the archive) was ever whole
    // in memory.
    assert!(
        growth_mib < (SIZE / (1024 * 1024)) as u64 * 3 / 4,
        "resident memory grew by {growth_mib} MiB while exporting {data_mib} MiB"
    );
    // And the archive holds every byte: Python checks each entry's CRC.
    let row = candidate_export::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let archive = app.data_dir.join("blobs").join(row.blob_key.unwrap());
    let script = "import sys, zipfile\n\
        z = zipfile.ZipFile(sys.argv[1])\n\
        assert z.testzip() is None\n\
        print(sum(i.file_size for i in z.infolist() if i.filename.startswith('documents/')))\n";
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(&archive)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().trim(),
        (SIZE * COUNT).to_string()
    );
}

#[tokio::test]
async fn in_an_s3_bucket_an_export_is_uploaded_in_parts_served_and_deleted() {
    let s3 = crate::s3::S3Server::start().await;
    crate::helpers::on_each_backend_with(&s3.settings(), async |app| {
        let admin = app.admin.clone();
        let ada = create_candidate(&app, &admin, "Ada", "Lovelace", "ada@example.com").await;
        // Over one 5 MiB part, so the archive takes two.
        let scan: Vec<u8> = (0..6 * 1024 * 1024u32).map(|i| (i % 241) as u8).collect();
        candidate_document(
            &app,
            &admin,
            &ada,
            None,
            "scan.bin",
            "application/octet-stream",
            scan.clone(),
        )
        .await;
        let ready = ready_export(&app, &ada).await;
        assert!(
            !app.data_dir.join("blobs").exists(),
            "nothing stored locally"
        );
        let row = candidate_export::Entity::find_by_id(row_id(&ready["id"], Kind::CandidateExport))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let key = row.blob_key.unwrap();
        assert!(s3.listing().await.contains(&key));

        let dir = tempfile::tempdir().unwrap();
        let archive = download(&app, ready["url"].as_str().unwrap(), dir.path()).await;
        let unpacked = dir.path().join("unpacked");
        let names = unpack(&archive, &unpacked);
        let scan_name = names.iter().find(|n| n.ends_with("-scan.bin")).unwrap();
        assert_eq!(std::fs::read(unpacked.join(scan_name)).unwrap(), scan);

        let expired = recruitmail::candidate_export::expire_due(
            &app.state.db,
            &app.state.mail.blobs,
            Utc::now() + Duration::days(8),
        )
        .await
        .unwrap();
        assert_eq!(expired, 1);
        assert!(!s3.listing().await.contains(&key));
    })
    .await;
}
