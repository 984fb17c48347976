//! Erasing a candidate: their personal data goes from everywhere
//! recruitmail keeps it (GDPR Art. 17, the right to erasure).
//!
//! One call, [`erase`], serves both callers: `eraseCandidate` (and
//! `deleteCandidate`, which is erasure with [`Mode::Delete`]) for recruiting
//! admins, and the retention job with no actor. It takes an [`Erasure`]
//! (company, actor, candidate, [`Mode`], [`Precondition`], time) and answers
//! with a [`Receipt`] counting what it removed, by [`Removed`] kind.
//!
//! - [`Mode::Anonymise`] keeps the candidate's row and every row the
//!   company's statistics count (applications, messages, interviews), with
//!   every text that may identify the candidate blanked, and sets
//!   `erased_at`. Anonymising an anonymised candidate is a `CONFLICT`: the
//!   receipt of the first erasure told what was removed, and nothing is
//!   left to remove (deleting them is still possible).
//! - [`Mode::Delete`] removes the rows.
//!
//! Both remove the candidate's documents and the files only they used, the
//! outbox's `.eml` files of their messages, and reduce the event log's and
//! webhook deliveries' records about them to ids.
//!
//! Order of work, and why:
//! 1. In one write transaction: the candidate's row is locked first
//!    (PostgreSQL `SELECT … FOR UPDATE`; SQLite holds the write lock from
//!    `BEGIN IMMEDIATE`), then the [`Precondition`] is checked, then the
//!    messages are locked; one being sent makes the erasure a `CONFLICT`
//!    (its delivery finishes or fails first), waiting ones are cancelled.
//!    Everything in the database changes in this transaction, with the
//!    `candidate.erased` event and the audit entry (ids and counts only).
//! 2. After the commit: the files no document uses any more are deleted
//!    ([`crate::blobs::references::sweep`], which also finishes earlier
//!    sweeps that failed), then the outbox files. On SQLite the WAL is
//!    checkpointed and truncated, so the erased bytes do not linger in it
//!    (with `secure_delete` on, freed pages are zeroed too); the retention
//!    run does this once per batch of candidates instead of once each.

mod documents;
mod event_log;
mod interviews;
mod messages;
mod outbox_files;
mod precondition;
pub mod redaction;

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, SubsecRound as _, Utc};
use entity::candidate;
use entity::enums::{DoNotContactReason, Gender};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait as _, DatabaseBackend,
    DatabaseConnection, EntityTrait as _, IntoActiveModel as _, QueryFilter as _, QuerySelect as _,
    Set,
};
use serde_json::{Map, Value};

pub use precondition::Precondition;

use crate::access::Actor;
use crate::audit::{self, Change};
use crate::blobs::BlobStore;
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventType, NewEvent};
use crate::graphql::ids::Kind;
use crate::settings::SecretKey;

/// What happens to the candidate's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Keep the rows statistics count, without anything personal.
    Anonymise,
    /// Remove the rows.
    Delete,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Anonymise => "ANONYMISE",
            Mode::Delete => "DELETE",
        }
    }
}

/// What an erasure removed, counted in its [`Receipt`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Removed {
    /// The candidate's row (deleted) or its personal fields (anonymised).
    Candidate,
    /// Applications deleted (anonymising keeps them).
    Application,
    /// The candidate's messages, participants' copies about their
    /// interviews, and their unassigned received mail.
    Message,
    /// Bulk summary copies the candidate's names and address were taken out of.
    SummaryCopy,
    /// Waiting messages cancelled before they left.
    CancelledMessage,
    Document,
    /// File contents deleted from the blob store (shared ones stay).
    File,
    /// `.eml` files deleted from the outbox folder.
    OutboxFile,
    Interview,
    Invitation,
    SchedulingLink,
    /// Event log entries reduced to ids.
    Event,
    /// Webhook deliveries reduced to ids, with their attempts' errors.
    WebhookPayload,
    /// Data exports of the candidate, with their archives.
    Export,
}

