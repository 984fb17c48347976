//! How an entry's hash is made: SHA-256 over a JSON array of its fields in
//! a fixed order and the previous entry's hash. An array, not an object, so
//! the bytes hashed never depend on key order; the instant at microseconds,
//! as both databases store it.

use chrono::{DateTime, SecondsFormat, SubsecRound as _, Utc};
use entity::audit_entry;
use sha2::{Digest as _, Sha256};

/// The `prev_hash` of a chain's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry's hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub company_id: i64,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    pub actor_token_id: Option<i64>,
    pub action: String,
    pub subject_kind: Option<String>,
    pub subject_id: Option<i64>,
    pub details: String,
}

/// `at` as the database gives it back: whole microseconds.
pub fn stored_instant(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

impl Entry {
    /// Hex SHA-256 of this entry after `prev_hash`.
    pub fn hash(&self, prev_hash: &str) -> String {
        let content = serde_json::json!([
            self.company_id,
            self.seq,
            self.at.to_rfc3339_opts(SecondsFormat::Micros, true),
            self.actor_user_id,
            self.actor_token_id,
            self.action,
            self.subject_kind,
            self.subject_id,
            self.details,
            prev_hash,
        ]);
        hex::encode(Sha256::digest(content.to_string().as_bytes()))
    }
}

impl From<&audit_entry::Model> for Entry {
    fn from(row: &audit_entry::Model) -> Self {
        Self {
            company_id: row.company_id,
            seq: row.seq,
            at: row.at,
            actor_user_id: row.actor_user_id,
            actor_token_id: row.actor_token_id,
            action: row.action.clone(),
            subject_kind: row.subject_kind.clone(),
            subject_id: row.subject_id,
            details: row.details.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            company_id: 1,
            seq: 1,
            at: stored_instant(Utc::now()),
            actor_user_id: Some(7),
            actor_token_id: None,
            action: "email_template.updated".into(),
            subject_kind: Some("EmailTemplate".into()),
            subject_id: Some(3),
            details: "{}".into(),
        }
    }

    #[test]
    fn every_field_and_the_previous_hash_change_the_hash() {
        let base = entry();
        let hash = base.hash(GENESIS);
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, base.hash(GENESIS));
        let mut variants = Vec::new();
        let mut e = base.clone();
        e.seq = 2;
        variants.push(e);
        let mut e = base.clone();
        e.actor_user_id = Some(8);
        variants.push(e);
        let mut e = base.clone();
        e.actor_token_id = Some(7);
        variants.push(e);
        let mut e = base.clone();
        e.details = "{\"n\":1}".into();
        variants.push(e);
        let mut e = base.clone();
        e.at += chrono::Duration::microseconds(1);
        variants.push(e);
        for changed in variants {
            assert_ne!(changed.hash(GENESIS), hash, "{changed:?}");
        }
        assert_ne!(base.hash(&hash), hash);
    }
}
