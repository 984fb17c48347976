//! Whether received mail has been read.
//!
//! Read state belongs to the message, not to each user: the recruiting
//! mailbox is the company's, shared by its recruiters, and a reply one of
//! them has read no longer waits for anyone (as in a shared mailbox of a
//! mail program). Mail the company sends has no read state.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::enums::MessageDirection;
use entity::message;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, PaginatorTrait as _, QueryFilter as _, QuerySelect as _,
    Select,
};

use super::messages;
use crate::access::Actor;
use crate::error::{ApiError, ApiResult};

/// Most messages marked at once: a page of the inbox, and more.
pub const MAX_MARKED: usize = 500;

/// The messages `actor` may see that were received and nobody has read:
/// mail from candidates, in their threads.
pub fn unread(actor: &Actor) -> Select<message::Entity> {
    messages::of_candidates(messages::visible(actor))
        .filter(message::Column::Direction.eq(MessageDirection::Inbound))
        .filter(message::Column::ReadAt.is_null())
}

/// How many unread received messages each of `candidates` has, in one
/// statement; a candidate without any is left out.
pub async fn unread_counts(
    db: &impl ConnectionTrait,
    actor: &Actor,
    candidates: &[i64],
) -> ApiResult<HashMap<i64, i64>> {
    let counts: Vec<(i64, i64)> = unread(actor)
        .filter(message::Column::CandidateId.is_in(candidates.iter().copied()))
        .select_only()
        .column(message::Column::CandidateId)
        .column_as(message::Column::Id.count(), "unread")
        .group_by(message::Column::CandidateId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts.into_iter().collect())
}

/// What [`mark`] did.
#[derive(Debug)]
pub struct Marked {
    /// The messages named, in the order first named.
    pub messages: Vec<message::Model>,
    /// How many of them changed: received ones not already in the state
    /// asked for.
    pub changed: u64,
}

/// Marks the messages `ids` read at `now`, or unread again, for everyone.
/// One already read keeps the time it was first read. Messages the company
/// sent are named without error and left as they are. A message the
/// actor may not see is `NOT_FOUND`, and then none is marked.
pub async fn mark(
    db: &impl crate::db::Writable,
    actor: &Actor,
    ids: &[i64],
    read: bool,
    now: DateTime<Utc>,
) -> ApiResult<Marked> {
    let mut named: Vec<i64> = Vec::with_capacity(ids.len());
    for id in ids {
        if !named.contains(id) {
            named.push(*id);
        }
    }
    crate::db::write_transaction!(db, |txn| {
        let found = messages::visible(actor)
            .filter(message::Column::Id.is_in(named.clone()))
            .count(txn)
            .await?;
        if usize::try_from(found).ok() != Some(named.len()) {
            return Err(ApiError::NotFound("message"));
        }
        let changed =
            super::message_state::set_read(txn, actor.company_id, &named, read, now).await?;
        let mut rows = messages::visible(actor)
            .filter(message::Column::Id.is_in(named.clone()))
            .all(txn)
            .await?;
        rows.sort_by_key(|row| named.iter().position(|id| *id == row.id));
        Ok(Marked {
            messages: rows,
            changed,
        })
    })
}
