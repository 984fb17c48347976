//! Building exports in the background, on the `serve` instances that run
//! background work (`RECRUITMAIL_DISPATCHER`).
//!
//! A claim moves a QUEUED export to BUILDING in the name of this instance,
//! as the outbox and webhook deliveries are claimed: on PostgreSQL the claim
//! skips rows another instance is claiming (`FOR UPDATE SKIP LOCKED`), on
//! SQLite the statement itself is atomic, so an export is built by one
//! instance. An export whose instance stopped beating (killed or restarted
//! mid-build) is claimed again and built from the start.
//!
//! The archive is written to an anonymous temporary file under the data
//! folder (on disk, not in a memory-backed `/tmp`), then uploaded in parts
//! under a key of its own; the file is gone when the build ends, whatever
//! the outcome. A build that fails ends FAILED with its reason; a build
//! whose row was deleted meanwhile (an erasure) deletes what it uploaded.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entity::candidate_export;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait as _, DatabaseBackend, DatabaseConnection, EntityTrait as _, QueryFilter as _,
    Statement,
};
use tokio::sync::watch;

use super::archive::ArchiveWriter;
use super::{BUILDING, FAILED, KEEP_FOR, QUEUED, READY, contents};
use crate::blobs::BlobStore;
use crate::events::{EventType, NewEvent};
use crate::graphql::ids::Kind;
use crate::instances::{self, Instance};

/// How often the queue is looked at without a wake-up.
pub const POLL_EVERY: Duration = Duration::from_secs(2);

/// How often expired archives are looked for.
pub const EXPIRE_EVERY: Duration = Duration::from_secs(60);

/// Builds the exports this instance claims.
#[derive(Clone, Debug)]
pub struct Builder {
    db: DatabaseConnection,
    blobs: BlobStore,
    instance: Instance,
    /// Where archives are written while they are built.
    scratch: PathBuf,
}

/// The outcome of one build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Built {
    Ready {
        id: i64,
        size_bytes: u64,
    },
    Failed {
        id: i64,
        reason: String,
    },
    /// Its row was deleted while it was built; nothing is kept.
    Discarded {
        id: i64,
    },
}

/// A running loop; [`Running::stop`] ends it.
pub struct Running {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops at once, cutting off the build under way, if any: a build
    /// may take minutes, and its export is claimed again and built from the
    /// start once this instance has signed off.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        self.task.abort();
        let _ = self.task.await;
    }
}

impl Builder {
    /// A builder claiming in `instance`'s name, writing archives under
    /// `data_dir`.
    pub fn new(
        db: DatabaseConnection,
        blobs: BlobStore,
        instance: Instance,
        data_dir: &std::path::Path,
    ) -> Self {
        Self {
            db,
            blobs,
            instance,
            scratch: data_dir.join("exports-in-progress"),
        }
    }

