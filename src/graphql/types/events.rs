//! An entry of the event log, as subscriptions and the `events` list show it.

use std::sync::Arc;

use async_graphql::{ID, Json, Object};
use chrono::{DateTime, Utc};

use crate::graphql::pagination::encode_cursor;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Something that happened: a message left, a candidate was created, a bulk
/// send progressed. It names its subject; read the subject through its own
/// query for what the event does not carry (names, addresses, bodies).
pub struct Event(pub Arc<crate::events::Event>);

#[Object]
impl Event {
    /// Where this event is in the log: pass it as `after` to go on from here
    /// (after a dropped connection, say) without missing or repeating one.
    async fn cursor(&self) -> String {
        encode_cursor(self.0.id)
    }
    /// `message.sent`, `candidate.created`, `email_batch.progressed` …
    #[graphql(name = "type")]
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The GraphQL type of the subject (`Message`, `Candidate` …).
    async fn subject_type(&self) -> &str {
        &self.0.subject
    }
    /// The subject's global ID, as `node(id:)` takes it.
    async fn subject_id(&self) -> ID {
        // The encoding of `Kind::id`, for any subject type.
        ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", self.0.subject, self.0.subject_id)))
    }
    /// 1, 2, 3 … per subject: a gap means an event of the subject was not
    /// seen, a smaller number that events arrived out of order.
    async fn sequence(&self) -> i64 {
        self.0.sequence
    }
    /// The event's thin payload: ids and states, never personal data.
    async fn data(&self) -> Json<serde_json::Value> {
        Json(self.0.data.clone())
    }
}
