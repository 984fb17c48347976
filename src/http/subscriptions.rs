//! GraphQL over WebSocket on `GET /graphql`: the `graphql-transport-ws`
//! protocol of the `graphql-ws` library (its PROTOCOL.md), which browsers'
//! and servers' GraphQL clients speak for subscriptions.
//!
//! Browsers cannot set headers on a WebSocket, so the API token travels in
//! the payload of `connection_init`: `{"authorization": "Bearer rm_…"}` or
//! `{"token": "rm_…"}`. The protocol's rules are kept to the letter, with
//! its close codes: no `connection_init` within 10 s is 4408, a second one
//! 4429, a missing or refused token 4403, `subscribe` before the
//! acknowledgement 4401, a message that is not one of the protocol's 4400,
//! an id already running 4409. A token revoked or expired meanwhile (or its
//! user deactivated) closes the connection with 4403 within
//! [`RECHECK_EVERY`].
//!
//! Memory per connection is bounded: messages of at most
//! [`MAX_MESSAGE_BYTES`], at most [`MAX_OPERATIONS`] operations at once, and
//! bounded queues towards the client. A client that reads too slowly holds
//! up only its own operations, which then catch up from the event log.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use futures_util::StreamExt as _;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use crate::access::{Actor, authenticate, still_valid};
use crate::app::AppState;
use crate::graphql::{LiveActor, errors};

/// The WebSocket subprotocol (`Sec-WebSocket-Protocol`).
pub const PROTOCOL: &str = "graphql-transport-ws";

/// How long a client has to send `connection_init`.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// How often an acknowledged connection's token is checked again.
pub const RECHECK_EVERY: Duration = Duration::from_secs(5);

/// Largest message a client may send: a subscription document with its
/// variables, not a bulk upload.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Operations one connection may run at once.
pub const MAX_OPERATIONS: usize = 100;

/// Longest operation id taken from a client.
const MAX_ID_CHARS: usize = 128;

/// Messages from operations waiting for the connection to send them.
const OUTBOX: usize = 64;

/// Close codes of `graphql-transport-ws`.
mod close {
    pub const BAD_REQUEST: u16 = 4400;
    pub const UNAUTHORIZED: u16 = 4401;
    pub const FORBIDDEN: u16 = 4403;
    pub const SUBPROTOCOL_NOT_ACCEPTABLE: u16 = 4406;
    pub const INIT_TIMEOUT: u16 = 4408;
    pub const SUBSCRIBER_EXISTS: u16 = 4409;
    pub const TOO_MANY_INITS: u16 = 4429;
}

/// Whether a GET asks to become a WebSocket (RFC 6455 §4.1: `Upgrade:
/// websocket`).
pub fn is_upgrade(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::UPGRADE)
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .any(|p| p.trim().eq_ignore_ascii_case("websocket"))
        })
}

/// Completes the WebSocket handshake and serves the connection.
pub async fn serve(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let offered = req
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == PROTOCOL);
    let (response, session, messages) = actix_ws::handle_with_protocols(&req, body, &[PROTOCOL])?;
    let messages = messages
        .max_frame_size(MAX_MESSAGE_BYTES)
        .aggregate_continuations()
        .max_continuation_size(MAX_MESSAGE_BYTES);
    actix_web::rt::spawn(async move {
        state.metrics.subscription_connections_changed(1);
        let mut connection = Connection::new(state.clone(), session);
        let reason = if offered {
            connection.run(messages).await
        } else {
            // graphql-ws closes a socket without its subprotocol so.
            Some(closing(
                close::SUBPROTOCOL_NOT_ACCEPTABLE,
                "Subprotocol not acceptable: graphql-transport-ws",
            ))
        };
        connection.finish(reason).await;
        state.metrics.subscription_connections_changed(-1);
    });
    Ok(response)
}

fn closing(code: u16, description: &str) -> CloseReason {
    CloseReason {
        code: CloseCode::Other(code),
        description: Some(description.to_owned()),
    }
}

/// A message an operation hands to its connection.
struct Outgoing {
    id: String,
    /// Which run of `id` this is: a message of an operation the client has
    /// completed, and perhaps started again under the same id, is dropped.
    run: u64,
    text: String,
    /// The operation is over after this message.
    last: bool,
}

