//! What a crash, a clean stop and a broken connection cost: real `serve`
//! processes sharing one database deliver a bulk send to an SMTP server on
//! loopback; one is killed with SIGKILL or stopped with SIGTERM mid-send.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use entity::enums::MessageStatus;
use sea_orm::{ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _};
use serde_json::json;

use crate::helpers::{TestApp, on_each_backend};
use crate::loopback_smtp::{Behaviour, LoopbackSmtp};
use crate::outbound::{applicant, many_applicants, send_plain, tick, use_plain_port};

const SEND: &str = "mutation($i: SendEmailInput!) { sendEmail(input: $i) { batch { id total } } }";

const MESSAGE: &str = "query($id: ID!) { message(id: $id) { status attempts lastError } }";

/// SMTP connections per instance.
const CONCURRENCY: usize = 4;

/// A `recruitmail serve` process on the test's database and data folder,
/// delivering through `relay`.
fn serve(app: &TestApp, relay: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_recruitmail"))
        .arg("serve")
        .env("DATABASE_URL", &app.state.settings.database_url)
        .env("RECRUITMAIL_DATA_DIR", &app.data_dir)
        .env("RECRUITMAIL_LISTEN", "127.0.0.1:0")
        .env("RECRUITMAIL_DISPATCHER", "on")
        .env(
            "RECRUITMAIL_SMTP_RELAY",
            format!("smtp://127.0.0.1:{relay}"),
        )
        .env("RECRUITMAIL_SMTP_CONCURRENCY", CONCURRENCY.to_string())
        .env("RECRUITMAIL_LOG", "warn")
        .env_remove("RECRUITMAIL_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn count(app: &TestApp, status: MessageStatus) -> u64 {
    entity::message::Entity::find()
        .filter(entity::message::Column::Status.eq(status))
        .count(&app.state.db)
        .await
        .unwrap()
}

/// Waits until `ready` holds, for at most `limit`.
async fn wait_until(limit: Duration, mut ready: impl AsyncFnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if ready().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn bulk(app: &TestApp, count: usize) {
    let (_, applications) = many_applicants(app, count, false).await;
    app.ok(
        &app.admin,
        SEND,
        json!({ "i": { "applicationIds": applications, "subject": "S", "body": "<p>B</p>" } }),
    )
    .await;
}

#[tokio::test]
async fn a_killed_instances_messages_are_taken_over_within_30_seconds() {
    on_each_backend(async |app| {
        let server = LoopbackSmtp::start(Behaviour {
            reply_delay: Duration::from_millis(15),
            ..Default::default()
        })
        .await;
        bulk(&app, 1000).await;
        // The doomed instance claims the whole send (a claim and the next,
        // read ahead); the survivor starts once delivery is under way, so
        // what it sends it must take over.
        let mut doomed = serve(&app, server.port);
        let started = wait_until(Duration::from_secs(60), async || {
            server.messages().len() >= 50
        })
        .await;
        assert!(started, "delivery started");
        let mut survivor = serve(&app, server.port);
        let going = wait_until(Duration::from_secs(60), async || {
            server.messages().len() >= 250
        })
        .await;
        assert!(going, "delivery went on");
        doomed.kill().unwrap();
        doomed.wait().unwrap();
        let killed = Instant::now();
        let held = count(&app, MessageStatus::Sending).await;
        assert!(held >= 500, "the killed instance held {held} claims");
        let all_sent = wait_until(Duration::from_secs(60), async || {
            count(&app, MessageStatus::Sent).await == 1000
        })
        .await;
        let recovery = killed.elapsed();
        survivor.kill().unwrap();
        survivor.wait().unwrap();
        assert!(all_sent, "{} sent", count(&app, MessageStatus::Sent).await);
        assert!(
            recovery < Duration::from_secs(30),
            "the last message left {recovery:?} after the kill"
        );
        let mut ids = server.message_ids();
        let delivered = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 1000, "every message arrived");
        // Only messages the killed instance had handed over on its open
        // connections, or that were accepted but not yet recorded (those
        // waiting for the write under way, and the short queue before it)
        // may arrive twice.
        assert!(
            delivered - 1000 <= 3 * CONCURRENCY,
            "{} duplicates",
            delivered - 1000
        );
        // Claims that died count no attempt: each message was attempted
        // once by the instance that recorded it.
        let attempted_more = entity::message::Entity::find()
            .filter(entity::message::Column::Attempts.ne(1))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(attempted_more, 0);
    })
    .await;
}

#[tokio::test]
async fn a_clean_stop_hands_back_what_it_claimed_at_once() {
    on_each_backend(async |app| {
        let server = LoopbackSmtp::start(Behaviour {
            reply_delay: Duration::from_millis(20),
            ..Default::default()
        })
        .await;
        bulk(&app, 600).await;
        let stopping = serve(&app, server.port);
        assert!(
            wait_until(Duration::from_secs(60), async || server.messages().len()
                >= 100)
            .await,
            "delivery started"
        );
        let status = Command::new("kill")
            .args(["-TERM", &stopping.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        // Waited for off the test's runtime, which serves the SMTP server.
        let output = tokio::task::spawn_blocking(move || stopping.wait_with_output())
            .await
            .unwrap()
            .unwrap();
        assert!(output.status.success(), "{:?}", output.status);
        // Nothing is left claimed: no 20-second wait for another instance.
        assert_eq!(count(&app, MessageStatus::Sending).await, 0);
        let sent = count(&app, MessageStatus::Sent).await;
        assert_eq!(
            sent as usize,
            server.messages().len(),
            "every message that left was recorded, and only those"
        );
        assert_eq!(count(&app, MessageStatus::Queued).await, 600 - sent);
        assert!(sent < 600, "stopped mid-send");
        let mut next = serve(&app, server.port);
        let finished = wait_until(Duration::from_secs(15), async || {
            count(&app, MessageStatus::Sent).await == 600
        })
        .await;
        next.kill().unwrap();
        next.wait().unwrap();
        assert!(finished, "the next instance sent the rest at once");
        let mut ids = server.message_ids();
        ids.sort();
        ids.dedup();
        assert_eq!((ids.len(), server.messages().len()), (600, 600));
    })
    .await;
}

#[tokio::test]
async fn a_connection_lost_after_the_final_dot_is_retried_after_the_usual_wait() {
    on_each_backend(async |app| {
        let server = LoopbackSmtp::start(Behaviour {
            vanish_first: 1,
            ..Default::default()
        })
        .await;
        let (sub, candidate, _) = applicant(&app, "Vanish", "vanish@example.com").await;
        use_plain_port(&app, &sub, server.port).await;
        let sent = send_plain(&app, &candidate).await;
        let now = Utc::now();
        let first = tick(&app, now).await;
        assert_eq!((first.sent, first.retried), (0, 1), "{first:?}");
        assert_eq!(
            server.messages().len(),
            1,
            "not sent again at once on a fresh connection"
        );
        let message = &app
            .ok(&app.admin, MESSAGE, json!({ "id": sent["id"] }))
            .await["message"];
        assert_eq!(message["status"], "QUEUED");
        assert_eq!(message["attempts"], 1);
        let error = message["lastError"].as_str().unwrap();
        assert!(error.contains("unknown"), "{error}");
        assert_eq!(
            tick(&app, now + chrono::Duration::seconds(5)).await,
            Default::default(),
            "the usual wait before a retry"
        );
        let second = tick(&app, now + chrono::Duration::minutes(2)).await;
        assert_eq!(second.sent, 1);
        let ids = server.message_ids();
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[0], ids[1], "the same Message-ID both times");
        let message = &app
            .ok(&app.admin, MESSAGE, json!({ "id": sent["id"] }))
            .await["message"];
        assert_eq!(message["status"], "SENT");
        assert_eq!(message["attempts"], 2);
    })
    .await;
}
