//! The daily run: every candidate whose retention has ended is anonymised,
//! once a day, by exactly one process of all that share the database.
//!
//! The day's run is claimed as a [`crate::job_runs`] row keyed by the UTC
//! date; the holder renews its lease after every batch, and a run whose
//! holder died is taken over once the lease has passed. Due candidates are
//! read in batches of [`BATCH`] ids in id order, so memory stays bounded
//! however many are due. Each one is anonymised by its own erasure (no
//! actor), which checks under the candidate's lock that they are still
//! due at the run's time ([`Precondition::Retention`]): a legal hold or a
//! new application that came in since the batch was read wins, and two
//! processes racing over the same candidate anonymise them once.
//!
//! The run ends with a `retention.ran` audit entry per company that had
//! candidates due (counts only); each candidate's erasure records its own
//! `candidate.erased` entry and event.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entity::candidate;
use sea_orm::{
    ColumnTrait as _, DatabaseConnection, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};
use serde_json::json;

use crate::audit::{self, Change};
use crate::blobs::BlobStore;
use crate::erasure::{self, Erasure, Mode, Precondition};
use crate::error::{ApiError, ApiResult};
use crate::job_runs::{self, Taken};
use crate::retention::rule;

/// The job's name in `job_runs`.
pub const JOB: &str = "retention";

/// Candidates read per statement.
pub const BATCH: u64 = 100;

/// How long a holder may go without renewing before its run is taken over:
/// far longer than one batch takes.
pub const LEASE: Duration = Duration::from_secs(600);

/// What a run needs to erase: the database, the blob store and the outbox.
pub struct Eraser<'a> {
    pub db: &'a DatabaseConnection,
    pub blobs: &'a BlobStore,
    pub outbox_dir: PathBuf,
}

/// What one company's candidates came to in a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Anonymised.
    pub anonymised: u64,
    /// No longer due when their turn came (a hold, a new application), or
    /// busy (a message to them being sent): left for now.
    pub skipped: u64,
    /// The erasure failed; the next run tries again.
    pub failed: u64,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.anonymised += other.anonymised;
        self.skipped += other.skipped;
        self.failed += other.failed;
    }
}

/// How a call of [`run_day`] went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ran {
    /// This process ran the day's run to its end.
    Done { run_key: String, counts: Counts },
    /// The day's run had finished already.
    Finished,
    /// Another process holds the day's run.
    Running,
    /// The run was taken over while this process worked (it had stopped
    /// renewing in time); it stopped after what it had done.
    Lost { run_key: String, counts: Counts },
}

/// The key of `now`'s day: its UTC date.
pub fn run_key(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%d").to_string()
}

/// Claims and performs the run of `now`'s day as `holder`; due means due
/// at `now`.
pub async fn run_day(eraser: &Eraser<'_>, holder: &str, now: DateTime<Utc>) -> ApiResult<Ran> {
    let db = eraser.db;
    let key = run_key(now);
    let claim = match job_runs::claim(db, JOB, &key, holder, LEASE, now).await? {
        Ok(claim) => claim,
        Err(Taken::Finished) => return Ok(Ran::Finished),
        Err(Taken::Running) => return Ok(Ran::Running),
    };
    let started = Instant::now();
    // The lease runs on the run's clock, which tests may set.
    let clock = || now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
    let backend = db.get_database_backend();
    let mut by_company: BTreeMap<i64, Counts> = BTreeMap::new();
    let mut after = 0_i64;
    loop {
        let batch: Vec<(i64, i64)> = rule::due_candidates(backend, None, now)
            .filter(candidate::Column::Id.gt(after))
            .order_by_asc(candidate::Column::Id)
            .limit(BATCH)
            .select_only()
            .column(candidate::Column::Id)
            .column(candidate::Column::CompanyId)
            .into_tuple()
            .all(db)
            .await?;
        let Some(&(last, _)) = batch.last() else {
            break;
        };
        after = last;
        for (candidate_id, company_id) in batch {
            let counts = anonymise(eraser, company_id, candidate_id, now).await;
            by_company.entry(company_id).or_default().add(counts);
        }
        erasure::checkpoint_wal(db).await;
        if !claim.renew(db, clock()).await? {
            tracing::warn!(run_key = %key, "the retention run was taken over; stopping");
            return Ok(Ran::Lost {
                run_key: key,
                counts: total(&by_company),
            });
        }
    }
    let counts = total(&by_company);
    let outcome = json!({
        "anonymised": counts.anonymised,
        "skipped": counts.skipped,
        "failed": counts.failed,
        "companies": by_company.len(),
    });
    let finished = crate::db::write_transaction!(db, |txn| {
        // The summary and the run's end together: a run that was taken
        // over at the last moment leaves the summary to its new holder.
        let finished = claim.finish(txn, &outcome, clock()).await?;
        if finished {
            for (company_id, counts) in &by_company {
                let change = Change::new("retention.ran")
                    .with("runKey", key.as_str())
                    .with("anonymised", counts.anonymised)
                    .with("skipped", counts.skipped)
                    .with("failed", counts.failed);
                audit::record(txn, *company_id, None, change, clock()).await?;
            }
        }
        Ok::<_, ApiError>(finished)
    })?;
    Ok(if finished {
        Ran::Done {
            run_key: key,
            counts,
        }
    } else {
        Ran::Lost {
            run_key: key,
            counts,
        }
    })
}

fn total(by_company: &BTreeMap<i64, Counts>) -> Counts {
    let mut all = Counts::default();
    for counts in by_company.values() {
        all.add(*counts);
    }
    all
}

/// Anonymises one candidate if they are still due; what came of it.
async fn anonymise(
    eraser: &Eraser<'_>,
    company_id: i64,
    candidate_id: i64,
    now: DateTime<Utc>,
) -> Counts {
    let erasure = Erasure {
        company_id,
        actor: None,
        candidate_id,
        mode: Mode::Anonymise,
        precondition: Precondition::Retention { due_at: now },
        do_not_contact: None,
        now,
    };
    match erasure::erase_leaving_wal(eraser.db, eraser.blobs, &eraser.outbox_dir, erasure).await {
        Ok(_) => Counts {
            anonymised: 1,
            ..Counts::default()
        },
        Err(ApiError::Conflict(_) | ApiError::NotFound(_)) => Counts {
            skipped: 1,
            ..Counts::default()
        },
        Err(error) => {
            tracing::error!(candidate_id, error = ?error, "retention could not anonymise a candidate");
            Counts {
                failed: 1,
                ..Counts::default()
            }
        }
    }
}
