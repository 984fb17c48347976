//! Webhooks as an integration receives them: a real HTTP receiver on a
//! loopback port records every request, and each signature is checked with
//! an independent implementation of Standard Webhooks (`standardwebhooks`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::Utc;
use entity::{company, event, webhook_endpoint};
use recruitmail::events::{EventType, NewEvent};
use recruitmail::graphql::ids::Kind;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, IntoActiveModel as _,
    QueryFilter as _, QueryOrder as _, Set,
};
use serde_json::{Value, json};

use crate::helpers::{TestApp, on_each_backend_with, user_with_role};

/// A request the receiver got.
#[derive(Clone, Debug)]
struct Hit {
    path: String,
    headers: http::HeaderMap,
    body: Vec<u8>,
    at: Instant,
}

impl Hit {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// Checks the signature with the independent implementation.
    fn verifies_with(&self, secret: &str) -> bool {
        standardwebhooks::Webhook::new(secret)
            .unwrap()
            .verify(&self.body, &self.headers)
            .is_ok()
    }
}

/// Bytes in the answer of `/huge`: far more than socket buffers hold.
const HUGE: usize = 64 * 1024 * 1024;

#[derive(Default)]
struct ReceiverState {
    hits: Mutex<Vec<Hit>>,
    /// Requests per path and webhook-id, for answers that change on retry.
    seen: Mutex<HashMap<(String, String), usize>>,
    /// Bytes of `/huge` taken from the stream by the server.
    huge_sent: AtomicUsize,
}

/// A webhook receiver whose behaviour is chosen by the path:
/// `/ok` 204; `/fail-once` 500 then 200; `/busy` 429 with `Retry-After: 7`
/// then 200; `/gone` 410; `/redirect` 302 to `/redirected`; `/never` no
/// answer for a minute; `/huge` 200 with a 64 MiB body.
struct Receiver {
    base: String,
    state: Arc<ReceiverState>,
}

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<ReceiverState>,
) -> HttpResponse {
    let path = request.path().to_owned();
    let mut headers = http::HeaderMap::new();
    for (name, value) in request.headers() {
        headers.append(
            http::HeaderName::from_bytes(name.as_str().as_bytes()).unwrap(),
            http::HeaderValue::from_bytes(value.as_bytes()).unwrap(),
        );
    }
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    state.hits.lock().unwrap().push(Hit {
        path: path.clone(),
        headers,
        body: body.to_vec(),
        at: Instant::now(),
    });
    let nth = {
        let mut seen = state.seen.lock().unwrap();
        let count = seen.entry((path.clone(), id)).or_insert(0);
        *count += 1;
        *count
    };
    match path.as_str() {
        "/fail-once" if nth == 1 => HttpResponse::InternalServerError().body("database is down"),
        "/busy" if nth == 1 => HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", "7"))
            .finish(),
        "/gone" => HttpResponse::Gone().finish(),
        "/redirect" => HttpResponse::Found()
            .insert_header(("Location", "/redirected"))
            .finish(),
        "/never" => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            HttpResponse::NoContent().finish()
        }
        "/huge" => {
            let state = state.into_inner();
            let chunk = web::Bytes::from(vec![b'x'; 64 * 1024]);
            let stream = futures_util::stream::unfold(0usize, move |sent| {
                let (state, chunk) = (state.clone(), chunk.clone());
                async move {
                    if sent >= HUGE {
                        return None;
                    }
                    state.huge_sent.fetch_add(chunk.len(), Ordering::SeqCst);
                    Some((Ok::<_, actix_web::Error>(chunk.clone()), sent + chunk.len()))
                }
            });
            HttpResponse::Ok().streaming(stream)
        }
        _ => HttpResponse::NoContent().finish(),
    }
}