/// A running operation.
struct Running {
    run: u64,
    task: tokio::task::JoinHandle<()>,
}

struct Connection {
    state: web::Data<AppState>,
    session: Session,
    /// The token and caller once `connection_init` was accepted; the caller
    /// is resolved again at each check, and operations read the latest.
    signed_in: Option<(String, watch::Sender<Arc<Actor>>)>,
    init_received: bool,
    running: HashMap<String, Running>,
    runs: u64,
    outbox: mpsc::Sender<Outgoing>,
    inbox: mpsc::Receiver<Outgoing>,
}

impl Connection {
    fn new(state: web::Data<AppState>, session: Session) -> Self {
        let (outbox, inbox) = mpsc::channel(OUTBOX);
        Self {
            state,
            session,
            signed_in: None,
            init_received: false,
            running: HashMap::new(),
            runs: 0,
            outbox,
            inbox,
        }
    }

    /// Serves the client until one side closes; returns how to close.
    async fn run(
        &mut self,
        mut messages: actix_ws::AggregatedMessageStream,
    ) -> Option<CloseReason> {
        let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
        tokio::pin!(init_deadline);
        let mut recheck = tokio::time::interval(RECHECK_EVERY);
        recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                message = messages.next() => {
                    let message = match message {
                        None => return None,
                        Some(Ok(message)) => message,
                        Some(Err(actix_ws::ProtocolError::Overflow)) => {
                            return Some(CloseReason {
                                code: CloseCode::Size,
                                description: Some(format!("messages are limited to {MAX_MESSAGE_BYTES} bytes")),
                            });
                        }
                        Some(Err(_)) => return Some(CloseCode::Protocol.into()),
                    };
                    let outcome = match message {
                        AggregatedMessage::Text(text) => self.receive(&text).await,
                        AggregatedMessage::Binary(_) => Err(closing(close::BAD_REQUEST, "Invalid message received: binary frames are not part of the protocol")),
                        AggregatedMessage::Ping(bytes) => self.session.pong(&bytes).await.map_err(|_| CloseCode::Away.into()),
                        AggregatedMessage::Pong(_) => Ok(()),
                        AggregatedMessage::Close(_) => return Some(CloseCode::Normal.into()),
                    };
                    if let Err(reason) = outcome {
                        return Some(reason);
                    }
                }
                Some(out) = self.inbox.recv() => {
                    if let Err(reason) = self.forward(out).await {
                        return Some(reason);
                    }
                }
                () = &mut init_deadline, if !self.init_received => {
                    return Some(closing(close::INIT_TIMEOUT, "Connection initialisation timeout"));
                }
                _ = recheck.tick(), if self.signed_in.is_some() => {
                    if let Err(reason) = self.recheck().await {
                        return Some(reason);
                    }
                }
            }
        }
    }

    /// Stops every operation and closes the socket.
    async fn finish(self, reason: Option<CloseReason>) {
        for (_, running) in self.running {
            running.task.abort();
            self.state.metrics.subscriptions_changed(-1);
        }
        if let Some(reason) = reason {
            let _ = self.session.close(Some(reason)).await;
        } else {
            let _ = self.session.close(None).await;
        }
    }

    /// Handles one message from the client.
    async fn receive(&mut self, text: &str) -> Result<(), CloseReason> {
        let bad = |why: &str| {
            closing(
                close::BAD_REQUEST,
                &format!("Invalid message received: {why}"),
            )
        };
        let message: Value = serde_json::from_str(text).map_err(|_| bad("not JSON"))?;
        let Some(kind) = message.get("type").and_then(Value::as_str) else {
            return Err(bad("no type"));
        };
        match kind {
            "connection_init" => self.init(message.get("payload")).await,
            "ping" => self.send(json!({ "type": "pong" })).await,
            "pong" => Ok(()),
            "subscribe" => {
                let id = operation_id(&message).ok_or_else(|| bad("subscribe needs an id"))?;
                let payload = message
                    .get("payload")
                    .filter(|p| p.get("query").is_some_and(Value::is_string))
                    .ok_or_else(|| bad("subscribe needs a payload with a query"))?;
                let request: async_graphql::Request = serde_json::from_value(payload.clone())
                    .map_err(|_| bad("the payload is not a GraphQL request"))?;
                self.subscribe(id, request).await
            }
            "complete" => {
                let id = operation_id(&message).ok_or_else(|| bad("complete needs an id"))?;
                if let Some(running) = self.running.remove(&id) {
                    running.task.abort();
                    self.state.metrics.subscriptions_changed(-1);
                }
                Ok(())
            }
            _ => Err(bad("unknown message type")),
        }
    }

    /// `connection_init`: authenticates the token of the payload.
    async fn init(&mut self, payload: Option<&Value>) -> Result<(), CloseReason> {
        if self.init_received {
            return Err(closing(
                close::TOO_MANY_INITS,
                "Too many initialisation requests",
            ));
        }
        self.init_received = true;
        let forbidden = || closing(close::FORBIDDEN, "Forbidden");
        let token = payload.and_then(presented_token).ok_or_else(forbidden)?;
        let actor = authenticate(&self.state.db, &self.state.actors, &token)
            .await
            .map_err(|_| forbidden())?;
        self.signed_in = Some((token, watch::Sender::new(actor)));
        self.send(json!({ "type": "connection_ack" })).await
    }

    /// Checks again that the token is good, straight from the database, and
    /// resolves it again (through the cache of callers) so that a change of
    /// rights reaches the running operations.
    async fn recheck(&mut self) -> Result<(), CloseReason> {
        let Some((token, actor)) = &self.signed_in else {
            return Ok(());
        };
        let refused = || {
            closing(
                close::FORBIDDEN,
                "Forbidden: the token was revoked or has expired",
            )
        };
        match still_valid(&self.state.db, token).await {
            Ok(true) => {}
            Ok(false) => return Err(refused()),
            // The database is unreachable for a moment: check again later
            // rather than drop every client.
            Err(e) => {
                tracing::warn!(error = %e, "cannot check a subscription's token");
                return Ok(());
            }
        }
        match authenticate(&self.state.db, &self.state.actors, token).await {
            Ok(now) => {
                actor.send_if_modified(|current| {
                    let changed = !Arc::ptr_eq(current, &now);
                    *current = now;
                    changed
                });
                Ok(())
            }
            Err(crate::error::ApiError::Unauthenticated) => Err(refused()),
            Err(e) => {
                tracing::warn!(error = %e, "cannot resolve a subscription's token");
                Ok(())
            }
        }
    }

    /// `subscribe`: starts an operation under `id`.
    async fn subscribe(
        &mut self,
        id: String,
        request: async_graphql::Request,
    ) -> Result<(), CloseReason> {
        let Some((_, actor)) = &self.signed_in else {
            return Err(closing(close::UNAUTHORIZED, "Unauthorized"));
        };
        let live = LiveActor(actor.subscribe());
        let actor = actor.borrow().clone();
        if self.running.contains_key(&id) {
            return Err(closing(
                close::SUBSCRIBER_EXISTS,
                &format!("Subscriber for {id} already exists"),
            ));
        }
        if self.running.len() >= MAX_OPERATIONS {
            let refusal = crate::http::response::error_body(&crate::error::ApiError::RateLimited(
                format!("at most {MAX_OPERATIONS} operations run at once on one connection"),
            ));
            let errors = serde_json::to_value(&refusal.errors).unwrap_or(Value::Null);
            return self
                .send(json!({ "id": id, "type": "error", "payload": errors }))
                .await;
        }
        self.runs += 1;
        let run = self.runs;
        let request = request.data(actor).data(live);
        let responses = errors::execute_stream(&self.state.schema, request);
        let outbox = self.outbox.clone();
        let task_id = id.clone();
        let task = actix_web::rt::spawn(async move {
            operate(task_id, run, responses, outbox).await;
        });
        self.running.insert(id, Running { run, task });
        self.state.metrics.subscriptions_changed(1);
        Ok(())
    }

    /// Sends an operation's message if the operation is still the one the
    /// client knows under its id.
    async fn forward(&mut self, out: Outgoing) -> Result<(), CloseReason> {
        if self.running.get(&out.id).is_none_or(|r| r.run != out.run) {
            return Ok(());
        }
        if out.last {
            self.running.remove(&out.id);
            self.state.metrics.subscriptions_changed(-1);
        }
        self.session
            .text(out.text)
            .await
            .map_err(|_| CloseCode::Away.into())
    }

    async fn send(&mut self, message: Value) -> Result<(), CloseReason> {
        self.session
            .text(message.to_string())
            .await
            .map_err(|_| CloseCode::Away.into())
    }
}

