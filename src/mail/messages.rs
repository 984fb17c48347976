//! Reading messages: who may see which, the inbox across candidates, bulk
//! sends, and the recipients and attachments of a page of messages.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::enums::{MessageDirection, MessageStatus};
use entity::{
    document, email_batch, message, message_attachment, message_content, message_recipient,
};
use sea_orm::sea_query::{Expr, ExprTrait as _, Func, LikeExpr, Query};
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, EntityTrait as _, QueryFilter as _,
    QueryOrder as _, QuerySelect as _, Select,
};

use crate::access::{Actor, PositionScope};
use crate::candidates;
use crate::error::{ApiError, ApiResult};

/// The messages `actor` may see: their company's, and for hiring managers only
/// those of candidates who applied to one of their positions.
pub fn visible(actor: &Actor) -> Select<message::Entity> {
    let query = message::Entity::find().filter(message::Column::CompanyId.eq(actor.company_id));
    match &actor.positions {
        PositionScope::All => query,
        PositionScope::Assigned(_) => query
            .filter(message::Column::CandidateId.in_subquery(candidates::applicants(actor, None))),
    }
}

/// Mail to and from candidates only: without interview participants'
/// copies of interview emails, which are mail to employees (see
/// `crate::interviews::participants`), nor received mail set aside with no
/// candidate (`crate::inbound::assignment`).
pub fn of_candidates(query: Select<message::Entity>) -> Select<message::Entity> {
    query
        .filter(message::Column::ParticipantUserId.is_null())
        .filter(message::Column::CandidateId.is_not_null())
}

/// Most characters of an inbox search: enough for any phrase a person types,
/// and a bound on the pattern every row is compared with.
pub const MAX_SEARCH_CHARS: usize = 200;

/// Narrows the inbox (`messages`); all given conditions must hold.
#[derive(Debug, Default)]
pub struct MessageFilter {
    pub direction: Option<MessageDirection>,
    pub status: Option<MessageStatus>,
    pub candidate_id: Option<i64>,
    /// Written (sent, scheduled or received) at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// A case-insensitive part of the subject or the plain-text body, at most
    /// [`MAX_SEARCH_CHARS`] on one line (checked by the caller).
    pub search: Option<String>,
}

/// `visible` narrowed by `filter`: the recruiting inbox across candidates.
///
/// A candidate the caller may not see names no message, exactly like one
/// that does not exist, because the filter only narrows `visible`.
pub fn search(actor: &Actor, filter: &MessageFilter) -> Select<message::Entity> {
    let mut query = of_candidates(visible(actor));
    if let Some(direction) = filter.direction {
        query = query.filter(message::Column::Direction.eq(direction));
    }
    if let Some(status) = filter.status {
        query = query.filter(message::Column::Status.eq(status));
    }
    if let Some(candidate) = filter.candidate_id {
        query = query.filter(message::Column::CandidateId.eq(candidate));
    }
    if let Some(since) = filter.since {
        query = query.filter(message::Column::CreatedAt.gte(since));
    }
    if let Some(text) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        // Lower-cased on both sides, so case does not matter (on SQLite for
        // ASCII letters only: its `lower` knows no others); escaped, so `%`
        // and `_` match only themselves.
        let pattern = format!("%{}%", candidates::escape_like(&text.to_lowercase()));
        let like = |column: Expr| {
            Expr::expr(Func::lower(column)).like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        // Correlated, so only the bodies of the messages the other
        // conditions leave are read, never another company's.
        let in_body = Query::select()
            .expr(Expr::val(1))
            .from(message_content::Entity)
            .and_where(
                Expr::col((message_content::Entity, message_content::Column::MessageId))
                    .equals((message::Entity, message::Column::Id)),
            )
            .and_where(like(Expr::col((
                message_content::Entity,
                message_content::Column::TextBody,
            ))))
            .to_owned();
        query = query.filter(
            Condition::any()
                .add(like(Expr::col((message::Entity, message::Column::Subject))))
                .add(Expr::exists(in_body)),
        );
    }
    query
}

