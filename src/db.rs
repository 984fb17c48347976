//! Opening the database: SQLite in embedded mode, PostgreSQL at scale.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use migration::{Migrator, MigratorTrait as _};
use sea_orm::{ConnectOptions, ConnectionTrait as _, Database, DatabaseConnection, DbBackend};

use crate::metrics::Metrics;
use crate::settings::{Settings, redact_url};

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
    let mut db = Database::connect(options).await.with_context(|| {
        format!(
            "cannot connect to DATABASE_URL {}",
            redact_url(&settings.database_url)
        )
    })?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // WAL lets readers go on while a writer commits; the mode is stored in
        // the file, so setting it once per start is enough. (sqlx already turns
        // foreign keys on and sets a busy timeout on every connection.)
        db.execute_unprepared("PRAGMA journal_mode = WAL")
            .await
            .context("cannot switch SQLite to WAL mode")?;
    }
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

/// Begins a transaction that reads and then writes. On SQLite it takes the
/// write lock at once (`BEGIN IMMEDIATE`): a deferred transaction that read
/// before another connection committed a write fails with "database is
/// locked" when it tries to write, whatever the busy timeout, while an
/// immediate one waits its turn. PostgreSQL ignores the option.
pub async fn begin_write<T: sea_orm::TransactionTrait>(
    db: &T,
) -> Result<T::Transaction, sea_orm::DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        isolation_level: None,
        access_mode: None,
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
    })
    .await
}
