//! GraphQL subscriptions over WebSocket, as a client of the
//! `graphql-transport-ws` protocol sees them: a WebSocket client of its own
//! (tokio-tungstenite) writing the protocol's messages by hand.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::{SinkExt as _, StreamExt as _};
use recruitmail::events::{EventType, NewEvent};
use recruitmail::graphql::ids::Kind;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use crate::helpers::{
    Backend, TestApp, create_application, create_candidate, create_position, on_each_backend,
    structure, user_with_role,
};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What the server sent: a protocol message, or the close frame's code.
#[derive(Debug)]
enum Received {
    Message(Value),
    Closed(u16, String),
}

/// A graphql-transport-ws client on one socket.
struct Client {
    socket: Socket,
}

impl Client {
    /// Opens a socket on `/graphql` offering the protocol.
    async fn open(base: &str) -> Self {
        let url = format!("{}/graphql", base.replacen("http://", "ws://", 1));
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
        assert_eq!(
            response.headers()["sec-websocket-protocol"],
            "graphql-transport-ws"
        );
        Self { socket }
    }

    /// Opens a socket and signs in with `token`: `connection_ack` expected.
    async fn signed_in(base: &str, token: &str) -> Self {
        let mut client = Self::open(base).await;
        client
            .send(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } }))
            .await;
        match client.receive(Duration::from_secs(10)).await {
            Some(Received::Message(m)) if m["type"] == "connection_ack" => {}
            other => panic!("expected connection_ack, got {other:?}"),
        }
        client
    }

    async fn send(&mut self, message: Value) {
        self.send_text(message.to_string()).await;
    }

    async fn send_text(&mut self, text: String) {
        self.socket.send(Frame::text(text)).await.unwrap();
    }

    /// The next protocol message or close, waiting at most `wait`.
    async fn receive(&mut self, wait: Duration) -> Option<Received> {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let frame = match tokio::time::timeout(left, self.socket.next()).await {
                Err(_) => return None,
                Ok(None) => return Some(Received::Closed(1006, "gone".into())),
                Ok(Some(Err(e))) => return Some(Received::Closed(1006, e.to_string())),
                Ok(Some(Ok(frame))) => frame,
            };
            match frame {
                Frame::Text(text) => {
                    return Some(Received::Message(serde_json::from_str(&text).unwrap()));
                }
                Frame::Close(Some(close)) => {
                    return Some(Received::Closed(
                        close.code.into(),
                        close.reason.to_string(),
                    ));
                }
                Frame::Close(None) => return Some(Received::Closed(1005, String::new())),
                _ => {}
            }
        }
    }

    /// Waits for the server to close the socket; returns the code.
    async fn closed_with(&mut self, wait: Duration) -> u16 {
        self.closed_because(wait).await.0
    }

    /// Waits for the server to close the socket; returns code and reason.
    async fn closed_because(&mut self, wait: Duration) -> (u16, String) {
        loop {
            match self.receive(wait).await {
                Some(Received::Closed(code, reason)) => return (code, reason),
                Some(Received::Message(m)) if m["type"] == "next" => {}
                other => panic!("expected the socket to close, got {other:?}"),
            }
        }
    }

    async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// Subscribes to `events` from now on, and gives the server time to
    /// start the operation: without `after`, what commits before it starts
    /// is not part of it.
    async fn subscribe_live(&mut self, id: &str, variables: Value) {
        self.subscribe(id, EVENTS, variables).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    /// The next `next` payload's data of operation `id`.
    async fn next_data(&mut self, id: &str) -> Value {
        match self.receive(Duration::from_secs(10)).await {
            Some(Received::Message(m)) if m["type"] == "next" && m["id"] == id => {
                assert!(m["payload"].get("errors").is_none(), "{m:#}");
                m["payload"]["data"].clone()
            }
            other => panic!("expected next for {id}, got {other:?}"),
        }
    }

    /// The next event of an `events` subscription `id`.
    async fn next_event(&mut self, id: &str) -> Value {
        self.next_data(id).await["events"].clone()
    }

    /// Asserts that nothing arrives for a while.
    async fn quiet(&mut self, wait: Duration) {
        if let Some(got) = self.receive(wait).await {
            panic!("expected nothing, got {got:?}");
        }
    }
}

