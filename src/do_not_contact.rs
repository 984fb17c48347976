//! Do-not-contact: addresses a company must not write to.
//!
//! An address lands on the list when its owner asks for erasure (GDPR
//! Art. 17), reports our mail as spam (an ARF feedback report, RFC 5965),
//! asks through their privacy page, or a user puts it there. The list must
//! outlive the candidate it came from — an erasure is exactly when it is
//! needed — yet must not keep the erased address readable, so an address is
//! stored only as its HMAC-SHA-256 (RFC 2104) under a key derived from the
//! server's secret key with HKDF (RFC 5869). Without the server's key the
//! table cannot be turned back into addresses, nor checked against a list of
//! guesses; with it, an address in hand is found at once. Hence no listing,
//! only a lookup by address.
//!
//! What is refused: every message to the candidate's own address, except
//! those tied to an application the person made after the entry — applying
//! again is asking to hear back about that application, and nothing else.
//! A single send is refused with `DO_NOT_CONTACT`; a bulk send leaves the
//! candidate out (`EmailBatch.skipped`); an interview invitation is refused;
//! its cancellation still goes, since it only releases an appointment the
//! person holds; a reminder is not sent; an automatic acknowledgement of a
//! new application is that application's mail, so it goes. Copies for
//! colleagues (participants' notices) are not addressed to the candidate and
//! are not affected.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Utc};
use entity::do_not_contact;
use entity::enums::DoNotContactReason;
use entity::{application, candidate, message};
use ring::hmac;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait as _,
    ModelTrait as _, QueryFilter as _, QuerySelect as _, Set,
};

use crate::access::Actor;
use crate::audit::{self, Change};
use crate::domain::EmailAddress;
use crate::error::{ApiError, ApiResult};
use crate::mail::message_state;
use crate::settings::SecretKey;

/// HKDF's `info`: names this key's one use, and its version.
const KEY_PURPOSE: &[u8] = b"recruitmail do-not-contact addresses v1";
/// Hex characters of a hash the audit trail keeps: enough to tell entries
/// apart in the trail, far too few to test guesses of an address against.
const AUDIT_PREFIX_CHARS: usize = 8;
/// Addresses looked up per statement.
const LOOKUP_CHUNK: usize = 1000;

/// Turns addresses into the hashes the list stores.
pub struct AddressKey(hmac::Key);

impl fmt::Debug for AddressKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AddressKey(..)")
    }
}

impl AddressKey {
    pub fn new(key: &SecretKey) -> Self {
        Self(key.derive(KEY_PURPOSE))
    }

    /// The stored form of `address`: hex HMAC-SHA-256 of the address
    /// lower-cased and trimmed, so `Ann@Example.org ` and `ann@example.org`
    /// are one entry.
    pub fn hash(&self, address: &str) -> String {
        let normalised = address.trim().to_lowercase();
        hex::encode(hmac::sign(&self.0, normalised.as_bytes()).as_ref())
    }
}

/// Why a message was refused: the address is on the list for `reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub reason: DoNotContactReason,
}

impl Refusal {
    /// The reason as the API names it (`extensions.reason`).
    pub fn reason_name(self) -> &'static str {
        match self.reason {
            DoNotContactReason::Erasure => "ERASURE",
            DoNotContactReason::Complaint => "COMPLAINT",
            DoNotContactReason::CandidateRequest => "CANDIDATE_REQUEST",
            DoNotContactReason::Recruiter => "RECRUITER",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.reason {
            DoNotContactReason::Erasure => "asked for their data to be erased",
            DoNotContactReason::Complaint => "reported our mail as spam",
            DoNotContactReason::CandidateRequest => "asked not to be contacted",
            DoNotContactReason::Recruiter => "was put on the list by a colleague",
        };
        write!(
            f,
            "the candidate's address is on the do-not-contact list: they {why}; \
             only mail about an application they make afterwards can be sent"
        )
    }
}

/// Whether `entry` lets a message tied to `application` through: only
/// one the person made after the entry was added.
pub fn lifted_for(entry: &do_not_contact::Model, application: Option<&application::Model>) -> bool {
    application.is_some_and(|a| a.created_at > entry.created_at)
}

