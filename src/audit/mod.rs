//! The audit trail: who sent what and who changed which setting, written in
//! the same transaction as the change, as one hash chain per company.
//!
//! Each entry carries the SHA-256 of the entry before it and its own over
//! its content and that hash ([`chain`]), so a changed, inserted or removed
//! entry breaks every hash after it; `recruitmail audit verify` walks the
//! chains and names the first broken entry. The table itself refuses UPDATE
//! and DELETE (triggers on both backends). What the chain cannot show is
//! entries cut off at the end; a copy of a recent entry's hash kept
//! elsewhere (a ticket, a log) pins the trail up to it.
//!
//! Entries hold IDs, counts and settings' values, never candidates' names
//! or addresses, and secrets only masked ([`mask`]): the trail survives a
//! candidate's erasure and can be kept for years.

pub mod chain;
pub mod verify;

use chrono::{DateTime, Utc};
use entity::audit_entry;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseBackend, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _, Set, Statement,
};
use serde_json::Value;

use crate::access::Actor;
use crate::error::ApiResult;

/// One change to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// `<subject>.<verb>`, e.g. `email_template.updated`.
    pub action: &'static str,
    /// The record's GraphQL type (`EmailTemplate`) and row, when there is one.
    pub subject: Option<(&'static str, i64)>,
    /// IDs, counts, before/after values: a JSON object.
    pub details: Value,
}

impl Change {
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            subject: None,
            details: Value::Object(Default::default()),
        }
    }

    pub fn on(mut self, kind: &'static str, id: i64) -> Self {
        self.subject = Some((kind, id));
        self
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        if let Value::Object(map) = &mut self.details {
            map.insert(key.to_owned(), value.into());
        }
        self
    }

    /// Records `before` and `after` of a setting; equal keys are left out
    /// so the entry says what changed.
    pub fn before_after(self, before: Value, after: Value) -> Self {
        let (before, after) = changed_only(before, after);
        self.with("before", before).with("after", after)
    }
}

/// Keeps only the keys of two objects whose values differ.
fn changed_only(before: Value, after: Value) -> (Value, Value) {
    match (before, after) {
        (Value::Object(mut b), Value::Object(mut a)) => {
            let same: Vec<String> = b
                .iter()
                .filter(|(key, value)| a.get(*key) == Some(value))
                .map(|(key, _)| key.clone())
                .collect();
            for key in same {
                b.remove(&key);
                a.remove(&key);
            }
            (Value::Object(b), Value::Object(a))
        }
        (before, after) => (before, after),
    }
}

/// How a secret appears in the trail: whether it is set, never its value.
pub fn mask(secret: Option<&str>) -> Value {
    match secret {
        Some(s) if !s.is_empty() => Value::from("••••••"),
        _ => Value::Null,
    }
}

/// The advisory-lock key space of the chains, with the company ID in the
/// low bits (see also `scheduling::locks`).
const CHAIN_LOCKS: i64 = 0x6175_6469_0000_0000;

/// Appends `change` to the company's chain in the caller's write
/// transaction: it is in the trail exactly when the change is stored.
/// `actor` is `None` for the server's own jobs.
pub async fn record(
    txn: &impl ConnectionTrait,
    company_id: i64,
    actor: Option<&Actor>,
    change: Change,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    // One writer per chain: on PostgreSQL a lock per company until the
    // transaction ends; SQLite's write transaction holds the only lock.
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [(CHAIN_LOCKS | (company_id & 0xffff_ffff)).into()],
        ))
        .await?;
    }
    let last: Option<(i64, String)> = audit_entry::Entity::find()
        .select_only()
        .column(audit_entry::Column::Seq)
        .column(audit_entry::Column::Hash)
        .filter(audit_entry::Column::CompanyId.eq(company_id))
        .order_by_desc(audit_entry::Column::Seq)
        .limit(1)
        .into_tuple()
        .one(txn)
        .await?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, chain::GENESIS.to_owned()),
    };
    let entry = chain::Entry {
        company_id,
        seq,
        at: chain::stored_instant(now),
        actor_user_id: actor.map(|a| a.user_id),
        actor_token_id: actor.and_then(|a| a.token_id),
        action: change.action.to_owned(),
        subject_kind: change.subject.map(|(kind, _)| kind.to_owned()),
        subject_id: change.subject.map(|(_, id)| id),
        details: change.details.to_string(),
    };
    let hash = entry.hash(&prev_hash);
    audit_entry::ActiveModel {
        company_id: Set(entry.company_id),
        seq: Set(entry.seq),
        at: Set(entry.at),
        actor_user_id: Set(entry.actor_user_id),
        actor_token_id: Set(entry.actor_token_id),
        action: Set(entry.action),
        subject_kind: Set(entry.subject_kind),
        subject_id: Set(entry.subject_id),
        details: Set(entry.details),
        prev_hash: Set(prev_hash),
        hash: Set(hash),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Records that `actor` changed a setting of `subject`: the keys of
/// `before` and `after` that differ, now.
pub async fn setting_changed(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    action: &'static str,
    subject: (&'static str, i64),
    before: Value,
    after: Value,
) -> ApiResult<()> {
    let change = Change::new(action)
        .on(subject.0, subject.1)
        .before_after(before, after);
    record(txn, actor.company_id, Some(actor), change, Utc::now()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn before_and_after_keep_only_what_changed() {
        let change = Change::new("smtp_settings.updated").before_after(
            json!({ "host": "a", "port": 587, "password": mask(Some("x")) }),
            json!({ "host": "b", "port": 587, "password": mask(Some("y")) }),
        );
        assert_eq!(
            change.details,
            json!({ "before": { "host": "a" }, "after": { "host": "b" } })
        );
    }

    #[test]
    fn a_secret_shows_only_whether_it_is_set() {
        assert_eq!(mask(Some("hunter2")), json!("••••••"));
        assert_eq!(mask(Some("")), Value::Null);
        assert_eq!(mask(None), Value::Null);
    }
}