const EVENTS: &str = "subscription($after: String, $types: [String!]) {
    events(after: $after, types: $types) { cursor type subjectType subjectId sequence occurredAt data }
}";

/// The row id inside a global ID.
fn row_id(global: &str) -> i64 {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(global).unwrap()).unwrap();
    text.split_once(':').unwrap().1.parse().unwrap()
}

async fn company_id(app: &TestApp, token: &str) -> i64 {
    let data = app
        .ok(token, "{ viewer { company { id } } }", json!({}))
        .await;
    row_id(data["viewer"]["company"]["id"].as_str().unwrap())
}

/// Appends events in one committed write transaction, as the application's
/// own writes do.
async fn append(app: &TestApp, events: Vec<NewEvent>) {
    let txn = recruitmail::db::begin_write(&app.state.db).await.unwrap();
    recruitmail::events::append(&txn, events, chrono::Utc::now())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    recruitmail::events::committed();
}

/// Events stored about one subject.
async fn events_about(app: &TestApp, kind: Kind, id: i64) -> usize {
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
    entity::event::Entity::find()
        .filter(entity::event::Column::SubjectType.eq(kind.name()))
        .filter(entity::event::Column::SubjectId.eq(id))
        .all(&app.state.db)
        .await
        .unwrap()
        .len()
}

/// Creates a candidate through the API; its `candidate.created` event is
/// appended here only where `createCandidate` does not write one itself.
async fn new_candidate(app: &TestApp, token: &str, company: i64, name: &str) -> String {
    let id = create_candidate(app, token, name, "Test", &format!("{name}@example.com")).await;
    let row = row_id(&id);
    if events_about(app, Kind::Candidate, row).await == 0 {
        append(
            app,
            vec![NewEvent::new(company, EventType::CandidateCreated, Kind::Candidate, row).first()],
        )
        .await;
    }
    id
}

#[tokio::test]
async fn a_subscriber_receives_the_events_committed_after_it_subscribed() {
    on_each_backend(async |app| {
        let company = company_id(&app, &app.admin).await;
        let mut client = Client::signed_in(&app.base, &app.admin).await;
        client.subscribe("live", EVENTS, json!({})).await;
        // An operation is counted as soon as it runs.
        tokio::time::sleep(Duration::from_millis(500)).await;
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
            metrics.contains("recruitmail_subscriptions_open 1"),
            "{metrics}"
        );
        assert!(metrics.contains("recruitmail_subscription_connections_open 1"));

        let candidate = new_candidate(&app, &app.admin, company, "ada").await;
        let event = client.next_event("live").await;
        assert_eq!(event["type"], "candidate.created", "{event:#}");
        assert_eq!(event["subjectType"], "Candidate");
        assert_eq!(event["subjectId"], candidate.as_str());
        assert_eq!(event["sequence"], 1);
        assert_eq!(event["data"]["id"], candidate.as_str());
        assert!(event["cursor"].as_str().is_some_and(|c| !c.is_empty()));
        // The payload names the candidate by ID only.
        assert!(!event.to_string().contains("ada@example.com"));

        // `complete` from the client ends the operation; the gauge follows.
        client
            .send(json!({ "id": "live", "type": "complete" }))
            .await;
        tokio::time::sleep(Duration::from_millis(200)).await;
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
            metrics.contains("recruitmail_subscriptions_open 0"),
            "{metrics}"
        );
        new_candidate(&app, &app.admin, company, "bob").await;
        client.quiet(Duration::from_millis(500)).await;
    })
    .await;
}