/// Runs one operation, handing its messages to the connection: `next` for
/// each result, then `complete`; or a single `error` when the operation
/// could not run at all (a syntax or validation error, a refused argument).
async fn operate(
    id: String,
    run: u64,
    mut responses: futures_util::stream::BoxStream<'static, async_graphql::Response>,
    outbox: mpsc::Sender<Outgoing>,
) {
    let mut first = true;
    while let Some(response) = responses.next().await {
        let failed = response.data == async_graphql::Value::Null && !response.errors.is_empty();
        // Written straight to text: one serialisation per message, which
        // matters when a thousand subscribers are told the same thing.
        let (kind, payload, last) = if first && failed {
            ("error", serde_json::to_string(&response.errors), true)
        } else {
            ("next", serde_json::to_string(&response), false)
        };
        first = false;
        let payload = match payload {
            Ok(payload) => payload,
            Err(e) => {
                tracing::error!(error = %e, "a GraphQL response could not be serialised");
                let error = r#"{"message":"internal error","extensions":{"code":"INTERNAL"}}"#;
                if last {
                    format!("[{error}]")
                } else {
                    format!(r#"{{"errors":[{error}]}}"#)
                }
            }
        };
        let text = format!(
            r#"{{"id":{},"type":"{kind}","payload":{payload}}}"#,
            Value::String(id.clone())
        );
        let sent = outbox
            .send(Outgoing {
                id: id.clone(),
                run,
                text,
                last,
            })
            .await;
        if sent.is_err() || last {
            return;
        }
    }
    let _ = outbox
        .send(Outgoing {
            id: id.clone(),
            run,
            text: json!({ "id": id, "type": "complete" }).to_string(),
            last: true,
        })
        .await;
}

/// A message's operation id: a non-empty string of bounded length.
fn operation_id(message: &Value) -> Option<String> {
    message
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty() && id.chars().count() <= MAX_ID_CHARS)
        .map(str::to_owned)
}