    /// Starts the loop: builds what is queued, wakes after writes committed
    /// in this process and every [`POLL_EVERY`], and expires archives every
    /// [`EXPIRE_EVERY`].
    pub fn start(self: Arc<Self>) -> Running {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut commits = crate::events::commits();
            let mut last_expiry: Option<Instant> = None;
            loop {
                if last_expiry.is_none_or(|at| at.elapsed() >= EXPIRE_EVERY) {
                    last_expiry = Some(Instant::now());
                    if let Err(e) = super::expire_due(&self.db, &self.blobs, Utc::now()).await {
                        tracing::error!(error = ?e, "expired candidate exports could not be deleted");
                    }
                }
                loop {
                    if *stopped.borrow() {
                        return;
                    }
                    match self.build_next(Utc::now()).await {
                        Ok(Some(_)) => {}
                        Ok(None) => break,
                        Err(e) => {
                            tracing::error!(error = ?e, "candidate exports could not be claimed");
                            break;
                        }
                    }
                }
                tokio::select! {
                    _ = commits.changed() => {}
                    () = tokio::time::sleep(POLL_EVERY) => {}
                    _ = stopped.changed() => return,
                }
            }
        });
        Running { stop, task }
    }

    /// Claims one export that is due and builds it; `None` when there is
    /// none. `Err` only when the claim or the outcome cannot be written.
    pub async fn build_next(&self, now: DateTime<Utc>) -> anyhow::Result<Option<Built>> {
        let Some(row) = self.claim(now).await? else {
            return Ok(None);
        };
        let outcome = match self.build(&row, now).await {
            Ok((key, size)) => self.finish(&row, key, size).await?,
            Err(e) => {
                let reason = format!("{e:#}");
                tracing::warn!(export = row.id, reason, "a candidate export failed");
                self.fail(&row, reason).await?
            }
        };
        Ok(Some(outcome))
    }

    /// Moves the oldest due export to BUILDING in this instance's name: a
    /// QUEUED one, or one claimed by an instance that died.
    async fn claim(&self, now: DateTime<Utc>) -> anyhow::Result<Option<candidate_export::Model>> {
        let backend = self.db.get_database_backend();
        let (mark, lock) = match backend {
            DatabaseBackend::Postgres => ("$", "FOR UPDATE SKIP LOCKED"),
            _ => ("?", ""),
        };
        let dead = instances::dead_claim_sql("e.claimed_by", &format!("{mark}2"));
        let sql = format!(
            "UPDATE candidate_exports SET status = '{BUILDING}', claimed_by = {mark}1 \
             WHERE id IN (SELECT e.id FROM candidate_exports e \
               WHERE e.status = '{QUEUED}' OR (e.status = '{BUILDING}' AND {dead}) \
               ORDER BY e.id LIMIT 1 {lock}) \
             RETURNING *"
        );
        let values: Vec<sea_orm::Value> = vec![
            self.instance.id.clone().into(),
            instances::alive_since(now).into(),
        ];
        let row = candidate_export::Entity::find()
            .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
            .one(&self.db)
            .await?;
        Ok(row)
    }

    /// Writes the archive and uploads it: its key and size.
    async fn build(
        &self,
        row: &candidate_export::Model,
        now: DateTime<Utc>,
    ) -> anyhow::Result<(String, u64)> {
        tokio::fs::create_dir_all(&self.scratch).await?;
        let scratch = self.scratch.clone();
        let file = tokio::task::spawn_blocking(move || tempfile::tempfile_in(scratch)).await??;
        let mut archive = ArchiveWriter::create(file, now.naive_utc());
        let written = contents::write(&self.db, &self.blobs, row, &mut archive, now).await;
        // The writer ends either way, so its thread never waits for more.
        let finished = archive.finish().await;
        written?;
        let mut file = tokio::fs::File::from_std(finished?);
        {
            use tokio::io::AsyncSeekExt as _;
            file.seek(std::io::SeekFrom::Start(0)).await?;
        }
        let key = format!(
            "exports/{}/{}-{}.zip",
            row.company_id,
            row.id,
            crate::mail::outbox::token()
        );
        let size = self.blobs.put_file(&key, file).await?;
        Ok((key, size))
    }

    /// Marks the export READY with its event, if it is still ours.
    async fn finish(
        &self,
        row: &candidate_export::Model,
        key: String,
        size: u64,
    ) -> anyhow::Result<Built> {
        let now = Utc::now();
        let (id, company_id, candidate_id) = (row.id, row.company_id, row.candidate_id);
        let instance = self.instance.id.clone();
        let stored = key.clone();
        let size_bytes = i64::try_from(size)?;
        let marked = crate::db::write_transaction!(&self.db, |txn| {
            let changed = still_ours(id, &instance)
                .col_expr(candidate_export::Column::Status, Expr::value(READY))
                .col_expr(
                    candidate_export::Column::BlobKey,
                    Expr::value(Some(stored.clone())),
                )
                .col_expr(
                    candidate_export::Column::SizeBytes,
                    Expr::value(Some(size_bytes)),
                )
                .col_expr(candidate_export::Column::ReadyAt, Expr::value(Some(now)))
                .col_expr(
                    candidate_export::Column::ExpiresAt,
                    Expr::value(Some(now + KEEP_FOR)),
                )
                .exec(txn)
                .await?;
            if changed.rows_affected == 1 {
                crate::events::append(
                    txn,
                    vec![
                        NewEvent::new(
                            company_id,
                            EventType::CandidateExportReady,
                            Kind::CandidateExport,
                            id,
                        )
                        .with_id("candidateId", Kind::Candidate, Some(candidate_id))
                        .with("sizeBytes", size_bytes),
                    ],
                    now,
                )
                .await?;
            }
            Ok::<_, sea_orm::DbErr>(changed.rows_affected == 1)
        })?;
        if marked {
            return Ok(Built::Ready {
                id,
                size_bytes: size,
            });
        }
        // Deleted (or taken over) meanwhile: what was uploaded is nobody's.
        self.blobs.delete(&key).await?;
        Ok(Built::Discarded { id })
    }

    /// Marks the export FAILED with `reason`, if it is still ours.
    async fn fail(&self, row: &candidate_export::Model, reason: String) -> anyhow::Result<Built> {
        let (id, instance) = (row.id, self.instance.id.clone());
        let changed = crate::db::write_transaction!(&self.db, |txn| {
            still_ours(id, &instance)
                .col_expr(candidate_export::Column::Status, Expr::value(FAILED))
                .col_expr(
                    candidate_export::Column::FailureReason,
                    Expr::value(Some(reason.clone())),
                )
                .exec(txn)
                .await
        })?;
        Ok(if changed.rows_affected == 1 {
            Built::Failed { id, reason }
        } else {
            Built::Discarded { id }
        })
    }
}

/// An update of export `id` that releases its claim and applies only while
/// `instance` still builds it: not once it was deleted, or taken over after
/// this instance was thought dead.
fn still_ours(id: i64, instance: &str) -> sea_orm::UpdateMany<candidate_export::Entity> {
    candidate_export::Entity::update_many()
        .col_expr(
            candidate_export::Column::ClaimedBy,
            Expr::value(Option::<String>::None),
        )
        .filter(candidate_export::Column::Id.eq(id))
        .filter(candidate_export::Column::Status.eq(BUILDING))
        .filter(candidate_export::Column::ClaimedBy.eq(instance))
}