impl Removed {
    pub const ALL: [Removed; 14] = [
        Removed::Candidate,
        Removed::Application,
        Removed::Message,
        Removed::SummaryCopy,
        Removed::CancelledMessage,
        Removed::Document,
        Removed::File,
        Removed::OutboxFile,
        Removed::Interview,
        Removed::Invitation,
        Removed::SchedulingLink,
        Removed::Event,
        Removed::WebhookPayload,
        Removed::Export,
    ];

    /// The name in receipts and audit entries.
    pub fn name(self) -> &'static str {
        match self {
            Removed::Candidate => "CANDIDATE",
            Removed::Application => "APPLICATION",
            Removed::Message => "MESSAGE",
            Removed::SummaryCopy => "SUMMARY_COPY",
            Removed::CancelledMessage => "CANCELLED_MESSAGE",
            Removed::Document => "DOCUMENT",
            Removed::File => "FILE",
            Removed::OutboxFile => "OUTBOX_FILE",
            Removed::Interview => "INTERVIEW",
            Removed::Invitation => "INVITATION",
            Removed::SchedulingLink => "SCHEDULING_LINK",
            Removed::Event => "EVENT",
            Removed::WebhookPayload => "WEBHOOK_PAYLOAD",
            Removed::Export => "EXPORT",
        }
    }
}

/// One erasure to run.
#[derive(Clone, Copy, Debug)]
pub struct Erasure<'a> {
    pub company_id: i64,
    /// The admin who asked; `None` for the retention job.
    pub actor: Option<&'a Actor>,
    pub candidate_id: i64,
    pub mode: Mode,
    pub precondition: Precondition,
    /// With the server's secret key: the address also goes on the
    /// company's do-not-contact list (reason ERASURE), as a person's
    /// request to be erased implies (it is kept there only as a keyed
    /// hash). `None` for erasures nobody asked for, such as retention's.
    pub do_not_contact: Option<&'a SecretKey>,
    pub now: DateTime<Utc>,
}

/// What an erasure did: every [`Removed`] kind with its count, in
/// [`Removed::ALL`]'s order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub candidate_id: i64,
    pub mode: Mode,
    pub erased_at: DateTime<Utc>,
    pub removed: Vec<(Removed, u64)>,
}

impl Receipt {
    /// The count of one kind.
    pub fn count(&self, kind: Removed) -> u64 {
        self.removed
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    }

    fn add(&mut self, kind: Removed, n: u64) {
        if let Some((_, count)) = self.removed.iter_mut().find(|(k, _)| *k == kind) {
            *count += n;
        }
    }

    /// The counts of the database's part as a JSON object, for the audit
    /// trail, which is written before files are deleted.
    fn counts(&self) -> Value {
        let map: Map<String, Value> = self
            .removed
            .iter()
            .filter(|(k, _)| !matches!(k, Removed::File | Removed::OutboxFile))
            .map(|(k, n)| (k.name().to_owned(), Value::from(*n)))
            .collect();
        Value::Object(map)
    }
}

/// The address an anonymised candidate and their messages carry: unique
/// per candidate (addresses are unique within a company) and undeliverable
/// by design (`.invalid`, RFC 2606 §2).
pub fn erased_address(candidate_id: i64) -> String {
    format!("erased-{candidate_id}@erased.invalid")
}

/// Erases a candidate (see the module's documentation). `NOT_FOUND` for a
/// candidate of another company, one the actor does not see, or one
/// deleted already; `CONFLICT` while a message to them is being sent, for
/// an anonymised candidate anonymised again, or when the precondition
/// refuses.
pub async fn erase(
    db: &DatabaseConnection,
    blobs: &BlobStore,
    outbox_dir: &Path,
    erasure: Erasure<'_>,
) -> ApiResult<Receipt> {
    let receipt = erase_leaving_wal(db, blobs, outbox_dir, erasure).await;
    checkpoint_wal(db).await;
    receipt
}

