//! Candidate data exports: a copy of everything stored about one candidate,
//! in a portable form, for their right of access and to data portability
//! (GDPR Art. 15(3) and Art. 20(1)).
//!
//! `exportCandidateData` writes a QUEUED row; a `serve` instance claims it
//! ([`worker`]) and builds one ZIP archive ([`contents`], [`archive`]):
//! `candidate.json`, every document's bytes and every message as an RFC
//! 5322 file. The archive is stored under its own key in the blob store and
//! opened through a signed five-minute link ([`links`]), like a document.
//! It is kept for [`KEEP_FOR`] after it is ready; then [`expire_due`]
//! deletes it and marks the row EXPIRED.
//!
//! Who may: recruiting admins only. The archive holds every document,
//! whatever its category, and every message, so it discloses what only
//! someone who sees all of a candidate's data may see; a narrower export for
//! users with fewer rights would not be the complete copy Art. 15 asks for.
//! The same rule is checked again when a link is opened.

pub mod archive;
pub mod contents;
pub mod eml;
pub mod links;
pub mod worker;

use chrono::{DateTime, TimeDelta, Utc};
use entity::candidate_export;
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _,
    Select, Set,
};

use crate::access::Actor;
use crate::audit::{self, Change};
use crate::blobs::BlobStore;
use crate::candidates;
use crate::error::{ApiError, ApiResult};

/// Waiting for an instance to build it.
pub const QUEUED: &str = "QUEUED";
/// Claimed by an instance, which is writing the archive.
pub const BUILDING: &str = "BUILDING";
/// Stored; its link opens it until `expires_at`.
pub const READY: &str = "READY";
/// The build failed; `failure_reason` says why.
pub const FAILED: &str = "FAILED";
/// Past `expires_at`: the archive is deleted.
pub const EXPIRED: &str = "EXPIRED";

/// How long a ready archive is kept: long enough to pass it on to the
/// candidate, short enough that copies of their data do not pile up
/// (GDPR Art. 5(1)(e), storage limitation).
pub const KEEP_FOR: TimeDelta = TimeDelta::days(7);

/// The company's exports, for recruiting admins; nothing for anyone else.
pub fn visible(actor: &Actor) -> Select<candidate_export::Entity> {
    let select = candidate_export::Entity::find()
        .filter(candidate_export::Column::CompanyId.eq(actor.company_id));
    if actor.is_admin {
        select
    } else {
        select.filter(Expr::val(1).eq(0))
    }
}

/// One export the actor may see; anything else is NOT_FOUND.
pub async fn find(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<candidate_export::Model> {
    visible(actor)
        .filter(candidate_export::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("candidate export"))
}

/// The exports of a candidate the actor sees, as a selection to page.
pub async fn of_candidate(
    db: &impl ConnectionTrait,
    actor: &Actor,
    candidate_id: i64,
) -> ApiResult<Select<candidate_export::Entity>> {
    require_admin(actor)?;
    candidates::find(db, actor, candidate_id).await?;
    Ok(visible(actor).filter(candidate_export::Column::CandidateId.eq(candidate_id)))
}

fn require_admin(actor: &Actor) -> ApiResult<()> {
    if actor.is_admin {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "recruiting admin rights are required to export a candidate's data",
        ))
    }
}

/// Queues an export of the candidate's data, and records the request in
/// the audit trail. CONFLICT while another export of the candidate is
/// queued or being built: it will hold the same data.
pub async fn request(
    db: &impl crate::db::Writable,
    actor: &Actor,
    candidate_id: i64,
    now: DateTime<Utc>,
) -> ApiResult<candidate_export::Model> {
    require_admin(actor)?;
    crate::db::write_transaction!(db, |txn| {
        candidates::find(txn, actor, candidate_id).await?;
        let pending = candidate_export::Entity::find()
            .filter(candidate_export::Column::CandidateId.eq(candidate_id))
            .filter(candidate_export::Column::Status.is_in([QUEUED, BUILDING]))
            .one(txn)
            .await?;
        if pending.is_some() {
            return Err(ApiError::conflict(
                "an export of this candidate is already being prepared",
            ));
        }
        let row = candidate_export::ActiveModel {
            company_id: Set(actor.company_id),
            candidate_id: Set(candidate_id),
            requested_by_id: Set(Some(actor.user_id)),
            status: Set(QUEUED.to_owned()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        audit::record(
            txn,
            actor.company_id,
            Some(actor),
            Change::new("candidate_export.requested")
                .on("CandidateExport", row.id)
                .with("candidateId", candidate_id),
            now,
        )
        .await?;
        Ok(row)
    })
}

/// Records in the audit trail that `actor` downloaded an export.
pub async fn record_download(
    db: &impl crate::db::Writable,
    actor: &Actor,
    export: &candidate_export::Model,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    crate::db::write_transaction!(db, |txn| {
        audit::record(
            txn,
            export.company_id,
            Some(actor),
            Change::new("candidate_export.downloaded")
                .on("CandidateExport", export.id)
                .with("candidateId", export.candidate_id),
            now,
        )
        .await
    })
}

/// Deletes every export of a candidate, archives first, in the caller's
/// transaction: what an erasure of the candidate (GDPR Art. 17) runs. An
/// export being built meanwhile finds its row gone and deletes its own
/// archive ([`worker`]). Returns how many exports there were.
pub async fn delete_for_candidate(
    db: &impl ConnectionTrait,
    blobs: &BlobStore,
    candidate_id: i64,
) -> ApiResult<u64> {
    let rows = candidate_export::Entity::find()
        .filter(candidate_export::Column::CandidateId.eq(candidate_id))
        .all(db)
        .await?;
    for key in rows.iter().filter_map(|r| r.blob_key.as_deref()) {
        blobs.delete(key).await?;
    }
    let deleted = candidate_export::Entity::delete_many()
        .filter(candidate_export::Column::CandidateId.eq(candidate_id))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// Deletes the archives of exports whose time is up at `now` and marks
/// them EXPIRED. Each archive is deleted before its row changes, so a
/// failure leaves the row READY, to be expired again on the next run.
pub async fn expire_due(
    db: &sea_orm::DatabaseConnection,
    blobs: &BlobStore,
    now: DateTime<Utc>,
) -> anyhow::Result<u64> {
    let due = candidate_export::Entity::find()
        .filter(candidate_export::Column::Status.eq(READY))
        .filter(candidate_export::Column::ExpiresAt.lte(now))
        .all(db)
        .await?;
    let mut expired = 0;
    for row in due {
        if let Some(key) = &row.blob_key {
            blobs.delete(key).await?;
        }
        let id = row.id;
        let changed = crate::db::write_transaction!(db, |txn| {
            candidate_export::Entity::update_many()
                .col_expr(candidate_export::Column::Status, Expr::value(EXPIRED))
                .col_expr(
                    candidate_export::Column::BlobKey,
                    Expr::value(Option::<String>::None),
                )
                .filter(candidate_export::Column::Id.eq(id))
                .filter(candidate_export::Column::Status.eq(READY))
                .exec(txn)
                .await
        })?;
        expired += changed.rows_affected;
    }
    Ok(expired)
}