impl Receiver {
    async fn start() -> Self {
        let state = web::Data::new(ReceiverState::default());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(receive))
        })
        .workers(2)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self {
            base: format!("http://127.0.0.1:{port}"),
            state: state.into_inner(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn hits(&self, path: &str) -> Vec<Hit> {
        self.state
            .hits
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.path == path)
            .cloned()
            .collect()
    }

    /// Waits until `path` got `count` requests.
    async fn wait_for(&self, path: &str, count: usize, within: Duration) -> Vec<Hit> {
        let deadline = Instant::now() + within;
        loop {
            let hits = self.hits(path);
            if hits.len() >= count {
                return hits;
            }
            assert!(
                Instant::now() < deadline,
                "{path} got {} of {count} requests within {within:?}",
                hits.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

fn webhooks_on() -> Vec<(&'static str, String)> {
    vec![("RECRUITMAIL_WEBHOOKS", "on".to_owned())]
}

async fn company_id(app: &TestApp, name: &str) -> i64 {
    company::Entity::find()
        .filter(company::Column::Name.eq(name))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Appends an event as a change of the application would; returns its id.
async fn append_event(app: &TestApp, company: i64, kind: EventType, subject: i64) -> i64 {
    let txn = recruitmail::db::begin_write(&app.state.db).await.unwrap();
    recruitmail::events::append(
        &txn,
        vec![NewEvent::new(company, kind, Kind::Candidate, subject).with("status", "NEW")],
        Utc::now(),
    )
    .await
    .unwrap();
    sea_orm::TransactionSession::commit(txn).await.unwrap();
    recruitmail::events::committed();
    event::Entity::find()
        .order_by_desc(event::Column::Id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

const CREATE: &str = "mutation($i: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $i) { endpoint { id url eventTypes enabled description } secret } }";

/// Creates an endpoint as the admin; returns (id, secret).
async fn create_endpoint(app: &TestApp, url: &str, types: &[&str]) -> (String, String) {
    let data = app
        .ok(
            &app.admin,
            CREATE,
            json!({ "i": { "url": url, "eventTypes": types, "description": "ATS sync" } }),
        )
        .await;
    let created = &data["createWebhookEndpoint"];
    assert_eq!(created["endpoint"]["enabled"], true);
    (
        created["endpoint"]["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

async fn send_test(app: &TestApp, endpoint: &str) -> Value {
    app.ok(
        &app.admin,
        "mutation($e: ID!) { sendTestWebhook(input: { endpointId: $e }) { delivery { id webhookId status } } }",
        json!({ "e": endpoint }),
    )
    .await["sendTestWebhook"]["delivery"]
        .clone()
}

async fn deliveries(app: &TestApp, endpoint: &str) -> Vec<Value> {
    app.ok(
        &app.admin,
        "query($e: ID!) { webhookDeliveries(endpointId: $e, first: 100) { totalCount edges { node {
            id webhookId eventType status attemptCount nextAttemptAt
            attempts { attemptedAt statusCode durationMs error } } } } }",
        json!({ "e": endpoint }),
    )
    .await["webhookDeliveries"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// Waits until the endpoint's deliveries satisfy `done`.
async fn wait_deliveries(
    app: &TestApp,
    endpoint: &str,
    within: Duration,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + within;
    loop {
        let list = deliveries(app, endpoint).await;
        if done(&list) {
            return list;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries did not settle within {within:?}: {list:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_event_reaches_its_endpoints_signed_and_only_theirs() {
    on_each_backend_with(&webhooks_on(), async |app| {
        let receiver = Receiver::start().await;
        let company = company_id(&app, "Acme Recruiting").await;
        let (endpoint, secret) =
            create_endpoint(&app, &receiver.url("/ok"), &["candidate.created"]).await;
        let (_, other_secret) =
            create_endpoint(&app, &receiver.url("/other"), &["message.sent"]).await;
        // Another company's endpoint for the same type sees nothing of ours.
        let other_admin = app.other_company("Globex").await;
        app.ok(
            &other_admin,
            CREATE,
            json!({ "i": { "url": receiver.url("/globex"), "eventTypes": ["candidate.created"] } }),
        )
        .await;

        let before = Utc::now();
        let created = append_event(&app, company, EventType::CandidateCreated, 41).await;
        append_event(&app, company, EventType::CandidateUpdated, 41).await;
        let hits = receiver.wait_for("/ok", 1, Duration::from_secs(5)).await;
        let hit = &hits[0];
        assert!(hit.verifies_with(&secret), "{hit:?}");
        assert!(!hit.verifies_with(&other_secret));
        assert_eq!(hit.header("webhook-id"), format!("evt_{created}"));
        let sent_at: i64 = hit.header("webhook-timestamp").parse().unwrap();
        assert!((sent_at - before.timestamp()).abs() <= 5, "{sent_at}");
        assert!(hit.header("webhook-signature").starts_with("v1,"));
        assert_eq!(hit.header("content-type"), "application/json");
        let body = hit.json();
        assert_eq!(body["type"], "candidate.created");
        assert_eq!(body["data"]["id"], Kind::Candidate.id(41).0.as_str());
        assert_eq!(body["data"]["status"], "NEW");
        assert_eq!(body["data"]["sequence"], 1);
        assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));

        // Nothing else arrives: not the update (another type), nothing at
        // the endpoints of other types or of the other company.
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(receiver.hits("/ok").len(), 1);
        assert!(receiver.hits("/other").is_empty());
        assert!(receiver.hits("/globex").is_empty());

        let list = deliveries(&app, &endpoint).await;
        assert_eq!(list.len(), 1, "{list:#?}");
        assert_eq!(list[0]["status"], "SUCCEEDED");
        assert_eq!(list[0]["eventType"], "candidate.created");
        assert_eq!(list[0]["attempts"][0]["statusCode"], 204);

        let metrics = app
            .client
            .get(format!("{}/metrics", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains(r#"recruitmail_webhook_deliveries_total{outcome="succeeded"} 1"#),
            "{metrics}"
        );
    })
    .await;
}

#[tokio::test]
async fn after_a_rotation_both_secrets_verify_for_a_day() {
    on_each_backend_with(&webhooks_on(), async |app| {
        let receiver = Receiver::start().await;
        let (endpoint, old) =
            create_endpoint(&app, &receiver.url("/ok"), &["candidate.created"]).await;
        let rotated = app
            .ok(
                &app.admin,
                "mutation($e: ID!) { rotateWebhookSecret(input: { id: $e }) {
                    secret endpoint { previousSecretExpiresAt } } }",
                json!({ "e": endpoint }),
            )
            .await;
        let new = rotated["rotateWebhookSecret"]["secret"].as_str().unwrap();
        assert!(new.starts_with("whsec_") && new != old);
        let expires = rotated["rotateWebhookSecret"]["endpoint"]["previousSecretExpiresAt"]
            .as_str()
            .unwrap();
        let expires = chrono::DateTime::parse_from_rfc3339(expires).unwrap();
        let day = expires.with_timezone(&Utc) - Utc::now();
        assert!(day > chrono::Duration::hours(23) && day <= chrono::Duration::hours(24));

        let test = send_test(&app, &endpoint).await;
        let hit = &receiver.wait_for("/ok", 1, Duration::from_secs(5)).await[0];
        assert_eq!(
            hit.header("webhook-id"),
            test["webhookId"].as_str().unwrap()
        );
        assert_eq!(hit.header("webhook-signature").split(' ').count(), 2);
        assert!(hit.verifies_with(new), "the new secret");
        assert!(hit.verifies_with(&old), "the previous secret");
        assert_eq!(hit.json()["type"], "webhook.test");

        // Once the day is over, only the new secret signs.
        let id = recruitmail::graphql::ids::decode(
            &async_graphql::ID(endpoint.clone()),
            Kind::WebhookEndpoint,
            "id",
        )
        .unwrap();
        let mut row = webhook_endpoint::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .into_active_model();
        row.previous_secret_until = Set(Some(Utc::now() - chrono::Duration::seconds(1)));
        row.update(&app.state.db).await.unwrap();
        send_test(&app, &endpoint).await;
        let hit = &receiver.wait_for("/ok", 2, Duration::from_secs(5)).await[1];
        assert_eq!(hit.header("webhook-signature").split(' ').count(), 1);
        assert!(hit.verifies_with(new));
        assert!(!hit.verifies_with(&old));
    })
    .await;
}

#[tokio::test]
async fn a_failure_is_retried_and_every_attempt_is_listed() {
    on_each_backend_with(&webhooks_on(), async |app| {
        let receiver = Receiver::start().await;
        let (endpoint, secret) = create_endpoint(&app, &receiver.url("/fail-once"), &["candidate.created"]).await;
        let test = send_test(&app, &endpoint).await;
        let hits = receiver.wait_for("/fail-once", 2, Duration::from_secs(12)).await;
        let gap = hits[1].at - hits[0].at;
        assert!(gap >= Duration::from_millis(4900), "retried after {gap:?}");
        assert!(gap < Duration::from_secs(9), "retried after {gap:?}");
        assert_eq!(hits[0].header("webhook-id"), hits[1].header("webhook-id"));
        assert!(hits.iter().all(|h| h.verifies_with(&secret)));

        let list = wait_deliveries(&app, &endpoint, Duration::from_secs(5), |l| {
            l.first().is_some_and(|d| d["status"] == "SUCCEEDED")
        })
        .await;
        let delivery = &list[0];
        assert_eq!(delivery["id"], test["id"]);
        assert_eq!(delivery["attemptCount"], 2);
        assert_eq!(delivery["nextAttemptAt"], Value::Null);
        let attempts = delivery["attempts"].as_array().unwrap();
        assert_eq!(attempts.len(), 2);
        assert_eq!(attempts[0]["statusCode"], 500);
        assert_eq!(attempts[0]["error"], "HTTP 500: database is down");
        assert!(attempts[0]["durationMs"].as_i64().unwrap() >= 0);
        assert_eq!(attempts[1]["statusCode"], 204);
        assert_eq!(attempts[1]["error"], Value::Null);

        // The filter narrows the list.
        let failed = app
            .ok(
                &app.admin,
                "query($e: ID!) { webhookDeliveries(endpointId: $e, filter: { status: FAILED }) { totalCount } }",
                json!({ "e": endpoint }),
            )
            .await;
        assert_eq!(failed["webhookDeliveries"]["totalCount"], 0);
    })
    .await;
}

#[tokio::test]
async fn retry_after_is_honoured_and_redirects_are_not_followed() {
    on_each_backend_with(&webhooks_on(), async |app| {
        let receiver = Receiver::start().await;
        let (busy, _) = create_endpoint(&app, &receiver.url("/busy"), &["candidate.created"]).await;
        let (redirect, _) =
            create_endpoint(&app, &receiver.url("/redirect"), &["candidate.created"]).await;
        send_test(&app, &busy).await;
        send_test(&app, &redirect).await;

        let hits = receiver.wait_for("/busy", 2, Duration::from_secs(15)).await;
        let gap = hits[1].at - hits[0].at;
        // 7 s as asked, not the 5 s of the schedule.
        assert!(gap >= Duration::from_millis(6900), "retried after {gap:?}");
        assert!(gap < Duration::from_secs(11), "retried after {gap:?}");

        receiver
            .wait_for("/redirect", 1, Duration::from_secs(5))
            .await;
        let list = wait_deliveries(&app, &redirect, Duration::from_secs(5), |l| {
            l.first()
                .is_some_and(|d| d["attemptCount"].as_i64().unwrap_or(0) >= 1)
        })
        .await;
        // Each attempt (the retry 5 s later too) is a failure, never followed.
        assert_eq!(list[0]["status"], "PENDING");
        let attempts = list[0]["attempts"].as_array().unwrap();
        assert!(
            attempts
                .iter()
                .all(|a| a["statusCode"] == 302 && a["error"] == "HTTP 302")
        );
        assert!(list[0]["nextAttemptAt"].is_string());
        assert!(receiver.hits("/redirected").is_empty());
    })
    .await;
}

#[tokio::test]
async fn gone_disables_the_endpoint_with_an_event() {
    on_each_backend_with(&webhooks_on(), async |app| {
        let receiver = Receiver::start().await;
        let (gone, _) = create_endpoint(&app, &receiver.url("/gone"), &["candidate.created"]).await;
        let (watcher, secret) =
            create_endpoint(&app, &receiver.url("/ok"), &["webhook_endpoint.disabled"]).await;
        send_test(&app, &gone).await;
        receiver.wait_for("/gone", 1, Duration::from_secs(5)).await;

        // The disabling is an event, delivered to the endpoint that wants it.
        let hit = &receiver.wait_for("/ok", 1, Duration::from_secs(5)).await[0];
        assert!(hit.verifies_with(&secret));
        let body = hit.json();
        assert_eq!(body["type"], "webhook_endpoint.disabled");
        assert_eq!(body["data"]["id"], gone.as_str());
        assert_eq!(body["data"]["reason"], "GONE");

        let endpoint = app
            .ok(
                &app.admin,
                "query($e: ID!) { webhookEndpoint(id: $e) { enabled disabledReason } }",
                json!({ "e": gone }),
            )
            .await;
        assert_eq!(endpoint["webhookEndpoint"]["enabled"], false);
        assert_eq!(
            endpoint["webhookEndpoint"]["disabledReason"],
            "the receiver answered 410 Gone"
        );
        let list = deliveries(&app, &gone).await;
        assert_eq!(list[0]["status"], "FAILED");
        // A disabled endpoint takes no test, and no events.
        let code = app
            .error_code(
                Some(&app.admin),
                "mutation($e: ID!) { sendTestWebhook(input: { endpointId: $e }) { delivery { id } } }",
                json!({ "e": gone }),
            )
            .await;
        assert_eq!(code, "CONFLICT");
        let company = company_id(&app, "Acme Recruiting").await;
        append_event(&app, company, EventType::CandidateCreated, 5).await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(receiver.hits("/gone").len(), 1);
        assert_eq!(deliveries(&app, &gone).await.len(), 1);
        assert_eq!(deliveries(&app, &watcher).await.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn an_endpoint_failing_for_five_days_is_disabled() {
    on_each_backend_with(&webhooks_on(), async |app| {
        let receiver = Receiver::start().await;
        let (endpoint, _) =
            create_endpoint(&app, &receiver.url("/fail-once"), &["candidate.created"]).await;
        let id = recruitmail::graphql::ids::decode(
            &async_graphql::ID(endpoint.clone()),
            Kind::WebhookEndpoint,
            "id",
        )
        .unwrap();
        let mut row = webhook_endpoint::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .into_active_model();
        row.failing_since = Set(Some(Utc::now() - chrono::Duration::days(5)));
        row.update(&app.state.db).await.unwrap();
        send_test(&app, &endpoint).await;
        receiver
            .wait_for("/fail-once", 1, Duration::from_secs(5))
            .await;
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let data = app
                .ok(
                    &app.admin,
                    "query($e: ID!) { webhookEndpoint(id: $e) { enabled disabledReason } }",
                    json!({ "e": endpoint }),
                )
                .await;
            if data["webhookEndpoint"]["enabled"] == false {
                assert_eq!(
                    data["webhookEndpoint"]["disabledReason"],
                    "every delivery failed for 5 days"
                );
                break;
            }
            assert!(Instant::now() < deadline, "still enabled: {data}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let disabled = event::Entity::find()
            .filter(event::Column::EventType.eq("webhook_endpoint.disabled"))
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(disabled.len(), 1);
        assert_eq!(disabled[0].subject_id, id);
        // The retry the schedule had planned does not happen.
        tokio::time::sleep(Duration::from_secs(6)).await;
        assert_eq!(receiver.hits("/fail-once").len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_receiver_that_never_answers_or_answers_too_much_delays_no_one() {
    on_each_backend_with(&webhooks_on(), async |app| {
        let receiver = Receiver::start().await;
        let (never, _) =
            create_endpoint(&app, &receiver.url("/never"), &["candidate.created"]).await;
        let (huge, _) = create_endpoint(&app, &receiver.url("/huge"), &["candidate.created"]).await;
        let (ok, _) = create_endpoint(&app, &receiver.url("/ok"), &["candidate.created"]).await;
        let company = company_id(&app, "Acme Recruiting").await;
        // More events than the hanging endpoint has slots.
        for subject in 0..20 {
            append_event(&app, company, EventType::CandidateCreated, subject).await;
        }
        let started = Instant::now();
        receiver.wait_for("/ok", 20, Duration::from_secs(3)).await;
        receiver.wait_for("/huge", 20, Duration::from_secs(5)).await;
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        let list = wait_deliveries(&app, &huge, Duration::from_secs(5), |l| {
            l.len() == 20 && l.iter().all(|d| d["status"] == "SUCCEEDED")
        })
        .await;
        assert!(list.iter().all(|d| d["attempts"][0]["statusCode"] == 200));
        // Twenty answers of 64 MiB were not read: the streams stopped early.
        let sent = receiver.state.huge_sent.load(Ordering::SeqCst);
        assert!(sent < 20 * HUGE / 4, "{sent} bytes were taken");
        assert_eq!(deliveries(&app, &ok).await.len(), 20);

        // The hanging receiver holds only its own slots, and each attempt
        // ends after 10 s.
        let list = wait_deliveries(&app, &never, Duration::from_secs(20), |l| {
            l.iter().filter(|d| d["attemptCount"] == 1).count() >= 16
        })
        .await;
        let timed_out = list.iter().find(|d| d["attemptCount"] == 1).unwrap();
        let attempt = &timed_out["attempts"][0];
        assert_eq!(attempt["statusCode"], Value::Null);
        assert_eq!(attempt["error"], "no complete answer within 10 s");
        let took = attempt["durationMs"].as_i64().unwrap();
        assert!((10_000..12_000).contains(&took), "{took} ms");
        assert_eq!(timed_out["status"], "PENDING");
    })
    .await;
}

#[tokio::test]
async fn replay_delivers_past_events_again_with_their_ids() {
    on_each_backend_with(&webhooks_on(), async |app| {
        let receiver = Receiver::start().await;
        let (endpoint, secret) = create_endpoint(&app, &receiver.url("/ok"), &["candidate.created"]).await;
        let company = company_id(&app, "Acme Recruiting").await;
        let since = Utc::now() - chrono::Duration::seconds(1);
        let first = append_event(&app, company, EventType::CandidateCreated, 1).await;
        let second = append_event(&app, company, EventType::CandidateCreated, 2).await;
        append_event(&app, company, EventType::CandidateDeleted, 2).await;
        let originals = receiver.wait_for("/ok", 2, Duration::from_secs(5)).await;
        wait_deliveries(&app, &endpoint, Duration::from_secs(5), |l| {
            l.iter().all(|d| d["status"] == "SUCCEEDED")
        })
        .await;

        let replayed = app
            .ok(
                &app.admin,
                "mutation($e: ID!, $s: DateTime!) { replayWebhookEvents(input: { endpointId: $e, since: $s }) { queued } }",
                json!({ "e": endpoint, "s": since.to_rfc3339() }),
            )
            .await;
        assert_eq!(replayed["replayWebhookEvents"]["queued"], 2);
        let hits = receiver.wait_for("/ok", 4, Duration::from_secs(5)).await;
        let mut ids: Vec<&str> = hits.iter().map(|h| h.header("webhook-id")).collect();
        ids.sort_unstable();
        let mut expected = vec![format!("evt_{first}"), format!("evt_{first}"), format!("evt_{second}"), format!("evt_{second}")];
        expected.sort_unstable();
        assert_eq!(ids, expected);
        assert!(hits.iter().all(|h| h.verifies_with(&secret)));
        for replay in &hits[2..] {
            let original = originals
                .iter()
                .find(|o| o.header("webhook-id") == replay.header("webhook-id"))
                .unwrap();
            assert_eq!(original.body, replay.body, "the same payload");
        }
        // A later time replays nothing.
        let none = app
            .ok(
                &app.admin,
                "mutation($e: ID!, $s: DateTime!) { replayWebhookEvents(input: { endpointId: $e, since: $s }) { queued } }",
                json!({ "e": endpoint, "s": (Utc::now() + chrono::Duration::minutes(1)).to_rfc3339() }),
            )
            .await;
        assert_eq!(none["replayWebhookEvents"]["queued"], 0);
    })
    .await;
}

#[tokio::test]
async fn private_addresses_are_refused_when_not_allowed() {
    let settings = vec![
        ("RECRUITMAIL_WEBHOOKS", "on".to_owned()),
        ("RECRUITMAIL_SMTP_ALLOW_PRIVATE_HOSTS", "off".to_owned()),
    ];
    on_each_backend_with(&settings, async |app| {
        let receiver = Receiver::start().await;
        let port = receiver.base.rsplit(':').next().unwrap().to_owned();
        for url in [
            receiver.url("/ok"),
            format!("http://localhost:{port}/ok"),
            format!("http://[::1]:{port}/ok"),
            "http://169.254.169.254/latest/meta-data/".to_owned(),
            "http://10.0.0.1/".to_owned(),
        ] {
            let response = app
                .gql(
                    Some(&app.admin),
                    CREATE,
                    json!({ "i": { "url": url, "eventTypes": ["candidate.created"] } }),
                )
                .await;
            assert_eq!(
                response["errors"][0]["extensions"]["code"], "VALIDATION",
                "{url}: {response}"
            );
            assert_eq!(response["errors"][0]["extensions"]["field"], "url");
            assert!(
                response["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("private"),
                "{response}"
            );
        }
        assert_eq!(
            webhook_endpoint::Entity::find()
                .all(&app.state.db)
                .await
                .unwrap()
                .len(),
            0
        );

        // A public address is accepted; when its name later leads to the
        // loopback (as a changed DNS record would), nothing is sent there.
        let (endpoint, _) =
            create_endpoint(&app, "http://93.184.216.34/hooks", &["candidate.created"]).await;
        for (n, url) in [format!("http://localhost:{port}/ok"), receiver.url("/ok")]
            .into_iter()
            .enumerate()
        {
            let id = recruitmail::graphql::ids::decode(
                &async_graphql::ID(endpoint.clone()),
                Kind::WebhookEndpoint,
                "id",
            )
            .unwrap();
            let mut row = webhook_endpoint::Entity::find_by_id(id)
                .one(&app.state.db)
                .await
                .unwrap()
                .unwrap()
                .into_active_model();
            row.url = Set(url.clone());
            row.update(&app.state.db).await.unwrap();
            send_test(&app, &endpoint).await;
            let list = wait_deliveries(&app, &endpoint, Duration::from_secs(5), |l| {
                l.len() == n + 1 && l[n]["attemptCount"] == 1
            })
            .await;
            let error = list[n]["attempts"][0]["error"].as_str().unwrap();
            assert!(error.contains("private"), "{url}: {error}");
            assert_eq!(list[n]["attempts"][0]["statusCode"], Value::Null);
        }
        assert!(receiver.hits("/ok").is_empty());
    })
    .await;
}

#[tokio::test]
async fn bad_input_is_refused_with_its_field() {
    on_each_backend_with(&[], async |app| {
        let cases = [
            (json!({ "url": "http://127.0.0.1:9/", "eventTypes": ["candidate.created", "candidate.hired"] }), "eventTypes.1", "candidate.hired"),
            (json!({ "url": "http://127.0.0.1:9/", "eventTypes": [] }), "eventTypes", "at least one"),
            (json!({ "url": "ftp://127.0.0.1/", "eventTypes": ["candidate.created"] }), "url", "https"),
            (json!({ "url": "http://user:pw@127.0.0.1:9/", "eventTypes": ["candidate.created"] }), "url", "credentials"),
            (json!({ "url": "not a url", "eventTypes": ["candidate.created"] }), "url", "not a URL"),
            (json!({ "url": "http://127.0.0.1:9/", "eventTypes": ["candidate.created"], "description": "a\nb" }), "description", "one line"),
        ];
        for (input, field, words) in cases {
            let response = app.gql(Some(&app.admin), CREATE, json!({ "i": input })).await;
            let error = &response["errors"][0];
            assert_eq!(error["extensions"]["code"], "VALIDATION", "{response}");
            assert_eq!(error["extensions"]["field"], field, "{response}");
            assert!(error["message"].as_str().unwrap().contains(words), "{response}");
        }
        assert_eq!(webhook_endpoint::Entity::find().all(&app.state.db).await.unwrap().len(), 0);
        let (endpoint, _) = create_endpoint(&app, "http://127.0.0.1:9/", &["candidate.created"]).await;
        let code = app
            .error_code(
                Some(&app.admin),
                "mutation($e: ID!) { updateWebhookEndpoint(input: { id: $e, eventTypes: [\"nope\"] }) { endpoint { id } } }",
                json!({ "e": endpoint }),
            )
            .await;
        assert_eq!(code, "VALIDATION");
        let code = app
            .error_code(
                Some(&app.admin),
                "query($e: ID!) { webhookDeliveries(endpointId: $e) { totalCount } }",
                json!({ "e": Kind::Candidate.id(1).0 }),
            )
            .await;
        assert_eq!(code, "VALIDATION");
        let endpoints = app
            .ok(&app.admin, "{ webhookEndpoints { totalCount edges { node { eventTypes url } } } }", json!({}))
            .await;
        assert_eq!(endpoints["webhookEndpoints"]["totalCount"], 1);
        assert_eq!(endpoints["webhookEndpoints"]["edges"][0]["node"]["eventTypes"], json!(["candidate.created"]));
    })
    .await;
}

#[tokio::test]
async fn only_recruiting_admins_of_the_company_manage_endpoints() {
    on_each_backend_with(&[], async |app| {
        let (endpoint, _) = create_endpoint(&app, "http://127.0.0.1:9/", &["candidate.created"]).await;
        let (_, _, recruiter) = user_with_role(
            &app,
            &app.admin,
            "Recruiter",
            json!({ "sections": ["CANDIDATES", "MESSAGES", "INTERVIEWS", "BULK_EMAIL"] }),
        )
        .await;
        let other_admin = app.other_company("Globex").await;
        let by_id = [
            "mutation($e: ID!) { updateWebhookEndpoint(input: { id: $e, description: \"x\" }) { endpoint { id } } }",
            "mutation($e: ID!) { deleteWebhookEndpoint(input: { id: $e }) { deletedId } }",
            "mutation($e: ID!) { rotateWebhookSecret(input: { id: $e }) { secret } }",
            "mutation($e: ID!) { sendTestWebhook(input: { endpointId: $e }) { delivery { id } } }",
            "mutation($e: ID!) { replayWebhookEvents(input: { endpointId: $e, since: \"2026-01-01T00:00:00Z\" }) { queued } }",
            "query($e: ID!) { webhookDeliveries(endpointId: $e) { totalCount } }",
            "query($e: ID!) { webhookEndpoint(id: $e) { url } }",
            "query($e: ID!) { node(id: $e) { id } }",
        ];
        for query in by_id {
            let vars = json!({ "e": endpoint });
            assert_eq!(app.error_code(Some(&recruiter), query, vars.clone()).await, "FORBIDDEN", "{query}");
            assert_eq!(app.error_code(Some(&other_admin), query, vars).await, "NOT_FOUND", "{query}");
        }
        assert_eq!(
            app.error_code(Some(&recruiter), "{ webhookEndpoints { totalCount } }", json!({})).await,
            "FORBIDDEN"
        );
        assert_eq!(
            app.error_code(
                Some(&recruiter),
                CREATE,
                json!({ "i": { "url": "http://127.0.0.1:9/", "eventTypes": ["candidate.created"] } })
            )
            .await,
            "FORBIDDEN"
        );
        let theirs = app
            .ok(&other_admin, "{ webhookEndpoints { totalCount } }", json!({}))
            .await;
        assert_eq!(theirs["webhookEndpoints"]["totalCount"], 0);

        // The admin sees, changes and deletes it.
        let node = app
            .ok(&app.admin, "query($e: ID!) { node(id: $e) { ... on WebhookEndpoint { url description } } }", json!({ "e": endpoint }))
            .await;
        assert_eq!(node["node"]["url"], "http://127.0.0.1:9/");
        let updated = app
            .ok(
                &app.admin,
                "mutation($e: ID!) { updateWebhookEndpoint(input: { id: $e, description: \"CRM\", enabled: false }) { endpoint { description enabled disabledReason } } }",
                json!({ "e": endpoint }),
            )
            .await;
        assert_eq!(updated["updateWebhookEndpoint"]["endpoint"]["description"], "CRM");
        assert_eq!(updated["updateWebhookEndpoint"]["endpoint"]["enabled"], false);
        app.ok(
            &app.admin,
            "mutation($e: ID!) { deleteWebhookEndpoint(input: { id: $e }) { deletedId } }",
            json!({ "e": endpoint }),
        )
        .await;
        assert_eq!(
            app.error_code(Some(&app.admin), "query($e: ID!) { webhookEndpoint(id: $e) { url } }", json!({ "e": endpoint })).await,
            "NOT_FOUND"
        );
    })
    .await;
}

/// A second `serve` instance on the test's database (and data folder, so
/// with the same secret key).
async fn second_instance(app: &TestApp) {
    let dir = app.data_dir.to_str().unwrap().to_owned();
    let mut pairs = vec![
        ("RECRUITMAIL_LISTEN", "127.0.0.1:0".to_owned()),
        ("RECRUITMAIL_DATA_DIR", dir),
        ("RECRUITMAIL_DB_MAX_CONNECTIONS", "5".to_owned()),
        ("RECRUITMAIL_DISPATCHER", "off".to_owned()),
        ("RECRUITMAIL_WEBHOOKS", "on".to_owned()),
        ("RECRUITMAIL_SMTP_ALLOW_PRIVATE_HOSTS", "on".to_owned()),
    ];
    if let Some((url, name)) = app.postgres_database() {
        let (server, _) = url.rsplit_once('/').unwrap();
        pairs.push(("DATABASE_URL", format!("{server}/{name}")));
    }
    let settings = recruitmail::settings::Settings::load(
        &recruitmail::settings::Source::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str()))),
    )
    .unwrap();
    let second = recruitmail::app::Application::build(settings)
        .await
        .unwrap();
    tokio::spawn(second.run_until_stopped());
}

#[tokio::test]
async fn two_instances_deliver_each_event_once() {
    on_each_backend_with(&webhooks_on(), async |app| {
        second_instance(&app).await;
        let receiver = Receiver::start().await;
        let (_, secret_a) =
            create_endpoint(&app, &receiver.url("/ok"), &["candidate.created"]).await;
        let (_, secret_b) =
            create_endpoint(&app, &receiver.url("/other"), &["candidate.created"]).await;
        let company = company_id(&app, "Acme Recruiting").await;
        let mut expected = Vec::new();
        for subject in 0..150 {
            expected.push(format!(
                "evt_{}",
                append_event(&app, company, EventType::CandidateCreated, subject).await
            ));
        }
        for (path, secret) in [("/ok", &secret_a), ("/other", &secret_b)] {
            receiver.wait_for(path, 150, Duration::from_secs(20)).await;
            // Late duplicates would come within a poll or two.
            tokio::time::sleep(Duration::from_millis(600)).await;
            let hits = receiver.hits(path);
            let mut ids: Vec<String> = hits
                .iter()
                .map(|h| h.header("webhook-id").to_owned())
                .collect();
            ids.sort();
            let mut want = expected.clone();
            want.sort();
            assert_eq!(ids, want, "{path}: each event once");
            assert!(hits.iter().all(|h| h.verifies_with(secret)));
        }
        // Both instances were running, each beating under its own name.
        let claimers = entity::instance::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(claimers.len(), 2, "{claimers:?}");
    })
    .await;
}

#[tokio::test]
async fn a_dead_instance_s_claim_is_taken_over_and_a_live_one_s_is_not() {
    on_each_backend_with(&webhooks_on(), async |app| {
        let receiver = Receiver::start().await;
        let (endpoint, secret) =
            create_endpoint(&app, &receiver.url("/ok"), &["candidate.created"]).await;
        let id = recruitmail::graphql::ids::decode(
            &async_graphql::ID(endpoint.clone()),
            Kind::WebhookEndpoint,
            "id",
        )
        .unwrap();
        let alive = recruitmail::instances::Instance::new();
        alive.register(&app.state.db, Utc::now()).await.unwrap();
        for (claimer, webhook_id) in [("i-gone", "test_dead"), (alive.id.as_str(), "test_alive")] {
            entity::webhook_delivery::ActiveModel {
                endpoint_id: Set(id),
                company_id: Set(company_id(&app, "Acme Recruiting").await),
                event_id: Set(None),
                event_type: Set("webhook.test".into()),
                webhook_id: Set(webhook_id.into()),
                payload: Set(Some(
                    r#"{"type":"webhook.test","timestamp":"2026-12-06T00:00:00.000Z","data":{}}"#
                        .into(),
                )),
                status: Set("SENDING".into()),
                attempts: Set(0),
                next_attempt_at: Set(Utc::now()),
                claimed_by: Set(Some(claimer.into())),
                created_at: Set(Utc::now()),
                last_attempt_at: Set(None),
                ..Default::default()
            }
            .insert(&app.state.db)
            .await
            .unwrap();
        }
        let hit = &receiver.wait_for("/ok", 1, Duration::from_secs(5)).await[0];
        assert_eq!(hit.header("webhook-id"), "test_dead");
        assert!(hit.verifies_with(&secret));
        tokio::time::sleep(Duration::from_millis(1000)).await;
        assert_eq!(
            receiver.hits("/ok").len(),
            1,
            "the live claim is left alone"
        );
        let list = deliveries(&app, &endpoint).await;
        let statuses: Vec<(&str, &str)> = list
            .iter()
            .map(|d| {
                (
                    d["webhookId"].as_str().unwrap(),
                    d["status"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            statuses,
            vec![("test_dead", "SUCCEEDED"), ("test_alive", "SENDING")]
        );
    })
    .await;
}
