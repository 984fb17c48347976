//! From the event log to deliveries: each enabled endpoint's cursor follows
//! the log, and the deliveries of the events it passes are written in the
//! same transaction that advances it.
//!
//! The cursor moves only from the value this pass read (a conditional
//! update), so when two instances fan out at once one of them writes and
//! the other writes nothing: an event gets one delivery per endpoint. Event
//! ids grow in commit order (see [`crate::events`]), so an event committed
//! later never hides below a cursor.

use chrono::{DateTime, Utc};
use entity::{event, webhook_endpoint};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait as _, DatabaseConnection, DbErr, EntityTrait as _, QueryFilter as _,
    QueryOrder as _, QuerySelect as _,
};

use super::delivery;
use super::endpoints::event_types;

/// Events one transaction passes for one endpoint.
const BATCH: u64 = 1000;

/// Brings every enabled endpoint up to event `upto`; returns the
/// deliveries written.
pub async fn fan_out(
    db: &DatabaseConnection,
    upto: i64,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let behind = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Enabled.eq(true))
        .filter(webhook_endpoint::Column::Cursor.lt(upto))
        .all(db)
        .await?;
    let mut written = 0;
    for endpoint in behind {
        let mut cursor = endpoint.cursor;
        while cursor < upto {
            let Some((next, count)) = step(db, &endpoint, cursor, upto, now).await? else {
                // Another instance moved this cursor meanwhile.
                break;
            };
            written += count;
            cursor = next;
        }
    }
    Ok(written)
}

/// Passes up to [`BATCH`] events after `cursor`; `None` when the cursor was
/// moved by someone else.
async fn step(
    db: &DatabaseConnection,
    endpoint: &webhook_endpoint::Model,
    cursor: i64,
    upto: i64,
    now: DateTime<Utc>,
) -> Result<Option<(i64, usize)>, DbErr> {
    let types = event_types(endpoint);
    crate::db::write_transaction!(db, |txn| {
        let events: Vec<(i64, String)> = event::Entity::find()
            .select_only()
            .column(event::Column::Id)
            .column(event::Column::EventType)
            .filter(event::Column::CompanyId.eq(endpoint.company_id))
            .filter(event::Column::Id.gt(cursor))
            .filter(event::Column::Id.lte(upto))
            .order_by_asc(event::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(txn)
            .await?;
        let next = match events.last() {
            Some((last, _)) if events.len() as u64 == BATCH => *last,
            _ => upto,
        };
        let moved = webhook_endpoint::Entity::update_many()
            .col_expr(webhook_endpoint::Column::Cursor, Expr::value(next))
            .filter(webhook_endpoint::Column::Id.eq(endpoint.id))
            .filter(webhook_endpoint::Column::Cursor.eq(cursor))
            .filter(webhook_endpoint::Column::Enabled.eq(true))
            .exec(txn)
            .await?;
        if moved.rows_affected == 0 {
            return Ok(None);
        }
        let rows: Vec<_> = events
            .into_iter()
            .filter(|(_, kind)| types.contains(kind))
            .map(|(id, kind)| delivery::new_row(endpoint, Some(id), kind, None, now))
            .collect();
        let count = rows.len();
        delivery::insert(txn, rows).await?;
        Ok(Some((next, count)))
    })
}