/// The token of a `connection_init` payload: `authorization` (with or
/// without `Bearer `, any case of the key) or `token`.
fn presented_token(payload: &Value) -> Option<String> {
    let object = payload.as_object()?;
    for (key, value) in object {
        let Some(value) = value.as_str() else {
            continue;
        };
        let value = value.trim();
        if key.eq_ignore_ascii_case("authorization") {
            return Some(match value.split_once(' ') {
                Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
                    token.trim().to_owned()
                }
                _ => value.to_owned(),
            });
        }
        if key.eq_ignore_ascii_case("token") {
            return Some(value.to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_comes_from_authorization_or_token() {
        assert_eq!(
            presented_token(&json!({ "authorization": "Bearer rm_x" })).as_deref(),
            Some("rm_x")
        );
        assert_eq!(
            presented_token(&json!({ "Authorization": "bearer  rm_y " })).as_deref(),
            Some("rm_y")
        );
        assert_eq!(
            presented_token(&json!({ "token": "rm_z" })).as_deref(),
            Some("rm_z")
        );
        assert_eq!(presented_token(&json!({ "other": "rm_z" })), None);
        assert_eq!(presented_token(&json!("rm_z")), None);
    }

    #[test]
    fn operation_ids_are_bounded_non_empty_strings() {
        assert_eq!(operation_id(&json!({ "id": "1" })).as_deref(), Some("1"));
        assert_eq!(operation_id(&json!({ "id": "" })), None);
        assert_eq!(operation_id(&json!({ "id": 1 })), None);
        assert_eq!(operation_id(&json!({ "id": "x".repeat(129) })), None);
    }
}