/// The entry of `address` in the company's list, if any.
pub async fn find(
    db: &impl ConnectionTrait,
    key: &SecretKey,
    company_id: i64,
    address: &str,
) -> ApiResult<Option<do_not_contact::Model>> {
    let hash = AddressKey::new(key).hash(address);
    Ok(do_not_contact::Entity::find()
        .filter(do_not_contact::Column::CompanyId.eq(company_id))
        .filter(do_not_contact::Column::AddressHash.eq(hash))
        .one(db)
        .await?)
}

/// Why a message to `address` tied to `application` may not go: the
/// address is on the list and no later application lifts it.
pub async fn refusal(
    db: &impl ConnectionTrait,
    key: &SecretKey,
    company_id: i64,
    address: &str,
    application: Option<&application::Model>,
) -> ApiResult<Option<Refusal>> {
    Ok(find(db, key, company_id, address)
        .await?
        .filter(|entry| !lifted_for(entry, application))
        .map(|entry| Refusal {
            reason: entry.reason,
        }))
}

/// [`refusal`] as the error of the operation that would send the message.
pub async fn check(
    db: &impl ConnectionTrait,
    key: &SecretKey,
    company_id: i64,
    address: &str,
    application: Option<&application::Model>,
) -> ApiResult<()> {
    match refusal(db, key, company_id, address, application).await? {
        Some(refused) => Err(ApiError::DoNotContact(refused)),
        None => Ok(()),
    }
}

/// The entries of the candidates' addresses, by candidate ID, in a
/// statement per thousand candidates.
pub async fn of_candidates<'a>(
    db: &impl ConnectionTrait,
    key: &SecretKey,
    company_id: i64,
    candidates: impl IntoIterator<Item = &'a candidate::Model>,
) -> ApiResult<HashMap<i64, do_not_contact::Model>> {
    let key = AddressKey::new(key);
    let hashed: Vec<(i64, String)> = candidates
        .into_iter()
        .map(|c| (c.id, key.hash(&c.email)))
        .collect();
    let mut by_hash: HashMap<String, do_not_contact::Model> = HashMap::new();
    for chunk in hashed.chunks(LOOKUP_CHUNK) {
        let rows = do_not_contact::Entity::find()
            .filter(do_not_contact::Column::CompanyId.eq(company_id))
            .filter(do_not_contact::Column::AddressHash.is_in(chunk.iter().map(|(_, h)| h.clone())))
            .all(db)
            .await?;
        by_hash.extend(rows.into_iter().map(|r| (r.address_hash.clone(), r)));
    }
    Ok(hashed
        .into_iter()
        .filter_map(|(id, hash)| by_hash.get(&hash).map(|e| (id, e.clone())))
        .collect())
}

