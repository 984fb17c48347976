//! Participant locks: scheduling an interview for someone takes their lock
//! until the transaction ends, so that two transactions booking the same
//! person check for overlaps one after the other, each seeing what the
//! other wrote.
//!
//! On PostgreSQL these are transaction-scoped advisory locks, one per
//! participant, taken in ascending key order so that two transactions with
//! overlapping panels never wait for each other in a cycle. SQLite needs
//! none: a write transaction holds the database's one write lock from its
//! first statement (`BEGIN IMMEDIATE`, see [`crate::db::begin_write`]).

use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement};

/// The advisory-lock key space of participants: far from the event log's
/// lock, with the user ID in the low bits.
const PARTICIPANT_LOCKS: i64 = 0x7363_6865_0000_0000;

/// The lock key of one user. Two users sharing a key (IDs beyond 2^32)
/// only wait for each other more often than needed.
fn key(user_id: i64) -> i64 {
    PARTICIPANT_LOCKS | (user_id & 0xffff_ffff)
}

/// Takes the locks of `user_ids` until the transaction ends.
pub async fn participants(db: &impl ConnectionTrait, user_ids: &[i64]) -> Result<(), DbErr> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let mut keys: Vec<i64> = user_ids.iter().map(|id| key(*id)).collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        db.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [key.into()],
        ))
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_the_order_of_ids_and_stay_apart_from_other_locks() {
        assert!(key(1) < key(2));
        assert_ne!(key(1), 0x7265_6d61_696c_0001);
        assert_eq!(key(7), key(7 + (1 << 32)));
    }
}