/// [`erase`] without the WAL checkpoint, for callers that erase many
/// candidates in a row and call [`checkpoint_wal`] once after them (the
/// retention run, per batch): a checkpoint copies and truncates the whole
/// WAL, which costs more than the erasure itself.
pub async fn erase_leaving_wal(
    db: &DatabaseConnection,
    blobs: &BlobStore,
    outbox_dir: &Path,
    erasure: Erasure<'_>,
) -> ApiResult<Receipt> {
    // As stored: PostgreSQL keeps microseconds, and the receipt's time is
    // the one `erasedAt` shows.
    let erasure = Erasure {
        now: erasure.now.trunc_subsecs(6),
        ..erasure
    };
    let (mut receipt, doomed_files, outbox_ids) =
        crate::db::write_transaction!(db, |txn| { in_transaction(txn, blobs, &erasure).await })?;
    // The erasure has committed: what follows cannot undo it, so a failure
    // is logged and shows in the receipt's counts rather than hiding them.
    if let Err(error) = crate::blobs::references::sweep(db, blobs).await {
        tracing::error!(%error, "the files of an erasure could not be swept yet");
    }
    let still_there = crate::blobs::references::remaining(db, &doomed_files)
        .await
        .unwrap_or(doomed_files.len());
    receipt.add(
        Removed::File,
        (doomed_files.len() - still_there.min(doomed_files.len())) as u64,
    );
    let (deleted, failed) = outbox_files::delete(outbox_dir, &outbox_ids).await;
    receipt.add(Removed::OutboxFile, deleted);
    if failed > 0 || still_there > 0 {
        tracing::error!(
            candidate_id = erasure.candidate_id,
            outbox_failures = failed,
            files_left = still_there,
            "an erasure could not delete every file yet; the next sweep retries the blob store"
        );
    }
    Ok(receipt)
}

/// On SQLite, copies the WAL back into the database file and truncates it:
/// until then the WAL still holds pages as they were before an erasure.
/// Nothing to do on PostgreSQL.
pub async fn checkpoint_wal(db: &DatabaseConnection) {
    if db.get_database_backend() == DatabaseBackend::Sqlite
        && let Err(error) = db
            .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
    {
        tracing::warn!(%error, "the WAL could not be checkpointed after an erasure");
    }
}

