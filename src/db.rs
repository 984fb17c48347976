//! Opening the database: SQLite in embedded mode, PostgreSQL at scale.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use migration::{Migrator, MigratorTrait as _};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, RuntimeErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait, sqlx,
};

use crate::metrics::Metrics;
use crate::settings::{Settings, redact_url};

/// How long an SQLite statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A pooled connection idle this long is checked before it is used again.
const IDLE_BEFORE_CHECK: Duration = Duration::from_secs(10);

/// Connects with the configured pool size and counts every statement in `metrics`.
pub async fn connect(
    settings: &Settings,
    metrics: Arc<Metrics>,
) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(settings.database_url.clone());
    options
        .max_connections(settings.db_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // sqlx already checks a connection when it goes back to the pool;
        // checking it again on every checkout would add a round trip to each
        // statement. Only a connection idle long enough for the server or a
        // firewall to have dropped it is checked before use.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_CHECK)
        .sqlx_logging(false);
    // Each SQLite connection waits this long for the write lock before it
    // reports SQLITE_BUSY; WAL lets readers go on while a writer holds it
    // (sqlx also turns foreign keys on for every connection).
    // `secure_delete` zeroes what a statement deletes or overwrites, so an
    // erased candidate's data does not linger in free pages of the file.
    options.map_sqlx_sqlite_opts(|sqlite| {
        sqlite
            .busy_timeout(BUSY_TIMEOUT)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .pragma("secure_delete", "ON")
    });
    let mut db = Database::connect(options).await.with_context(|| {
        format!(
            "cannot connect to DATABASE_URL {}",
            redact_url(&settings.database_url)
        )
    })?;
    db.set_metric_callback(move |info| metrics.observe_query(info.elapsed, info.failed));
    Ok(db)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("database migration failed")
}

/// Pool figures `(in use, idle, maximum)` for the metrics endpoint.
pub fn pool_figures(db: &DatabaseConnection, max: u32) -> (u32, u32, u32) {
    // The pool getters panic on the other backend, hence the match first.
    let (size, idle) = match db.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
        _ => (0, 0),
    };
    (size.saturating_sub(idle), idle, max)
}

/// What a write transaction begins on: the pool, or a transaction (where
/// it becomes a savepoint). Its transactions are `DatabaseTransaction`s,
/// which the functions that append events require.
pub trait Writable:
    TransactionTrait<Transaction = sea_orm::DatabaseTransaction> + ConnectionTrait
{
}

impl<T: TransactionTrait<Transaction = sea_orm::DatabaseTransaction> + ConnectionTrait> Writable
    for T
{
}

/// How often a write transaction is tried in all when it keeps meeting
/// other writers.
const WRITE_ATTEMPTS: u32 = 5;

/// Runs a block in a write transaction and commits it; when the block or the
/// commit meets another writer, the transaction is rolled back and the block
/// runs again from the start, after a random pause that grows with each
/// attempt, up to [`WRITE_ATTEMPTS`] times in all.
///
/// ```text
/// crate::db::write_transaction!(db, |txn| {
///     let row = find(txn, id).await?;
///     row.update(txn).await?;
///     Ok(row)
/// })
/// ```
///
/// The block evaluates to a `Result`; `?` and `return` end the attempt and
/// roll it back. Since it may run more than once, it acts only through the
/// transaction (or does what is harmless to repeat, such as storing a blob by
/// its digest) and does not move out of the caller's variables.
///
/// A macro, not a function taking a closure: a closure that borrows the
/// caller's data and returns a future borrowing the transaction cannot be
/// shown to be `Send` through a generic function, and every resolver's future
/// must be.
macro_rules! write_transaction {
    ($db:expr, |$txn:ident| $body:block) => {{
        let db = $db;
        let mut attempt = 1;
        loop {
            let outcome = async {
                let txn = $crate::db::begin_write(db).await?;
                let value = {
                    let $txn = &txn;
                    $body
                };
                // Not `?`: the block's own error type is the attempt's.
                let value = match value {
                    Ok(value) => value,
                    Err(e) => return Err(e),
                };
                sea_orm::TransactionSession::commit(txn).await?;
                $crate::events::committed();
                Ok(value)
            }
            .await;
            if let Some(done) = $crate::db::settle(outcome, &mut attempt).await {
                break done;
            }
        }
    }};
}
pub(crate) use write_transaction;

