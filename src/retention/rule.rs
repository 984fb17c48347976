//! The retention rule as one SQL expression, so that `Candidate.retainUntil`,
//! `retentionPreview`, the daily run and the check under the candidate's
//! lock can never disagree.
//!
//! A candidate's retention ends (in seconds since 1970, UTC):
//! - never (`NULL`) once they are anonymised (`erased_at`): nothing is left
//!   to remove, and a run does not meet them again;
//! - never while a legal hold is set or any of their applications is open
//!   (every status but `REJECTED` and `WITHDRAWN`);
//! - with applications, all closed: at the latest of each application's
//!   `closed_at` plus its position's subsidiary's `retention_days_after_close`;
//! - with no application at all (entered by hand, or made from received
//!   mail): at their last activity plus the company's
//!   `retention_days_without_application`, the last activity being the
//!   later of the candidate record's last change (or creation) and the
//!   newest message in their thread.
//!
//! Times are compared in whole seconds: both backends turn a stored time
//! into seconds the same way (`strftime('%s')` on SQLite, `EXTRACT(EPOCH)`
//! on PostgreSQL), whatever text format SQLite holds it in.

use chrono::{DateTime, Utc};
use entity::candidate;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DbBackend, EntityTrait as _, QueryFilter as _,
    QuerySelect as _, Select,
};

use crate::error::ApiResult;

/// Seconds in a day: periods are whole days of 24 hours, counted in UTC.
const DAY: i64 = 86_400;

/// `column` (a stored time) in whole seconds since 1970.
fn epoch(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"),
        _ => format!("CAST(strftime('%s', {column}) AS INTEGER)"),
    }
}

/// The larger of two values that are never `NULL`.
fn greater(backend: DbBackend, a: &str, b: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("GREATEST({a}, {b})"),
        _ => format!("MAX({a}, {b})"),
    }
}

/// The end of retention of the row of `candidates` in the enclosing query,
/// in seconds since 1970, or `NULL` when it does not end.
pub fn retain_until_sql(backend: DbBackend) -> String {
    let closed = epoch(backend, "a.closed_at");
    let newest_message = format!(
        "COALESCE((SELECT MAX({}) FROM messages m WHERE m.candidate_id = candidates.id), 0)",
        epoch(backend, "m.created_at")
    );
    let last_activity = greater(
        backend,
        &epoch(backend, "candidates.updated_at"),
        &newest_message,
    );
    format!(
        "CASE \
           WHEN candidates.erased_at IS NOT NULL THEN NULL \
           WHEN EXISTS (SELECT 1 FROM candidate_legal_holds h \
                        WHERE h.candidate_id = candidates.id) THEN NULL \
           WHEN EXISTS (SELECT 1 FROM applications a \
                        WHERE a.candidate_id = candidates.id AND a.closed_at IS NULL) THEN NULL \
           ELSE COALESCE( \
             (SELECT MAX({closed} + {DAY} * CAST(s.retention_days_after_close AS BIGINT)) \
              FROM applications a \
              JOIN positions p ON p.id = a.position_id \
              JOIN subsidiaries s ON s.id = p.subsidiary_id \
              WHERE a.candidate_id = candidates.id), \
             (SELECT {last_activity} \
                     + {DAY} * CAST(co.retention_days_without_application AS BIGINT) \
              FROM companies co WHERE co.id = candidates.company_id)) \
         END"
    )
}

/// [`retain_until_sql`] as an expression.
fn retain_until(backend: DbBackend) -> SimpleExpr {
    Expr::cust(retain_until_sql(backend))
}

/// True for the candidates whose retention has ended at `now`.
pub fn due(backend: DbBackend, now: DateTime<Utc>) -> SimpleExpr {
    Expr::cust(format!(
        "({}) <= {}",
        retain_until_sql(backend),
        now.timestamp()
    ))
}

/// The candidates of `company_id` (of every company when `None`) whose
/// retention has ended at `now`, in id order when paged.
pub fn due_candidates(
    backend: DbBackend,
    company_id: Option<i64>,
    now: DateTime<Utc>,
) -> Select<candidate::Entity> {
    let query = candidate::Entity::find().filter(due(backend, now));
    match company_id {
        Some(company) => query.filter(candidate::Column::CompanyId.eq(company)),
        None => query,
    }
}

/// Whether candidate `id` is due at `now`: the check the run repeats under
/// the candidate's lock, in the erasing transaction.
pub async fn is_due(db: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> ApiResult<bool> {
    let found: Option<i64> = due_candidates(db.get_database_backend(), None, now)
        .filter(candidate::Column::Id.eq(id))
        .select_only()
        .column(candidate::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// The end of retention of each of the candidates `ids` of `company_id`
/// whose retention ends, in one statement.
pub async fn retain_until_of(
    db: &impl ConnectionTrait,
    company_id: i64,
    ids: impl IntoIterator<Item = i64>,
) -> ApiResult<std::collections::HashMap<i64, DateTime<Utc>>> {
    let rows: Vec<(i64, Option<i64>)> = candidate::Entity::find()
        .select_only()
        .column(candidate::Column::Id)
        .column_as(retain_until(db.get_database_backend()), "retain_until")
        .filter(candidate::Column::CompanyId.eq(company_id))
        .filter(candidate::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, until)| Some((id, DateTime::from_timestamp(until?, 0)?)))
        .collect())
}
