//! Control over what waits to leave: cancelling a message or a whole bulk
//! send before it is handed to an SMTP server, sending a scheduled one now or
//! at another time, and retrying one that failed.
//!
//! Every change is one conditional UPDATE on the status it starts from
//! (`message_state::change_waiting`), the same way the dispatcher claims, so a
//! message is either changed here or claimed there, never both. A message a
//! dispatcher already holds (SENDING) is left alone and named in the answer:
//! it is being delivered, and cutting it off half-way would leave its fate
//! unknown.

use chrono::{DateTime, Utc};
use entity::enums::MessageStatus;
use entity::{email_batch, message};
use sea_orm::{
    ColumnTrait as _, Condition, DatabaseConnection, DatabaseTransaction, EntityTrait as _,
    QueryFilter as _, QueryOrder as _,
};

use super::message_state::{self, Change};
use super::messages::{self, status_name};
use crate::access::Actor;
use crate::error::{ApiError, ApiResult};

/// What a change did.
#[derive(Debug, Default)]
pub struct Changed {
    /// The messages changed, as they are now.
    pub changed: Vec<message::Model>,
    /// Messages left alone because a dispatcher is delivering them.
    pub already_sending: Vec<message::Model>,
}

/// Applies `change` to the message `id` the actor may see, and returns the
/// message as it is now. A message in SENDING is reported, not changed; one
/// in any other status the change does not apply to is a `CONFLICT`.
pub async fn change_message(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    change: Change,
    now: DateTime<Utc>,
) -> ApiResult<(message::Model, Changed)> {
    crate::db::write_transaction!(db, |txn| {
        let found = messages::find(txn, actor, id).await?;
        let changed = message_state::change_waiting(
            txn,
            Condition::all().add(message::Column::Id.eq(found.id)),
            change,
            now,
        )
        .await?;
        // Read again: a dispatcher may have claimed it since it was found.
        // (No early `return Ok`: it would leave the block without committing.)
        let current = messages::find(txn, actor, found.id).await?;
        if changed.is_empty() && current.status != MessageStatus::Sending {
            return Err(refusal(change, current.status));
        }
        let already_sending = if changed.is_empty() {
            vec![current.clone()]
        } else {
            Vec::new()
        };
        Ok((
            current,
            Changed {
                changed,
                already_sending,
            },
        ))
    })
}

/// The change that moves a scheduled message to `at`: in the future, and as
/// far ahead as `sendEmail` allows.
pub fn reschedule_to(at: DateTime<Utc>, now: DateTime<Utc>) -> ApiResult<Change> {
    if at <= now {
        return Err(ApiError::validation(
            "scheduledAt",
            "the new time must be in the future; use sendMessageNow to send it at once",
        ));
    }
    super::send::check_schedule_horizon(at, now)?;
    Ok(Change::Reschedule(at))
}

/// Why `change` does not apply to a message in `status`.
pub fn refusal(change: Change, status: MessageStatus) -> ApiError {
    let status = status_name(status);
    ApiError::conflict(match (change, status) {
        (Change::Retry, "BOUNCED") => "a bounced message reached the recipient's server, \
             which returned it: it is not retried; send it again with sendEmail"
            .to_owned(),
        (Change::Cancel, _) => {
            format!(
                "only a message that has not started to leave can be cancelled; this one is {status}"
            )
        }
        (Change::SendNow, _) => {
            format!("only a scheduled message can be sent now; this one is {status}")
        }
        (Change::Reschedule(_), _) => {
            format!("only a scheduled message can be rescheduled; this one is {status}")
        }
        (Change::Retry, _) => format!("only a failed message can be retried; this one is {status}"),
    })
}

/// Cancels every message of the bulk send `batch_id` the actor may see that
/// has not started to leave; those being delivered are reported.
pub async fn cancel_batch(
    db: &DatabaseConnection,
    actor: &Actor,
    batch_id: i64,
    now: DateTime<Utc>,
) -> ApiResult<(email_batch::Model, Changed)> {
    crate::db::write_transaction!(db, |txn| {
        let batch = messages::find_batch(txn, actor, batch_id).await?;
        let of_batch = Condition::all().add(message::Column::BatchId.eq(batch.id));
        let changed = message_state::change_waiting(txn, of_batch, Change::Cancel, now).await?;
        let already_sending = sending_of_batch(txn, batch.id).await?;
        Ok((
            batch,
            Changed {
                changed,
                already_sending,
            },
        ))
    })
}

async fn sending_of_batch(
    txn: &DatabaseTransaction,
    batch_id: i64,
) -> ApiResult<Vec<message::Model>> {
    Ok(message::Entity::find()
        .filter(message::Column::BatchId.eq(batch_id))
        .filter(message::Column::Status.eq(MessageStatus::Sending))
        .order_by_asc(message::Column::Id)
        .all(txn)
        .await?)
}
