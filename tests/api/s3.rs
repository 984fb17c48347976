//! Blobs in an S3-compatible store: moto's server on a loopback port, the
//! application configured with `RECRUITMAIL_S3_*`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use mail_parser::{MessageParser, MimeHeaders as _};
use sea_orm::EntityTrait as _;
use serde_json::json;

use crate::documents::{candidate_document, link, open, pdf_bytes};
use crate::helpers::{create_candidate, on_each_backend_with, upload_document};
use crate::smtp_server::python;

const BUCKET: &str = "recruitmail-blobs";

pub(crate) struct S3Server {
    port: u16,
    child: Child,
}

impl S3Server {
    pub(crate) async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let server = python().with_file_name("moto_server");
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            // Creates the bucket; moto does not check signatures.
            let made = client
                .put(format!("http://127.0.0.1:{port}/{BUCKET}"))
                .send()
                .await;
            if made.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            assert!(Instant::now() < deadline, "moto did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self { port, child }
    }

    /// The bucket's listing (ListObjectsV1), which moto serves unsigned;
    /// reading an object needs a signed request.
    pub(crate) async fn listing(&self) -> String {
        reqwest::get(format!("http://127.0.0.1:{}/{BUCKET}", self.port))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl S3Server {
    /// The application settings that keep blobs in this server's bucket.
    pub(crate) fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("RECRUITMAIL_S3_BUCKET", BUCKET.to_owned()),
            (
                "RECRUITMAIL_S3_ENDPOINT",
                format!("http://127.0.0.1:{}", self.port),
            ),
            ("RECRUITMAIL_S3_ACCESS_KEY_ID", "test".to_owned()),
            ("RECRUITMAIL_S3_SECRET_ACCESS_KEY", "test".to_owned()),
        ]
    }
}

#[tokio::test]
async fn a_signed_link_streams_a_document_and_its_ranges_from_the_bucket() {
    let s3 = S3Server::start().await;
    on_each_backend_with(&s3.settings(), async |app| {
        let admin = app.admin.clone();
        let candidate = create_candidate(&app, &admin, "Ada", "L", "ada@example.com").await;
        let bytes = pdf_bytes();
        let document = candidate_document(
            &app,
            &admin,
            &candidate,
            None,
            "cv.pdf",
            "application/pdf",
            bytes.clone(),
        )
        .await;
        assert!(
            !app.data_dir.join("blobs").exists(),
            "nothing stored locally"
        );
        let url = link(&app, &admin, &document, "INLINE").await;
        let whole = open(&app, &url, None).await;
        assert_eq!(whole.status(), reqwest::StatusCode::OK);
        assert_eq!(whole.bytes().await.unwrap().as_ref(), bytes.as_slice());
        let part = open(&app, &url, Some("bytes=100-199")).await;
        assert_eq!(part.status(), reqwest::StatusCode::PARTIAL_CONTENT);
        assert_eq!(
            part.headers()["content-range"],
            format!("bytes 100-199/{}", bytes.len()).as_str()
        );
        assert_eq!(part.bytes().await.unwrap().as_ref(), &bytes[100..200]);
        let beyond = open(&app, &url, Some(&format!("bytes={}-", bytes.len()))).await;
        assert_eq!(beyond.status(), reqwest::StatusCode::RANGE_NOT_SATISFIABLE);
    })
    .await;
}

#[tokio::test]
async fn blobs_go_to_the_configured_s3_bucket_and_come_back_as_attachments() {
    let s3 = S3Server::start().await;
    let settings = vec![
        ("RECRUITMAIL_S3_BUCKET", BUCKET.to_owned()),
        (
            "RECRUITMAIL_S3_ENDPOINT",
            format!("http://127.0.0.1:{}", s3.port),
        ),
        ("RECRUITMAIL_S3_ACCESS_KEY_ID", "test".to_owned()),
        ("RECRUITMAIL_S3_SECRET_ACCESS_KEY", "test".to_owned()),
    ];
    on_each_backend_with(&settings, async |app| {
        let content = format!("%PDF-1.4 brochure for {:?}", app.backend).into_bytes();
        let document = upload_document(&app, "brochure.pdf", content.clone(), None).await;
        assert!(document["sha256"].is_string(), "{document:#}");
        let stored = entity::document::Entity::find()
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        // Stored under its own digest, with its full length.
        use sha2::Digest as _;
        let digest = hex::encode(sha2::Sha256::digest(&content));
        assert!(stored.blob_key.ends_with(&digest), "{}", stored.blob_key);
        let listing = s3.listing().await;
        let entry = format!("<Key>{}</Key>", stored.blob_key);
        let at = listing.find(&entry).unwrap_or_else(|| panic!("{listing}"));
        assert!(
            listing[at..].contains(&format!("<Size>{}</Size>", content.len())),
            "{listing}"
        );
        assert!(!app.data_dir.join("blobs").exists(), "nothing stored locally");

        let candidate = create_candidate(&app, &app.admin, "Ada", "L", "ada@example.com").await;
        app.ok(
            &app.admin,
            "mutation($c: ID!, $d: ID!) { sendEmail(input: { candidateIds: [$c], subject: \"S\", body: \"<p>B</p>\", attachmentIds: [$d] }) { message { id } } }",
            json!({ "c": candidate, "d": document["id"] }),
        )
        .await;
        assert_eq!(app.state.mail.dispatcher.tick(Utc::now()).await.unwrap().sent, 1);
        let eml = std::fs::read_dir(app.data_dir.join("outbox"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "eml"))
            .unwrap();
        let raw = std::fs::read(eml).unwrap();
        let mail = MessageParser::default().parse(&raw).unwrap();
        let attachment = mail.attachment(0).unwrap();
        assert_eq!(attachment.attachment_name(), Some("brochure.pdf"));
        assert_eq!(attachment.contents(), content.as_slice());
    })
    .await;
}