/// Begins a transaction that reads and then writes; [`write_transaction!`] is the way to
/// run one. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`),
/// waiting for it up to the busy timeout: a deferred transaction that has
/// read cannot wait when it comes to write, and fails at once with "database
/// is locked" (SQLITE_BUSY, or SQLITE_BUSY_SNAPSHOT when another connection
/// committed since it read). PostgreSQL ignores the option; there the
/// transactions that meet are those chosen to end a deadlock or a
/// serialization failure.
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    let mut attempt = 1;
    loop {
        let begun = db
            .begin_with_options(TransactionOptions {
                isolation_level: None,
                access_mode: None,
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            })
            .await;
        match begun {
            // BEGIN is the first statement on the pooled connection, so
            // nothing was done yet: a connection the server ended while it
            // sat in the pool (a restart) is dropped, and another is taken.
            Err(e) if attempt < WRITE_ATTEMPTS && is_connection_lost(&e) => {
                tracing::debug!(attempt, error = %e, "a pooled connection was lost; taking another");
                attempt += 1;
            }
            begun => return begun,
        }
    }
}

/// Whether the server ended the connection: an I/O error, or PostgreSQL's
/// admin_shutdown (57P01) or crash_shutdown (57P02).
fn is_connection_lost(err: &DbErr) -> bool {
    match sqlx_error(err) {
        Some(sqlx::Error::Io(_)) => true,
        Some(sqlx::Error::Database(e)) => {
            matches!(e.code().as_deref(), Some("57P01" | "57P02"))
                && e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .is_some()
        }
        _ => false,
    }
}

/// The driver's error inside `err`, if it came from the driver.
fn sqlx_error(err: &DbErr) -> Option<&sqlx::Error> {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(error))
        | DbErr::Exec(RuntimeErr::SqlxError(error))
        | DbErr::Query(RuntimeErr::SqlxError(error)) => Some(error.as_ref()),
        _ => None,
    }
}

/// What [`write_transaction!`] does after an attempt: `None` after pausing when the
/// attempt met another writer and may be tried again, else the outcome.
pub async fn settle<T, E: Contention>(
    outcome: Result<T, E>,
    attempt: &mut u32,
) -> Option<Result<T, E>> {
    match outcome {
        Err(e) if *attempt < WRITE_ATTEMPTS && e.is_contention() => {
            tracing::debug!(
                attempt = *attempt,
                "a write transaction met another writer; trying again"
            );
            tokio::time::sleep(pause_before_retry(*attempt)).await;
            *attempt += 1;
            None
        }
        outcome => Some(outcome),
    }
}

/// A random pause of up to 10 ms × 2^attempt ("full jitter"), so that the
/// writers that met spread out instead of meeting again.
fn pause_before_retry(attempt: u32) -> Duration {
    let most = 10u64 << attempt.min(8);
    Duration::from_millis(rand::random_range(1..=most))
}

/// Errors that may say the work met another writer and may succeed when
/// tried again.
pub trait Contention {
    fn is_contention(&self) -> bool;
}

impl Contention for DbErr {
    /// SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended
    /// codes (such as 517, SQLITE_BUSY_SNAPSHOT), whose low byte is the
    /// primary code. PostgreSQL: SQLSTATE 40001 (serialization_failure) and
    /// 40P01 (deadlock_detected).
    fn is_contention(&self) -> bool {
        let Some(sqlx::Error::Database(error)) = sqlx_error(self) else {
            return false;
        };
        let code = error.code().unwrap_or_default();
        if error
            .try_downcast_ref::<sqlx::sqlite::SqliteError>()
            .is_some()
        {
            code.parse::<i32>()
                .is_ok_and(|code| matches!(code & 0xff, 5 | 6))
        } else {
            matches!(code.as_ref(), "40001" | "40P01")
        }
    }
}

impl Contention for anyhow::Error {
    fn is_contention(&self) -> bool {
        self.chain().any(|cause| {
            cause
                .downcast_ref::<DbErr>()
                .is_some_and(DbErr::is_contention)
        })
    }
}