/// Puts `address` on the company's list in the caller's transaction, and
/// returns its entry with whether it is new. An address already there keeps
/// its first entry: when and why it was first added is what the person is
/// owed an account of. A new entry cancels the messages to the address's
/// candidate that have not started to leave: the list is about what they
/// receive from now on, not about what is sent after now.
pub async fn add(
    txn: &DatabaseTransaction,
    key: &SecretKey,
    company_id: i64,
    address: &str,
    reason: DoNotContactReason,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
) -> ApiResult<(do_not_contact::Model, bool)> {
    let hash = AddressKey::new(key).hash(address);
    let inserted = do_not_contact::Entity::insert(do_not_contact::ActiveModel {
        company_id: Set(company_id),
        address_hash: Set(hash.clone()),
        reason: Set(reason),
        created_by_id: Set(actor.map(|a| a.user_id)),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            do_not_contact::Column::CompanyId,
            do_not_contact::Column::AddressHash,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    if inserted > 0 {
        cancel_waiting(txn, company_id, address, now).await?;
    }
    let entry = do_not_contact::Entity::find()
        .filter(do_not_contact::Column::CompanyId.eq(company_id))
        .filter(do_not_contact::Column::AddressHash.eq(hash))
        .one(txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the do-not-contact entry just written is missing"))?;
    Ok((entry, inserted > 0))
}

/// Cancels the waiting messages to the candidate with `address` (their own,
/// not their colleagues' copies).
async fn cancel_waiting(
    txn: &DatabaseTransaction,
    company_id: i64,
    address: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    // Candidates' addresses are stored lower-cased.
    let ids: Vec<i64> = candidate::Entity::find()
        .select_only()
        .column(candidate::Column::Id)
        .filter(candidate::Column::CompanyId.eq(company_id))
        .filter(candidate::Column::Email.eq(address.trim().to_lowercase()))
        .into_tuple()
        .all(txn)
        .await?;
    if ids.is_empty() {
        return Ok(());
    }
    let which = Condition::all()
        .add(message::Column::CompanyId.eq(company_id))
        .add(message::Column::CandidateId.is_in(ids))
        .add(message::Column::ParticipantUserId.is_null());
    message_state::change_waiting(txn, which, message_state::Change::Cancel, now).await?;
    Ok(())
}

/// Adds an address for a user of the company, recorded in the audit trail
/// by its entry and hash prefix only (never the address).
pub async fn add_by_user(
    db: &impl crate::db::Writable,
    actor: &Actor,
    key: &SecretKey,
    address: &EmailAddress,
    reason: DoNotContactReason,
    now: DateTime<Utc>,
) -> ApiResult<do_not_contact::Model> {
    crate::db::write_transaction!(db, |txn| {
        let (entry, new) = add(
            txn,
            key,
            actor.company_id,
            address.as_str(),
            reason,
            Some(actor),
            now,
        )
        .await?;
        if new {
            audit::record(
                txn,
                actor.company_id,
                Some(actor),
                audited("do_not_contact.added", &entry),
                now,
            )
            .await?;
        }
        Ok(entry)
    })
}

/// Takes an address off the company's list for a user of the company;
/// NOT_FOUND when it is not on it.
pub async fn remove_by_user(
    db: &impl crate::db::Writable,
    actor: &Actor,
    key: &SecretKey,
    address: &EmailAddress,
    now: DateTime<Utc>,
) -> ApiResult<do_not_contact::Model> {
    crate::db::write_transaction!(db, |txn| {
        let entry = find(txn, key, actor.company_id, address.as_str())
            .await?
            .ok_or(ApiError::NotFound("do-not-contact entry"))?;
        entry.clone().delete(txn).await?;
        audit::record(
            txn,
            actor.company_id,
            Some(actor),
            audited("do_not_contact.removed", &entry),
            now,
        )
        .await?;
        Ok(entry)
    })
}

/// An audit entry naming the entry, its reason and a prefix of its hash.
fn audited(action: &'static str, entry: &do_not_contact::Model) -> Change {
    let prefix: String = entry
        .address_hash
        .chars()
        .take(AUDIT_PREFIX_CHARS)
        .collect();
    Change::new(action)
        .on("DoNotContact", entry.id)
        .with(
            "reason",
            Refusal {
                reason: entry.reason,
            }
            .reason_name(),
        )
        .with("hashPrefix", prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_hashes_alike_in_any_case_and_spacing_and_only_under_its_key() {
        let key = AddressKey::new(&SecretKey([1; 32]));
        let hash = key.hash("ann@example.org");
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, key.hash("  Ann@EXAMPLE.org\n"));
        assert_ne!(hash, key.hash("bob@example.org"));
        assert_ne!(
            hash,
            AddressKey::new(&SecretKey([2; 32])).hash("ann@example.org")
        );
        // Not the plain HMAC under the server's key itself.
        let plain = hmac::Key::new(hmac::HMAC_SHA256, &[1; 32]);
        assert_ne!(
            hash,
            hex::encode(hmac::sign(&plain, b"ann@example.org").as_ref())
        );
    }

    #[test]
    fn only_a_later_application_lifts_an_entry() {
        let at = |s| DateTime::from_timestamp(s, 0).unwrap();
        let entry = do_not_contact::Model {
            id: 1,
            company_id: 1,
            address_hash: String::new(),
            reason: DoNotContactReason::Recruiter,
            created_by_id: None,
            created_at: at(100),
        };
        let application = |created| application::Model {
            id: 1,
            company_id: 1,
            candidate_id: 1,
            position_id: 1,
            source: entity::enums::ApplicationSource::Email,
            status: entity::enums::ApplicationStatus::New,
            created_at: at(created),
            updated_at: at(created),
            closed_at: None,
        };
        assert!(!lifted_for(&entry, None));
        assert!(!lifted_for(&entry, Some(&application(50))));
        assert!(!lifted_for(&entry, Some(&application(100))));
        assert!(lifted_for(&entry, Some(&application(101))));
    }
}
