//! The event log: one row per change that integrations (webhooks) and screens
//! (subscriptions) are told about.
//!
//! An event is appended in the transaction that makes its change, so it exists
//! exactly when the change does. Payloads are thin — type, time, ids, new
//! state — and never carry a candidate's name, address or mail: a consumer
//! reads those through GraphQL with its own rights.
//!
//! Event ids grow in commit order, so a consumer's cursor (the last id it
//! saw) never skips an event committed later with a smaller id. SQLite has
//! one writer at a time; on PostgreSQL, transactions that append take one
//! transaction-scoped advisory lock, which they hold until they commit.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, SecondsFormat, Utc};
use entity::event;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait as _, DatabaseBackend, DatabaseTransaction, DbErr,
    EntityTrait as _, QueryFilter as _, QuerySelect as _, Set,
};
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use crate::graphql::ids::Kind;

pub mod hub;
pub mod rights;
mod types;

pub use types::EventType;

/// The PostgreSQL channel that tells other instances an event was committed.
/// The notification carries nothing: the log is the truth.
pub const CHANNEL: &str = "recruitmail_events";

/// The advisory lock that orders event-appending transactions on PostgreSQL.
const APPEND_LOCK: i64 = 0x7265_6d61_696c_0001;

/// Rows per INSERT: nine columns each stays far under SQLite's parameter limit.
const INSERT_CHUNK: usize = 500;

/// An event to append.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub company_id: i64,
    pub event_type: EventType,
    pub subject: Kind,
    pub subject_id: i64,
    /// The subject was created in this transaction: its sequence starts at 1
    /// without looking up earlier events.
    pub subject_is_new: bool,
    data: Map<String, Value>,
}

impl NewEvent {
    /// An event about `subject_id`, whose global id is the payload's `id`.
    pub fn new(company_id: i64, event_type: EventType, subject: Kind, subject_id: i64) -> Self {
        let mut data = Map::new();
        data.insert("id".into(), Value::String(subject.id(subject_id).0));
        Self {
            company_id,
            event_type,
            subject,
            subject_id,
            subject_is_new: false,
            data,
        }
    }

    /// Marks the subject as created by this transaction.
    pub fn first(mut self) -> Self {
        self.subject_is_new = true;
        self
    }

    /// Adds the global id of a related object, under `field` (`candidateId` …).
    pub fn with_id(mut self, field: &str, kind: Kind, id: Option<i64>) -> Self {
        if let Some(id) = id {
            self.data.insert(field.into(), Value::String(kind.id(id).0));
        }
        self
    }

    /// Adds a state, a count or another value that is not personal data.
    pub fn with(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.data.insert(field.into(), value.into());
        self
    }
}

/// A stored event, as consumers receive it.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: i64,
    pub company_id: i64,
    pub event_type: String,
    pub subject: String,
    pub subject_id: i64,
    pub sequence: i64,
    pub occurred_at: DateTime<Utc>,
    pub data: Value,
}

impl Event {
    /// The JSON body webhooks carry (the Standard Webhooks payload shape:
    /// `type`, `timestamp`, `data`), with the subject's sequence in `data`.
    pub fn payload(&self) -> Value {
        let mut data = match &self.data {
            Value::Object(map) => map.clone(),
            _ => Map::new(),
        };
        data.insert("sequence".into(), json!(self.sequence));
        json!({
            "type": self.event_type,
            "timestamp": self.occurred_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            "data": data,
        })
    }
}

impl From<event::Model> for Event {
    fn from(row: event::Model) -> Self {
        Self {
            id: row.id,
            company_id: row.company_id,
            event_type: row.event_type,
            subject: row.subject_type,
            subject_id: row.subject_id,
            sequence: row.sequence,
            occurred_at: row.occurred_at,
            data: serde_json::from_str(&row.data).unwrap_or(Value::Null),
        }
    }
}

/// Appends events in the caller's write transaction, numbering each within
/// its subject.
pub async fn append(
    txn: &DatabaseTransaction,
    events: Vec<NewEvent>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    let postgres = txn.get_database_backend() == DatabaseBackend::Postgres;
    if postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({APPEND_LOCK})"))
            .await?;
    }
    let mut last = last_sequences(txn, &events).await?;
    let rows: Vec<event::ActiveModel> = events
        .into_iter()
        .map(|e| {
            let counter = last.entry((e.subject, e.subject_id)).or_insert(0);
            *counter += 1;
            event::ActiveModel {
                company_id: Set(e.company_id),
                event_type: Set(e.event_type.name().to_owned()),
                subject_type: Set(e.subject.name().to_owned()),
                subject_id: Set(e.subject_id),
                sequence: Set(*counter),
                occurred_at: Set(now),
                data: Set(Value::Object(e.data).to_string()),
                ..Default::default()
            }
        })
        .collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        event::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    if postgres {
        // Delivered by the server when, and only if, the transaction commits.
        txn.execute_unprepared(&format!("NOTIFY {CHANNEL}")).await?;
    }
    Ok(())
}

/// The last sequence number of each subject that was not created in this
/// transaction.
async fn last_sequences(
    txn: &DatabaseTransaction,
    events: &[NewEvent],
) -> Result<HashMap<(Kind, i64), i64>, DbErr> {
    let mut wanted: HashMap<Kind, Vec<i64>> = HashMap::new();
    for e in events.iter().filter(|e| !e.subject_is_new) {
        let ids = wanted.entry(e.subject).or_default();
        if !ids.contains(&e.subject_id) {
            ids.push(e.subject_id);
        }
    }
    let mut last = HashMap::new();
    for (kind, ids) in wanted {
        for chunk in ids.chunks(INSERT_CHUNK) {
            let found: Vec<(i64, Option<i64>)> = event::Entity::find()
                .select_only()
                .column(event::Column::SubjectId)
                .column_as(event::Column::Sequence.max(), "last")
                .filter(event::Column::SubjectType.eq(kind.name()))
                .filter(event::Column::SubjectId.is_in(chunk.to_vec()))
                .group_by(event::Column::SubjectId)
                .into_tuple()
                .all(txn)
                .await?;
            last.extend(
                found
                    .into_iter()
                    .map(|(id, seq)| ((kind, id), seq.unwrap_or(0))),
            );
        }
    }
    Ok(last)
}

/// Counts committed write transactions in this process, so that readers of
/// the log wake when there may be something new instead of polling.
static COMMITS: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::Sender::new(0));

/// Called after every committed write transaction (see `db::write_transaction!`).
pub fn committed() {
    COMMITS.send_modify(|n| *n = n.wrapping_add(1));
}

/// Wakes after each write transaction committed in this process.
pub fn commits() -> watch::Receiver<u64> {
    COMMITS.subscribe()
}
