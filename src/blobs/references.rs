//! How many documents use each stored content, so that the last one to go
//! takes the bytes with it (a candidate's erasure, GDPR Art. 17, must reach
//! their files), while a content shared with another document stays.
//!
//! Contents are stored once per digest and shared by every document with
//! the same bytes, of any candidate or company. The `blobs` table counts
//! the documents naming each key: every path that writes a document row
//! calls [`acquire`] in the same transaction, every path that deletes one
//! calls [`release`]. A count that reaches zero marks the row
//! (`unreferenced_at`); the content is deleted by [`sweep`] after the
//! transaction commits, and the row goes with it. A sweep that fails (the
//! store is unreachable) leaves the row marked, and the next sweep — after
//! the next erasure or document deletion, or the periodic one — finishes
//! it: a content is never forgotten half-deleted.
//!
//! The race between an upload of the same bytes and the deletion of the
//! last document using them: the upload stores its content first (finding
//! it there, it writes nothing), then counts it. Were the sweep to delete
//! the content in between, the new document would name missing bytes. So
//! the sweep deletes the content while it holds the row's lock and only
//! when the count is still zero, and deletes the row in the same
//! transaction; [`acquire`] takes the same lock (its upsert) and, when it
//! made the count 1 — a new content, or one the sweep may have deleted —
//! stores the content again unless it is there. Either the sweep goes
//! first, and the upload then finds no row and stores the bytes anew, or
//! the upload goes first, and the sweep then finds a count of one and
//! leaves the content. On SQLite one write transaction runs at a time,
//! which orders the two the same way.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::{blob, document};
use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict, Query};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _, PaginatorTrait as _,
    QueryFilter as _, QuerySelect as _,
};

use super::{BlobStore, StoredBlob};
use crate::error::{ApiError, ApiResult};

/// Marked rows one sweep takes at most; the next sweep takes the rest.
const SWEEP_BATCH: u64 = 500;

/// Counts one more document using `stored`, in the caller's transaction
/// (which writes the document), and makes sure the content is stored.
pub async fn acquire(txn: &impl ConnectionTrait, stored: &StoredBlob) -> ApiResult<()> {
    let mut upsert = Query::insert();
    upsert
        .into_table(blob::Entity)
        .columns([
            blob::Column::BlobKey,
            blob::Column::Sha256,
            blob::Column::SizeBytes,
            blob::Column::ReferenceCount,
        ])
        .values([
            stored.key.clone().into(),
            stored.sha256.clone().into(),
            i64::try_from(stored.size).unwrap_or(i64::MAX).into(),
            1i64.into(),
        ])
        .map_err(|e| ApiError::Internal(e.into()))?
        .on_conflict(
            OnConflict::column(blob::Column::BlobKey)
                .value(
                    blob::Column::ReferenceCount,
                    Expr::col((blob::Entity, blob::Column::ReferenceCount)).add(1),
                )
                .value(
                    blob::Column::UnreferencedAt,
                    Expr::val(Option::<DateTime<Utc>>::None),
                )
                .to_owned(),
        )
        .returning_col(blob::Column::ReferenceCount);
    let row = txn
        .query_one(&upsert)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the blob upsert returned no row")))?;
    let count: i64 = row.try_get("", "reference_count")?;
    if count <= 1 {
        // Under the row's lock: a sweep may have deleted the content
        // between the caller's `put` and here (see the module's comment).
        stored.ensure().await?;
    }
    Ok(())
}