#[tokio::test]
async fn a_client_reconnecting_with_its_last_cursor_misses_nothing_and_sees_nothing_twice() {
    on_each_backend(async |app| {
        let company = company_id(&app, &app.admin).await;
        let mut client = Client::signed_in(&app.base, &app.admin).await;
        client.subscribe_live("a", json!({})).await;
        let first = new_candidate(&app, &app.admin, company, "first").await;
        let seen = client.next_event("a").await;
        assert_eq!(seen["subjectId"], first.as_str());
        let cursor = seen["cursor"].as_str().unwrap().to_owned();
        // The connection drops; three candidates are created meanwhile.
        drop(client);
        let mut missed = Vec::new();
        for name in ["second", "third", "fourth"] {
            missed.push(new_candidate(&app, &app.admin, company, name).await);
        }
        let mut client = Client::signed_in(&app.base, &app.admin).await;
        client
            .subscribe("b", EVENTS, json!({ "after": cursor }))
            .await;
        for expected in &missed {
            let event = client.next_event("b").await;
            assert_eq!(event["subjectId"], expected.as_str(), "{event:#}");
            assert_eq!(event["type"], "candidate.created");
        }
        // Then live, and nothing twice.
        let fifth = new_candidate(&app, &app.admin, company, "fifth").await;
        assert_eq!(client.next_event("b").await["subjectId"], fifth.as_str());
        client.quiet(Duration::from_millis(500)).await;

        // Replaying a long stretch of the log: every event once, in order.
        let ids: Vec<i64> = (1_000_000..1_001_200).collect();
        append(
            &app,
            ids.iter()
                .map(|id| {
                    NewEvent::new(company, EventType::MessageQueued, Kind::Message, *id).first()
                })
                .collect(),
        )
        .await;
        let mut client = Client::signed_in(&app.base, &app.admin).await;
        client
            .subscribe(
                "c",
                EVENTS,
                json!({ "after": cursor, "types": ["message.queued"] }),
            )
            .await;
        for id in &ids {
            let event = client.next_event("c").await;
            assert_eq!(event["subjectId"], Kind::Message.id(*id).0.as_str());
        }
        client.quiet(Duration::from_millis(300)).await;
    })
    .await;
}

#[tokio::test]
async fn the_types_filter_keeps_only_those_types_and_unknown_types_are_refused() {
    on_each_backend(async |app| {
        let company = company_id(&app, &app.admin).await;
        let mut client = Client::signed_in(&app.base, &app.admin).await;
        client
            .subscribe(
                "bad",
                EVENTS,
                json!({ "types": ["message.sent", "message.teleported"] }),
            )
            .await;
        match client.receive(Duration::from_secs(10)).await {
            Some(Received::Message(m)) => {
                assert_eq!(m["type"], "error", "{m:#}");
                assert_eq!(m["id"], "bad");
                assert_eq!(m["payload"][0]["extensions"]["code"], "VALIDATION", "{m:#}");
                assert_eq!(m["payload"][0]["extensions"]["field"], "types.1");
            }
            other => panic!("expected an error, got {other:?}"),
        }
        // The connection goes on serving, and the id is free again.
        client
            .subscribe("bad", EVENTS, json!({ "types": ["message.sent"] }))
            .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        new_candidate(&app, &app.admin, company, "ignored").await;
        append(
            &app,
            vec![
                NewEvent::new(company, EventType::MessageQueued, Kind::Message, 7).first(),
                NewEvent::new(company, EventType::MessageSent, Kind::Message, 7)
                    .with("status", "SENT"),
            ],
        )
        .await;
        let event = client.next_event("bad").await;
        assert_eq!(event["type"], "message.sent");
        assert_eq!(event["sequence"], 2);
        assert_eq!(event["data"]["status"], "SENT");
        client.quiet(Duration::from_millis(500)).await;
    })
    .await;
}