pub async fn find(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> ApiResult<message::Model> {
    visible(actor)
        .filter(message::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("message"))
}

/// The recipients of each of `messages`, in the order they were given.
pub async fn recipients(
    db: &impl ConnectionTrait,
    messages: &[i64],
) -> ApiResult<HashMap<i64, Vec<message_recipient::Model>>> {
    let mut by_message: HashMap<i64, Vec<message_recipient::Model>> = HashMap::new();
    for r in message_recipient::Entity::find()
        .filter(message_recipient::Column::MessageId.is_in(messages.iter().copied()))
        .order_by_asc(message_recipient::Column::Id)
        .all(db)
        .await?
    {
        by_message.entry(r.message_id).or_default().push(r);
    }
    Ok(by_message)
}

/// The contents of each of `messages`.
pub async fn contents(
    db: &impl ConnectionTrait,
    messages: &[i64],
) -> ApiResult<HashMap<i64, message_content::Model>> {
    Ok(message_content::Entity::find()
        .filter(message_content::Column::MessageId.is_in(messages.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.message_id, c))
        .collect())
}

/// The attached documents of each of `messages`, in order: two statements
/// for the whole page. A document attached to several of them (the same file
/// in a bulk send) is read once.
pub async fn attachments(
    db: &impl ConnectionTrait,
    messages: &[i64],
) -> ApiResult<HashMap<i64, Vec<document::Model>>> {
    let links = message_attachment::Entity::find()
        .filter(message_attachment::Column::MessageId.is_in(messages.iter().copied()))
        .order_by_asc(message_attachment::Column::MessageId)
        .order_by_asc(message_attachment::Column::Position)
        .all(db)
        .await?;
    if links.is_empty() {
        return Ok(HashMap::new());
    }
    let documents: HashMap<i64, document::Model> = document::Entity::find()
        .filter(document::Column::Id.is_in(links.iter().map(|l| l.document_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let mut by_message: HashMap<i64, Vec<document::Model>> = HashMap::new();
    for link in links {
        if let Some(document) = documents.get(&link.document_id) {
            by_message
                .entry(link.message_id)
                .or_default()
                .push(document.clone());
        }
    }
    Ok(by_message)
}

/// The inline parts of each of `messages` (received attachments with a
/// Content-ID their HTML may show): `(content ID, document ID)`, in one
/// statement for the whole page.
pub async fn inline_parts(
    db: &impl ConnectionTrait,
    messages: &[i64],
) -> ApiResult<HashMap<i64, Vec<(String, i64)>>> {
    let mut by_message: HashMap<i64, Vec<(String, i64)>> = HashMap::new();
    for link in message_attachment::Entity::find()
        .filter(message_attachment::Column::MessageId.is_in(messages.iter().copied()))
        .filter(message_attachment::Column::ContentId.is_not_null())
        .order_by_asc(message_attachment::Column::Position)
        .all(db)
        .await?
    {
        if let Some(content_id) = link.content_id {
            by_message
                .entry(link.message_id)
                .or_default()
                .push((content_id, link.document_id));
        }
    }
    Ok(by_message)
}

/// The API's name of a status.
pub fn status_name(status: MessageStatus) -> &'static str {
    match status {
        MessageStatus::Draft => "DRAFT",
        MessageStatus::Scheduled => "SCHEDULED",
        MessageStatus::Queued => "QUEUED",
        MessageStatus::Sending => "SENDING",
        MessageStatus::Sent => "SENT",
        MessageStatus::Failed => "FAILED",
        MessageStatus::Bounced => "BOUNCED",
        MessageStatus::Cancelled => "CANCELLED",
        MessageStatus::Received => "RECEIVED",
    }
}

/// The bulk sends `actor` may see: their company's, and for users limited
/// to their positions only their own sends, because a batch spans
/// candidates of many positions. `emailBatch`, `emailBatches` and
/// `Message.batch` all read batches through here.
pub fn visible_batches(actor: &Actor) -> Select<email_batch::Entity> {
    let query =
        email_batch::Entity::find().filter(email_batch::Column::CompanyId.eq(actor.company_id));
    match &actor.positions {
        PositionScope::All => query,
        PositionScope::Assigned(_) => {
            query.filter(email_batch::Column::CreatedById.eq(actor.user_id))
        }
    }
}

/// A bulk send the actor may see.
pub async fn find_batch(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<email_batch::Model> {
    visible_batches(actor)
        .filter(email_batch::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("email batch"))
}

/// Messages per status of each of `batches`, counted in one statement.
pub async fn batch_counts(
    db: &impl ConnectionTrait,
    batches: &[i64],
) -> ApiResult<HashMap<(i64, MessageStatus), i64>> {
    let rows: Vec<(Option<i64>, MessageStatus, i64)> = message::Entity::find()
        .select_only()
        .column(message::Column::BatchId)
        .column(message::Column::Status)
        .column_as(message::Column::Id.count(), "count")
        .filter(message::Column::BatchId.is_in(batches.iter().copied()))
        // The summary copy to CC and BCC is to no candidate: not one of
        // the send's messages (see `bulk_copies`).
        .filter(message::Column::CandidateId.is_not_null())
        .group_by(message::Column::BatchId)
        .group_by(message::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(batch, status, count)| Some(((batch?, status), count)))
        .collect())
}

/// Messages by status and the age of the oldest due one, across companies:
/// the outbox's figures for `/metrics`.
pub async fn outbox_figures(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> ApiResult<crate::metrics::OutboxFigures> {
    let counts: Vec<(MessageStatus, i64)> = message::Entity::find()
        .select_only()
        .column(message::Column::Status)
        .column_as(message::Column::Id.count(), "n")
        .group_by(message::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let oldest: Option<Option<DateTime<Utc>>> = message::Entity::find()
        .select_only()
        .column_as(message::Column::NextAttemptAt.min(), "oldest")
        .filter(message::Column::Status.eq(MessageStatus::Queued))
        .filter(message::Column::NextAttemptAt.lte(now))
        .into_tuple()
        .one(db)
        .await?;
    Ok(crate::metrics::OutboxFigures {
        // Every status, those with no message at 0: a gauge left at its last
        // value would show messages that have moved on.
        by_status: <MessageStatus as sea_orm::Iterable>::iter()
            .map(|status| {
                let n = counts
                    .iter()
                    .find(|(s, _)| *s == status)
                    .map_or(0, |(_, n)| *n);
                (status_name(status), n)
            })
            .collect(),
        oldest_due_seconds: oldest
            .flatten()
            .map(|at| Ord::max((now - at).num_seconds(), 0))
            .unwrap_or(0),
        instances_alive: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, QueryTrait as _};

    #[test]
    fn a_search_reads_only_the_bodies_of_the_callers_messages_with_escaped_text() {
        let filter = MessageFilter {
            search: Some("50%_off".to_owned()),
            ..Default::default()
        };
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let sql = search(&Actor::automatic(7, 1), &filter)
                .build(backend)
                .to_string();
            assert!(sql.contains("\"company_id\" = 7"), "{sql}");
            assert!(
                sql.contains("WHERE \"message_contents\".\"message_id\" = \"messages\".\"id\""),
                "the body search is correlated: {sql}"
            );
            assert!(sql.contains("EXISTS"), "{sql}");
            // Subject and body, each with `%` and `_` escaped (PostgreSQL
            // prints the backslash doubled inside E'…').
            assert_eq!(sql.matches("ESCAPE").count(), 2, "{sql}");
            assert_eq!(sql.matches("%50\\").count(), 2, "{sql}");
            assert!(!sql.contains("%50%"), "{sql}");
        }
    }
}