/// The database part of [`erase`]: the receipt so far, the blob keys whose
/// last reference went, and the messages whose outbox files are to go.
async fn in_transaction(
    txn: &sea_orm::DatabaseTransaction,
    blobs: &BlobStore,
    erasure: &Erasure<'_>,
) -> ApiResult<(Receipt, Vec<String>, HashSet<i64>)> {
    let Erasure {
        company_id,
        actor,
        candidate_id,
        mode,
        precondition,
        do_not_contact,
        now,
    } = *erasure;
    let query = match actor {
        Some(actor) => crate::candidates::visible(actor),
        None => candidate::Entity::find().filter(candidate::Column::CompanyId.eq(company_id)),
    };
    let row = query
        .filter(candidate::Column::Id.eq(candidate_id))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(ApiError::NotFound("candidate"))?;
    if mode == Mode::Anonymise && row.erased_at.is_some() {
        return Err(ApiError::conflict(
            "this candidate is anonymised already; erase with DELETE to remove the record",
        ));
    }
    precondition.check(txn, &row).await?;

    let mut receipt = Receipt {
        candidate_id,
        mode,
        erased_at: now,
        removed: Removed::ALL.iter().map(|k| (*k, 0)).collect(),
    };
    // Exports hold copies of everything below. Their archives go first,
    // inside the transaction: should it fail, the rows stay and the next
    // erasure deletes them, but no archive outlives its row.
    let exports = crate::candidate_export::delete_for_candidate(txn, blobs, row.id).await?;
    receipt.add(Removed::Export, exports);
    let linked = interviews::reach(txn, row.id).await?;
    let reached =
        messages::reach(txn, row.company_id, row.id, &row.email, &linked.interviews).await?;
    let own_ids = reached.own_ids();
    let copy_ids = reached.copy_ids();
    let outbox_ids: HashSet<i64> = own_ids.iter().chain(&copy_ids).copied().collect();
    let mut new_events = Vec::new();

    // Documents first: sent messages' attachment links must go before the
    // documents (`RESTRICT`).
    let documents = documents::reach(txn, row.company_id, row.id, &own_ids).await?;
    documents::delete(txn, &documents, now).await?;
    let keys: Vec<String> = documents.iter().map(|d| d.blob_key.clone()).collect();
    let doomed_files = crate::blobs::references::unreferenced(txn, &keys).await?;

    let words = redaction::identifiers(&row.first_name, &row.last_name, &row.email);
    messages::redact_copies(txn, &reached.copies, &words).await?;
    let document_ids: Vec<i64> = documents.iter().map(|d| d.id).collect();
    let scrubbed = event_log::scrub(
        txn,
        row.company_id,
        &[
            (Kind::Candidate, &[row.id]),
            (Kind::Application, &linked.applications),
            (Kind::Interview, &linked.interviews),
            (Kind::Message, &own_ids),
            (Kind::Message, &copy_ids),
            (Kind::Document, &document_ids),
        ],
    )
    .await?;

    match mode {
        Mode::Anonymise => {
            let cancelled = messages::cancel_waiting(txn, &reached.own, &mut new_events).await?;
            receipt.add(Removed::CancelledMessage, cancelled);
            let address = erased_address(row.id);
            messages::anonymise(txn, &own_ids, &address).await?;
            interviews::anonymise(txn, &linked, now).await?;
            let mut active = row.clone().into_active_model();
            active.first_name = Set("Erased".to_owned());
            active.last_name = Set("Candidate".to_owned());
            active.email = Set(address);
            active.gender = Set(Gender::Unknown);
            active.preferred_language = Set(None);
            active.phone = Set(None);
            active.erased_at = Set(Some(now));
            active.updated_at = Set(now);
            active.update(txn).await?;
        }
        Mode::Delete => {
            // Participants' copies and unassigned mail hang on no
            // candidate: they go explicitly, before the interviews'
            // deletion would only unlink the copies.
            messages::delete(txn, &own_ids).await?;
            candidate::Entity::delete_by_id(row.id)
                .exec(txn)
                .await
                .map_err(|e| ApiError::from_write(e, "this candidate"))?;
            receipt.add(Removed::Application, linked.applications.len() as u64);
            new_events.push(NewEvent::new(
                row.company_id,
                EventType::CandidateDeleted,
                Kind::Candidate,
                row.id,
            ));
        }
    }
    receipt.add(Removed::Candidate, 1);
    receipt.add(Removed::Message, own_ids.len() as u64);
    receipt.add(Removed::SummaryCopy, copy_ids.len() as u64);
    receipt.add(Removed::Document, documents.len() as u64);
    receipt.add(Removed::Interview, linked.interviews.len() as u64);
    receipt.add(Removed::Invitation, linked.invitations);
    receipt.add(Removed::SchedulingLink, linked.scheduling_links);
    receipt.add(Removed::Event, scrubbed.events);
    receipt.add(Removed::WebhookPayload, scrubbed.webhook_payloads);

    // Last, when the messages have been dealt with: a new entry cancels
    // mail still waiting for the address, which the erasure has done and
    // counted already.
    if let Some(key) = do_not_contact {
        crate::do_not_contact::add(
            txn,
            key,
            row.company_id,
            &row.email,
            DoNotContactReason::Erasure,
            actor,
            now,
        )
        .await?;
    }
    new_events.push(NewEvent::new(
        row.company_id,
        EventType::CandidateErased,
        Kind::Candidate,
        row.id,
    ));
    events::append(txn, new_events, now).await?;
    audit::record(
        txn,
        row.company_id,
        actor,
        Change::new("candidate.erased")
            .on("Candidate", row.id)
            .with("mode", mode.name())
            .with("removed", receipt.counts())
            .with("filesToDelete", doomed_files.len()),
        now,
    )
    .await?;
    Ok((receipt, doomed_files, outbox_ids))
}