#[tokio::test]
async fn each_subscriber_sees_only_what_their_rights_show() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let company = company_id(&app, &admin).await;
        let (sub, cat, open_position) = structure(&app, &admin, "rights").await;
        let (manager, _, manager_token) = user_with_role(
            &app,
            &admin,
            "Hiring Manager",
            json!({ "sections": ["CANDIDATES", "MESSAGES", "INTERVIEWS"], "assignedPositionsOnly": true }),
        )
        .await;
        let (_, _, outsider_token) = user_with_role(
            &app,
            &admin,
            "Interviewer",
            json!({ "sections": ["INTERVIEWS"] }),
        )
        .await;
        let managed = create_position(&app, &admin, &sub, &cat, "Managed", &[&manager]).await;
        let other_admin = app.other_company("Globex").await;

        let hidden = create_candidate(&app, &admin, "Hidden", "One", "hidden@example.com").await;
        let shown = create_candidate(&app, &admin, "Shown", "One", "shown@example.com").await;
        let hidden_application = create_application(&app, &admin, &hidden, &open_position).await;
        let shown_application = create_application(&app, &admin, &shown, &managed).await;
        // Subscribed once the records exist: only the events below follow.
        let mut admin_ws = Client::signed_in(&app.base, &admin).await;
        let mut manager_ws = Client::signed_in(&app.base, &manager_token).await;
        let mut outsider_ws = Client::signed_in(&app.base, &outsider_token).await;
        let mut other_ws = Client::signed_in(&app.base, &other_admin).await;
        for ws in [&mut admin_ws, &mut manager_ws, &mut outsider_ws, &mut other_ws] {
            ws.subscribe("e", EVENTS, json!({})).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;

        // The events, in one transaction: what the manager may see is
        // decided per event, in a batch.
        let (hidden, shown) = (row_id(&hidden), row_id(&shown));
        let (hidden_application, shown_application) =
            (row_id(&hidden_application), row_id(&shown_application));
        append(
            &app,
            vec![
                NewEvent::new(company, EventType::CandidateUpdated, Kind::Candidate, hidden),
                NewEvent::new(company, EventType::CandidateUpdated, Kind::Candidate, shown),
                NewEvent::new(company, EventType::ApplicationCreated, Kind::Application, hidden_application)
                    .with("source", "MANUAL"),
                NewEvent::new(company, EventType::ApplicationCreated, Kind::Application, shown_application)
                    .with("source", "MANUAL"),
                NewEvent::new(company, EventType::CandidateDeleted, Kind::Candidate, shown),
            ],
        )
        .await;
        let mut admin_saw = Vec::new();
        for _ in 0..5 {
            let e = admin_ws.next_event("e").await;
            admin_saw.push((e["type"].as_str().unwrap().to_owned(), row_id(e["subjectId"].as_str().unwrap())));
        }
        assert_eq!(
            admin_saw,
            vec![
                ("candidate.updated".to_owned(), hidden),
                ("candidate.updated".to_owned(), shown),
                ("application.created".to_owned(), hidden_application),
                ("application.created".to_owned(), shown_application),
                ("candidate.deleted".to_owned(), shown),
            ]
        );
        let mut manager_saw = Vec::new();
        for _ in 0..2 {
            let e = manager_ws.next_event("e").await;
            manager_saw.push((e["type"].as_str().unwrap().to_owned(), row_id(e["subjectId"].as_str().unwrap())));
        }
        assert_eq!(
            manager_saw,
            vec![
                ("candidate.updated".to_owned(), shown),
                ("application.created".to_owned(), shown_application),
            ]
        );
        // Not the hidden candidate, nor the erasure (the manager does not
        // see every candidate); nothing for a role without the section, and
        // nothing for another company.
        manager_ws.quiet(Duration::from_millis(700)).await;
        outsider_ws.quiet(Duration::from_millis(100)).await;
        other_ws.quiet(Duration::from_millis(100)).await;

        // The `events` list applies the same rights.
        let list = |token: String| {
            let app = &app;
            async move {
                let data = app
                    .ok(
                        &token,
                        "{ events(first: 100, types: [\"candidate.updated\", \"candidate.deleted\", \"application.created\"]) { totalCount edges { node { type subjectId } } } }",
                        json!({}),
                    )
                    .await;
                data["events"]["edges"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| (e["node"]["type"].as_str().unwrap().to_owned(), row_id(e["node"]["subjectId"].as_str().unwrap())))
                    .filter(|(kind, id)| kind != "application.created" || [hidden_application, shown_application].contains(id))
                    .collect::<Vec<_>>()
            }
        };
        // (createApplication may log its own application.created too.)
        let mut admin_listed = list(admin.clone()).await;
        admin_listed.dedup();
        assert!(admin_listed.ends_with(&admin_saw), "{admin_listed:?}");
        let mut manager_listed = list(manager_token.clone()).await;
        manager_listed.dedup();
        assert!(manager_listed.ends_with(&manager_saw), "{manager_listed:?}");
        assert!(!manager_listed.iter().any(|(kind, id)| {
            (kind.starts_with("candidate.") && *id == hidden)
                || (kind == "application.created" && *id == hidden_application)
        }));
        assert!(list(outsider_token.clone()).await.is_empty());
        assert!(list(other_admin.clone()).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_change_of_rights_reaches_a_running_subscription() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let company = company_id(&app, &admin).await;
        let (_, _, position) = structure(&app, &admin, "later").await;
        let (manager, _, manager_token) = user_with_role(
            &app,
            &admin,
            "Late Manager",
            json!({ "sections": ["CANDIDATES"], "assignedPositionsOnly": true }),
        )
        .await;
        let candidate = create_candidate(&app, &admin, "Later", "Seen", "later@example.com").await;
        create_application(&app, &admin, &candidate, &position).await;
        let candidate = row_id(&candidate);
        let mut client = Client::signed_in(&app.base, &manager_token).await;
        client
            .subscribe("e", EVENTS, json!({ "types": ["candidate.updated"] }))
            .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let updated =
            || NewEvent::new(company, EventType::CandidateUpdated, Kind::Candidate, candidate);
        append(&app, vec![updated()]).await;
        client.quiet(Duration::from_millis(500)).await;
        // The manager is given the position: the next check of the
        // connection (every 5 s) picks the new rights up.
        app.ok(
            &admin,
            "mutation($p: ID!, $m: [ID!]) { updatePosition(input: { id: $p, hiringManagerIds: $m }) { position { id } } }",
            json!({ "p": position, "m": [manager] }),
        )
        .await;
        tokio::time::sleep(Duration::from_secs(6)).await;
        append(&app, vec![updated()]).await;
        let event = client.next_event("e").await;
        assert_eq!(event["subjectId"], Kind::Candidate.id(candidate).0.as_str());
        // The candidate's latest event (after what creating it logged).
        let logged = events_about(&app, Kind::Candidate, candidate).await;
        assert_eq!(event["sequence"], logged as i64);
    })
    .await;
}

