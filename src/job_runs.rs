//! Runs of periodic jobs that must happen once per period across all
//! instances sharing the database, and again if the process running one dies.
//!
//! A run is a `job_runs` row, unique by job and period (`run_key`). The
//! process that inserts it holds it; while it works it renews its lease. An
//! unfinished run whose lease has passed belongs to a process that died (or
//! froze): the next process to try takes it over, in one conditional update,
//! so at most one of several contenders wins. A finished run is never taken
//! again. Work done under a run must itself be safe to repeat for the part a
//! dead holder may have done (retention re-checks each candidate).

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::job_run;
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{ColumnTrait as _, ConnectionTrait, DbErr, EntityTrait as _, QueryFilter as _, Set};

/// A run this process holds.
#[derive(Clone, Debug)]
pub struct Claim {
    pub id: i64,
    pub holder: String,
    pub lease: Duration,
}

/// Why a run could not be claimed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Taken {
    /// The period's run has finished.
    Finished,
    /// Another process holds the run and its lease is current.
    Running,
}

fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX)
}

/// Claims the run of `job` for `run_key` for `holder`, or says who has it.
pub async fn claim(
    db: &impl ConnectionTrait,
    job: &str,
    run_key: &str,
    holder: &str,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Result<Claim, Taken>, DbErr> {
    let row = job_run::ActiveModel {
        job: Set(job.to_owned()),
        run_key: Set(run_key.to_owned()),
        claimed_by: Set(holder.to_owned()),
        lease_until: Set(lease_end(now, lease)),
        attempts: Set(1),
        started_at: Set(now),
        finished_at: Set(None),
        outcome: Set(None),
        ..Default::default()
    };
    // Inserting is the claim; the unique key makes a second insert a no-op.
    let inserted = job_run::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                job_run::Column::Job,
                job_run::Column::RunKey,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    if inserted == 0 {
        // Take over a run whose holder stopped renewing it.
        let taken = job_run::Entity::update_many()
            .col_expr(job_run::Column::ClaimedBy, Expr::value(holder))
            .col_expr(
                job_run::Column::LeaseUntil,
                Expr::value(lease_end(now, lease)),
            )
            .col_expr(
                job_run::Column::Attempts,
                Expr::col(job_run::Column::Attempts).add(1),
            )
            .filter(job_run::Column::Job.eq(job))
            .filter(job_run::Column::RunKey.eq(run_key))
            .filter(job_run::Column::FinishedAt.is_null())
            .filter(job_run::Column::LeaseUntil.lt(now))
            .exec(db)
            .await?;
        if taken.rows_affected == 0 {
            let finished = job_run::Entity::find()
                .filter(job_run::Column::Job.eq(job))
                .filter(job_run::Column::RunKey.eq(run_key))
                .filter(job_run::Column::FinishedAt.is_not_null())
                .one(db)
                .await?
                .is_some();
            return Ok(Err(if finished {
                Taken::Finished
            } else {
                Taken::Running
            }));
        }
    }
    let id = job_run::Entity::find()
        .filter(job_run::Column::Job.eq(job))
        .filter(job_run::Column::RunKey.eq(run_key))
        .filter(job_run::Column::ClaimedBy.eq(holder))
        .one(db)
        .await?
        .map(|row| row.id)
        .ok_or_else(|| DbErr::RecordNotFound(format!("job run {job} {run_key}")))?;
    Ok(Ok(Claim {
        id,
        holder: holder.to_owned(),
        lease,
    }))
}

impl Claim {
    /// Extends the lease; `false` when the run was taken over meanwhile
    /// (this process was too slow and is taken for dead): it must stop.
    pub async fn renew(
        &self,
        db: &impl ConnectionTrait,
        now: DateTime<Utc>,
    ) -> Result<bool, DbErr> {
        let renewed = job_run::Entity::update_many()
            .col_expr(
                job_run::Column::LeaseUntil,
                Expr::value(lease_end(now, self.lease)),
            )
            .filter(job_run::Column::Id.eq(self.id))
            .filter(job_run::Column::ClaimedBy.eq(self.holder.as_str()))
            .filter(job_run::Column::FinishedAt.is_null())
            .exec(db)
            .await?;
        Ok(renewed.rows_affected == 1)
    }

    /// Marks the run done with what it did; `false` when it was taken over.
    pub async fn finish(
        &self,
        db: &impl ConnectionTrait,
        outcome: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<bool, DbErr> {
        let finished = job_run::Entity::update_many()
            .col_expr(job_run::Column::FinishedAt, Expr::value(now))
            .col_expr(job_run::Column::Outcome, Expr::value(outcome.to_string()))
            .filter(job_run::Column::Id.eq(self.id))
            .filter(job_run::Column::ClaimedBy.eq(self.holder.as_str()))
            .filter(job_run::Column::FinishedAt.is_null())
            .exec(db)
            .await?;
        Ok(finished.rows_affected == 1)
    }
}