/// Counts one document less for each of `keys` (a key once per document
/// that named it), in the caller's transaction, which deletes those
/// documents. Keys that reach zero are marked for [`sweep`].
pub async fn release(
    txn: &impl ConnectionTrait,
    keys: impl IntoIterator<Item = String>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for key in keys {
        *counts.entry(key).or_default() += 1;
    }
    for (key, n) in counts {
        let count = Expr::col(blob::Column::ReferenceCount);
        blob::Entity::update_many()
            .col_expr(blob::Column::ReferenceCount, count.clone().sub(n))
            .col_expr(
                blob::Column::UnreferencedAt,
                Expr::case(count.lte(n), Expr::val(Some(now)))
                    .finally(Expr::val(Option::<DateTime<Utc>>::None))
                    .into(),
            )
            .filter(blob::Column::BlobKey.eq(key))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// What a sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Contents deleted from the store.
    pub deleted: u64,
    /// Contents whose deletion failed; their rows stay marked.
    pub failed: u64,
}

/// Deletes the contents no document uses any more, one row at a time
/// under its lock (see the module's comment), and their rows.
pub async fn sweep(db: &DatabaseConnection, store: &BlobStore) -> ApiResult<Swept> {
    let keys: Vec<String> = blob::Entity::find()
        .select_only()
        .column(blob::Column::BlobKey)
        .filter(blob::Column::UnreferencedAt.is_not_null())
        .filter(blob::Column::ReferenceCount.lte(0))
        .limit(SWEEP_BATCH)
        .into_tuple()
        .all(db)
        .await?;
    let mut swept = Swept::default();
    for key in keys {
        match sweep_one(db, store, &key).await {
            Ok(true) => swept.deleted += 1,
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(%key, %error, "a file no document uses could not be deleted yet");
                swept.failed += 1;
            }
        }
    }
    Ok(swept)
}

/// Deletes the content of `key` if it is still unused; whether it did.
async fn sweep_one(db: &DatabaseConnection, store: &BlobStore, key: &str) -> ApiResult<bool> {
    crate::db::write_transaction!(db, |txn| {
        let row = blob::Entity::find_by_id(key.to_owned())
            .lock_exclusive()
            .one(txn)
            .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        if row.reference_count > 0 || row.unreferenced_at.is_none() {
            return Ok(false);
        }
        // A document written by a path that forgot to count it still
        // keeps its content: the count is corrected instead.
        let users = document::Entity::find()
            .filter(document::Column::BlobKey.eq(key))
            .count(txn)
            .await?;
        if users > 0 {
            tracing::warn!(%key, users, "a file's reference count was behind; corrected");
            blob::Entity::update_many()
                .col_expr(
                    blob::Column::ReferenceCount,
                    Expr::val(i64::try_from(users).unwrap_or(i64::MAX)),
                )
                .col_expr(
                    blob::Column::UnreferencedAt,
                    Expr::val(Option::<DateTime<Utc>>::None),
                )
                .filter(blob::Column::BlobKey.eq(key))
                .exec(txn)
                .await?;
            return Ok(false);
        }
        store.delete(key).await?;
        blob::Entity::delete_by_id(key.to_owned()).exec(txn).await?;
        Ok(true)
    })
}

/// Which of `keys` no document uses any more (after [`release`], in the
/// same transaction): the contents the next sweep deletes.
pub async fn unreferenced(txn: &impl ConnectionTrait, keys: &[String]) -> ApiResult<Vec<String>> {
    let mut keys: Vec<String> = keys.to_vec();
    keys.sort();
    keys.dedup();
    let mut found = Vec::new();
    for chunk in keys.chunks(SWEEP_BATCH as usize) {
        let rows: Vec<String> = blob::Entity::find()
            .select_only()
            .column(blob::Column::BlobKey)
            .filter(blob::Column::BlobKey.is_in(chunk.iter().cloned()))
            .filter(blob::Column::UnreferencedAt.is_not_null())
            .into_tuple()
            .all(txn)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// How many of `keys` still have their row: contents a sweep has not
/// deleted (yet), or that a new document uses again.
pub async fn remaining(db: &impl ConnectionTrait, keys: &[String]) -> ApiResult<usize> {
    let mut count = 0;
    for chunk in keys.chunks(SWEEP_BATCH as usize) {
        count += blob::Entity::find()
            .filter(blob::Column::BlobKey.is_in(chunk.iter().cloned()))
            .count(db)
            .await? as usize;
    }
    Ok(count)
}