#[tokio::test]
async fn a_socket_without_connection_init_is_closed_with_4408_after_10_seconds() {
    on_each_backend(async |app| {
        let started = Instant::now();
        let mut client = Client::open(&app.base).await;
        // Pings are answered before the init, and do not count as one.
        client.send(json!({ "type": "ping" })).await;
        match client.receive(Duration::from_secs(5)).await {
            Some(Received::Message(m)) => assert_eq!(m["type"], "pong"),
            other => panic!("expected pong, got {other:?}"),
        }
        let code = client.closed_with(Duration::from_secs(15)).await;
        assert_eq!(code, 4408);
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_secs(10) && waited < Duration::from_secs(13),
            "{waited:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_missing_or_unknown_token_is_closed_with_4403() {
    on_each_backend(async |app| {
        for payload in [
            json!({ "type": "connection_init" }),
            json!({ "type": "connection_init", "payload": { "authorization": "Bearer rm_not-a-token" } }),
            json!({ "type": "connection_init", "payload": { "token": "nonsense" } }),
        ] {
            let mut client = Client::open(&app.base).await;
            client.send(payload).await;
            assert_eq!(client.closed_with(Duration::from_secs(5)).await, 4403);
        }
        // `token` works as well as `authorization`.
        let mut client = Client::open(&app.base).await;
        client
            .send(json!({ "type": "connection_init", "payload": { "token": app.admin } }))
            .await;
        match client.receive(Duration::from_secs(5)).await {
            Some(Received::Message(m)) => assert_eq!(m["type"], "connection_ack"),
            other => panic!("expected connection_ack, got {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn a_revoked_token_closes_its_subscriptions_within_10_seconds() {
    on_each_backend(async |app| {
        let created = app
            .ok(
                &app.admin,
                "mutation { createApiToken(input: { name: \"screen\" }) { token apiToken { id } } }",
                json!({}),
            )
            .await["createApiToken"]
            .clone();
        let token = created["token"].as_str().unwrap().to_owned();
        let mut client = Client::signed_in(&app.base, &token).await;
        client.subscribe_live("e", json!({})).await;
        app.ok(
            &app.admin,
            "mutation($id: ID!) { revokeApiToken(input: { id: $id }) { apiToken { id } } }",
            json!({ "id": created["apiToken"]["id"] }),
        )
        .await;
        let revoked = Instant::now();
        assert_eq!(client.closed_with(Duration::from_secs(11)).await, 4403);
        assert!(revoked.elapsed() < Duration::from_secs(10), "{:?}", revoked.elapsed());
        // The token no longer opens a connection either.
        let mut client = Client::open(&app.base).await;
        client
            .send(json!({ "type": "connection_init", "payload": { "token": token } }))
            .await;
        assert_eq!(client.closed_with(Duration::from_secs(5)).await, 4403);
    })
    .await;
}

#[tokio::test]
async fn forged_messages_close_with_the_protocols_codes_and_the_server_keeps_serving() {
    on_each_backend(async |app| {
        let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": EVENTS } });
        // Subscribing before the acknowledgement: 4401.
        let mut client = Client::open(&app.base).await;
        client.send(subscribe.clone()).await;
        assert_eq!(client.closed_with(Duration::from_secs(5)).await, 4401);
        // Not JSON, no type, an unknown or a server's type, no id, a
        // payload that is no request, a binary frame: 4400.
        let forged = [
            "not json".to_owned(),
            json!({ "id": "1" }).to_string(),
            json!({ "type": "teleport" }).to_string(),
            json!({ "type": "next", "id": "1", "payload": { "data": {} } }).to_string(),
            json!({ "type": "subscribe", "payload": { "query": EVENTS } }).to_string(),
            json!({ "type": "subscribe", "id": "1", "payload": { "query": 42 } }).to_string(),
            json!({ "type": "subscribe", "id": "1" }).to_string(),
        ];
        for text in forged {
            let mut client = Client::signed_in(&app.base, &app.admin).await;
            client.send_text(text.clone()).await;
            assert_eq!(client.closed_with(Duration::from_secs(5)).await, 4400, "{text}");
        }
        let mut client = Client::signed_in(&app.base, &app.admin).await;
        client.socket.send(Frame::binary(vec![1, 2, 3])).await.unwrap();
        assert_eq!(client.closed_with(Duration::from_secs(5)).await, 4400);
        // A message over the size limit closes with 1009 (RFC 6455).
        let mut client = Client::signed_in(&app.base, &app.admin).await;
        client
            .send(json!({ "id": "big", "type": "subscribe", "payload": { "query": "x".repeat(100_000) } }))
            .await;
        assert_eq!(client.closed_with(Duration::from_secs(5)).await, 1009);
        // The same id twice while the first runs: 4409.
        let mut client = Client::signed_in(&app.base, &app.admin).await;
        client.send(subscribe.clone()).await;
        client.send(subscribe.clone()).await;
        assert_eq!(
            client.closed_because(Duration::from_secs(5)).await,
            (4409, "Subscriber for 1 already exists".to_owned())
        );
        // A second connection_init: 4429.
        let mut client = Client::signed_in(&app.base, &app.admin).await;
        client
            .send(json!({ "type": "connection_init", "payload": { "token": app.admin } }))
            .await;
        assert_eq!(client.closed_with(Duration::from_secs(5)).await, 4429);
        // A socket without the subprotocol: 4406.
        let url = format!("{}/graphql", app.base.replacen("http://", "ws://", 1));
        let (mut bare, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let code = loop {
            match bare.next().await {
                Some(Ok(Frame::Close(Some(frame)))) => break u16::from(frame.code),
                Some(Ok(_)) => {}
                other => panic!("expected a close, got {other:?}"),
            }
        };
        assert_eq!(code, 4406);

        // After all that, the server serves subscriptions and plain HTTP.
        let company = company_id(&app, &app.admin).await;
        let mut client = Client::signed_in(&app.base, &app.admin).await;
        client.subscribe_live("ok", json!({})).await;
        let candidate = new_candidate(&app, &app.admin, company, "after").await;
        assert_eq!(client.next_event("ok").await["subjectId"], candidate.as_str());
        // A subscription posted over HTTP is refused, with its code.
        assert_eq!(
            app.error_code(Some(&app.admin), EVENTS, json!({})).await,
            "VALIDATION"
        );
        // A query over the socket gets its one result, then `complete`.
        client
            .subscribe("q", "{ viewer { isAdmin } }", json!({}))
            .await;
        assert_eq!(client.next_data("q").await["viewer"]["isAdmin"], true);
        match client.receive(Duration::from_secs(5)).await {
            Some(Received::Message(m)) => {
                assert_eq!(m, json!({ "id": "q", "type": "complete" }));
            }
            other => panic!("expected complete, got {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn email_batch_reports_progress_until_the_send_completes() {
    on_each_backend(async |app| {
        let admin = app.admin.clone();
        let company = company_id(&app, &admin).await;
        let (_, _, position) = structure(&app, &admin, "batch").await;
        let mut candidates = Vec::new();
        for name in ["one", "two"] {
            let c = create_candidate(&app, &admin, name, "Bulk", &format!("{name}@bulk.example")).await;
            create_application(&app, &admin, &c, &position).await;
            candidates.push(c);
        }
        let batch = app
            .ok(
                &admin,
                "mutation($c: [ID!]!) { sendEmail(input: { candidateIds: $c, subject: \"S\", body: \"<p>B</p>\" }) { batch { id } } }",
                json!({ "c": candidates }),
            )
            .await["sendEmail"]["batch"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let query = "subscription($id: ID!) { emailBatch(id: $id) { id total queued sent failed cancelled } }";
        let mut client = Client::signed_in(&app.base, &admin).await;
        client.subscribe("p", query, json!({ "id": batch })).await;
        let now = client.next_data("p").await["emailBatch"].clone();
        assert_eq!(
            now,
            json!({ "id": batch, "total": 2, "queued": 2, "sent": 0, "failed": 0, "cancelled": 0 })
        );
        // Progress events, as the dispatcher writes them.
        let progress = |kind: EventType, sent: i64, failed: i64, pending: i64| {
            NewEvent::new(company, kind, Kind::EmailBatch, row_id(&batch))
                .with("total", 2)
                .with("sent", sent)
                .with("failed", failed)
                .with("cancelled", 0)
                .with("pending", pending)
        };
        append(&app, vec![progress(EventType::EmailBatchProgressed, 1, 0, 1)]).await;
        assert_eq!(
            client.next_data("p").await["emailBatch"],
            json!({ "id": batch, "total": 2, "queued": 1, "sent": 1, "failed": 0, "cancelled": 0 })
        );
        append(&app, vec![progress(EventType::EmailBatchCompleted, 1, 1, 0)]).await;
        assert_eq!(
            client.next_data("p").await["emailBatch"],
            json!({ "id": batch, "total": 2, "queued": 0, "sent": 1, "failed": 1, "cancelled": 0 })
        );
        match client.receive(Duration::from_secs(5)).await {
            Some(Received::Message(m)) => assert_eq!(m, json!({ "id": "p", "type": "complete" })),
            other => panic!("expected complete, got {other:?}"),
        }
        // A completed send answers once and completes.
        client.subscribe("again", query, json!({ "id": batch })).await;
        assert_eq!(client.next_data("again").await["emailBatch"]["id"], batch.as_str());
        match client.receive(Duration::from_secs(5)).await {
            Some(Received::Message(m)) => assert_eq!(m["type"], "complete"),
            other => panic!("expected complete, got {other:?}"),
        }
        // Another company's batch is not found.
        let other = app.other_company("Initech").await;
        let mut client = Client::signed_in(&app.base, &other).await;
        client.subscribe("x", query, json!({ "id": batch })).await;
        match client.receive(Duration::from_secs(5)).await {
            Some(Received::Message(m)) => {
                assert_eq!(m["type"], "error", "{m:#}");
                assert_eq!(m["payload"][0]["extensions"]["code"], "NOT_FOUND");
            }
            other => panic!("expected an error, got {other:?}"),
        }
    })
    .await;
}

/// The `recruitmail` binary serving in a process of its own; killed when
/// dropped.
struct Instance {
    child: std::process::Child,
    base: String,
    _data: tempfile::TempDir,
}

impl Instance {
    /// Starts `recruitmail serve` on `database_url` and waits until it
    /// answers.
    async fn serve(database_url: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let data = tempfile::tempdir().unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_recruitmail"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("RECRUITMAIL_LISTEN", format!("127.0.0.1:{port}"))
            .env("RECRUITMAIL_DATA_DIR", data.path())
            .env("RECRUITMAIL_DISPATCHER", "off")
            .env("RECRUITMAIL_DB_MAX_CONNECTIONS", "3")
            .env_remove("RECRUITMAIL_CONFIG")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let instance = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _data: data,
        };
        let client = reqwest::Client::new();
        for _ in 0..200 {
            let up = client
                .get(format!("{}/healthz", instance.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if up {
                return instance;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the second instance did not start");
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two instances on one PostgreSQL database, in two processes: what commits
/// on one reaches the other's subscribers within a second.
#[tokio::test]
async fn an_event_committed_on_one_instance_reaches_subscribers_on_another_within_a_second() {
    on_each_backend(async |app| {
        let Backend::Postgres(_) = app.backend else {
            return;
        };
        let second = Instance::serve(&app.state.settings.database_url).await;
        let company = company_id(&app, &app.admin).await;
        let mut on_second = Client::signed_in(&second.base, &app.admin).await;
        on_second.subscribe("e", EVENTS, json!({})).await;
        let mut on_first = Client::signed_in(&app.base, &app.admin).await;
        on_first.subscribe_live("e", json!({})).await;
        for name in ["x", "y", "z", "w", "v"] {
            let started = Instant::now();
            let candidate = new_candidate(&app, &app.admin, company, name).await;
            assert_eq!(
                on_second.next_event("e").await["subjectId"],
                candidate.as_str()
            );
            let took = started.elapsed();
            assert!(took < Duration::from_secs(1), "{took:?}");
            assert_eq!(
                on_first.next_event("e").await["subjectId"],
                candidate.as_str()
            );
        }
        on_second.quiet(Duration::from_millis(300)).await;
    })
    .await;
}

/// The hub of another process hears of a commit only through PostgreSQL's
/// NOTIFY: with its fallback timer an hour away, an event appended without
/// this process's wake-up still arrives at once.
#[tokio::test]
async fn the_hub_wakes_on_postgres_notifications() {
    on_each_backend(async |app| {
        let Backend::Postgres(_) = app.backend else {
            return;
        };
        let hub = recruitmail::events::hub::Hub::start_with(
            app.state.db.clone(),
            Duration::from_secs(3600),
        );
        let company = company_id(&app, &app.admin).await;
        let filter = recruitmail::events::hub::Filter {
            company_id: company,
            types: None,
            subject: None,
        };
        let after = hub.head().await.unwrap();
        let mut events = Box::pin(hub.subscribe(filter, after));
        let (heard, mut received) = tokio::sync::mpsc::channel(1);
        tokio::spawn(async move {
            while let Some(batch) = events.next().await {
                if heard.send((Instant::now(), batch.unwrap())).await.is_err() {
                    return;
                }
            }
        });
        // The replay (nothing yet) is over; the subscription waits for the hub.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let txn = recruitmail::db::begin_write(&app.state.db).await.unwrap();
        recruitmail::events::append(
            &txn,
            vec![NewEvent::new(
                company,
                EventType::CandidateUpdated,
                Kind::Candidate,
                99,
            )],
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
        let committed = Instant::now();
        let (at, batch) = tokio::time::timeout(Duration::from_secs(5), received.recv())
            .await
            .expect("the notification wakes the hub")
            .unwrap();
        assert!(
            at - committed < Duration::from_secs(1),
            "{:?}",
            at - committed
        );
        assert_eq!(batch.len(), 1);
        assert_eq!(batch[0].event_type, "candidate.updated");
        assert_eq!(batch[0].subject_id, 99);
    })
    .await;
}
