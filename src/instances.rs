//! The running `serve` processes. Each has an identity, written on every claim
//! it makes (of messages to send, of webhook deliveries), and a heartbeat.
//!
//! A claim is alive while its instance beats: an instance that has not beaten
//! for [`STALE_AFTER`] is dead (killed, frozen, cut off from the database),
//! and whatever it held is taken back by an instance that is alive. With a
//! beat every [`BEAT_EVERY`] and a claim sweep every second, a dead
//! instance's claims are free again within about 21 s of its last beat.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::instance;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait as _, DatabaseConnection, DbErr, EntityTrait as _, QueryFilter as _, Set,
};

/// How often an instance writes its heartbeat.
pub const BEAT_EVERY: Duration = Duration::from_secs(5);

/// An instance whose last beat is older than this is dead: four beats missed.
pub const STALE_AFTER: Duration = Duration::from_secs(20);

/// This process's identity among the instances sharing the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    pub id: String,
}

impl Instance {
    /// A new identity: a process that restarts is a new instance, so the
    /// claims of its previous life are recognised as dead.
    pub fn new() -> Self {
        Self {
            id: format!("i-{}", crate::mail::outbox::token()),
        }
    }

    /// Announces the instance, beating for the first time.
    pub async fn register(&self, db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), DbErr> {
        let row = instance::ActiveModel {
            id: Set(self.id.clone()),
            started_at: Set(now),
            heartbeat_at: Set(now),
        };
        crate::db::write_transaction!(db, |txn| {
            instance::Entity::insert(row.clone())
                .exec_without_returning(txn)
                .await?;
            Ok(())
        })
    }

    /// Beats. An instance that was declared dead meanwhile (its row removed)
    /// comes back under the same identity; its claims were taken over and
    /// its outcome writes, which name it, find nothing to change.
    pub async fn beat(&self, db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), DbErr> {
        let id = self.id.clone();
        crate::db::write_transaction!(db, |txn| {
            let updated = instance::Entity::update_many()
                .col_expr(instance::Column::HeartbeatAt, Expr::value(now))
                .filter(instance::Column::Id.eq(id.clone()))
                .exec(txn)
                .await?;
            if updated.rows_affected == 0 {
                instance::Entity::insert(instance::ActiveModel {
                    id: Set(id.clone()),
                    started_at: Set(now),
                    heartbeat_at: Set(now),
                })
                .exec_without_returning(txn)
                .await?;
            }
            Ok(())
        })
    }

    /// Leaves on a clean shutdown, after releasing its claims.
    pub async fn deregister(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        let id = self.id.clone();
        crate::db::write_transaction!(db, |txn| {
            instance::Entity::delete_many()
                .filter(instance::Column::Id.eq(id.clone()))
                .exec(txn)
                .await?;
            Ok(())
        })
    }
}

impl Default for Instance {
    fn default() -> Self {
        Self::new()
    }
}

/// The oldest heartbeat of an instance still alive at `now`.
pub fn alive_since(now: DateTime<Utc>) -> DateTime<Utc> {
    now - chrono::Duration::from_std(STALE_AFTER).unwrap_or_default()
}

/// SQL true for a `claimed_by` column that names no live instance: the
/// claim is free to be taken over. `mark` is the backend's placeholder for
/// the cutoff from [`alive_since`] (`$2`, `?2` …).
pub fn dead_claim_sql(column: &str, mark: &str) -> String {
    format!(
        "({column} IS NOT NULL AND {column} NOT IN \
         (SELECT id FROM instances WHERE heartbeat_at >= {mark}))"
    )
}

/// Removes the rows of instances long dead, once their claims are taken.
pub async fn forget_dead(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let cutoff = alive_since(now) - chrono::Duration::hours(1);
    crate::db::write_transaction!(db, |txn| {
        let gone = instance::Entity::delete_many()
            .filter(instance::Column::HeartbeatAt.lt(cutoff))
            .exec(txn)
            .await?;
        Ok(gone.rows_affected)
    })
}

/// How many instances beat within [`STALE_AFTER`]: a metric.
pub async fn alive(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait as _;
    instance::Entity::find()
        .filter(instance::Column::HeartbeatAt.gte(alive_since(now)))
        .count(db)
        .await
}
