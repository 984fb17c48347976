//! The messages an erasure reaches: the candidate's own (both directions),
//! the copies interview participants got about the candidate's interviews,
//! mail from their address still waiting to be assigned, and the summary
//! copies of bulk sends that list them.

use std::collections::BTreeSet;

use entity::enums::{MessageDirection, MessageStatus};
use entity::{message, message_content, message_recipient};
use sea_orm::sea_query::{Expr, ExprTrait as _, Func};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition, DatabaseTransaction, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QuerySelect as _, Set,
};

use super::redaction;
use crate::error::{ApiError, ApiResult};
use crate::events::{EventType, NewEvent};
use crate::graphql::ids::Kind;

/// Ids per `IN (…)` list: far under SQLite's parameter limit.
const CHUNK: usize = 500;

/// Statuses of messages that have not left yet and are cancelled.
const WAITING: [MessageStatus; 3] = [
    MessageStatus::Draft,
    MessageStatus::Scheduled,
    MessageStatus::Queued,
];

/// The messages of one erasure, locked.
#[derive(Debug, Default)]
pub struct Reached {
    /// Theirs: anonymised or deleted with them.
    pub own: Vec<message::Model>,
    /// Bulk summary copies naming them among others: their names and
    /// address are taken out, the copy stays for the others.
    pub copies: Vec<message::Model>,
}

impl Reached {
    pub fn own_ids(&self) -> Vec<i64> {
        self.own.iter().map(|m| m.id).collect()
    }

    pub fn copy_ids(&self) -> Vec<i64> {
        self.copies.iter().map(|m| m.id).collect()
    }
}

/// Finds and locks (PostgreSQL: `FOR UPDATE`, which waits for a dispatcher
/// claiming one of them) the messages of the candidate; `CONFLICT` while
/// one of them is being sent: its delivery must finish (or fail) first, so
/// a message is never erased half-way through leaving.
pub async fn reach(
    txn: &DatabaseTransaction,
    company_id: i64,
    candidate_id: i64,
    email: &str,
    interview_ids: &[i64],
) -> ApiResult<Reached> {
    let mut mine = Condition::any()
        .add(message::Column::CandidateId.eq(candidate_id))
        .add(
            Condition::all()
                .add(message::Column::CandidateId.is_null())
                .add(message::Column::Direction.eq(MessageDirection::Inbound))
                .add(Expr::expr(Func::lower(Expr::col(message::Column::FromAddress))).eq(email)),
        );
    for chunk in interview_ids.chunks(CHUNK) {
        mine = mine.add(message::Column::InterviewId.is_in(chunk.iter().copied()));
    }
    let own = message::Entity::find()
        .filter(message::Column::CompanyId.eq(company_id))
        .filter(mine)
        .lock_exclusive()
        .all(txn)
        .await?;
    let own_ids: BTreeSet<i64> = own.iter().map(|m| m.id).collect();
    let batches: BTreeSet<i64> = own.iter().filter_map(|m| m.batch_id).collect();
    let batches: Vec<i64> = batches.into_iter().collect();
    let mut copies = Vec::new();
    for chunk in batches.chunks(CHUNK) {
        let found = message::Entity::find()
            .filter(message::Column::CompanyId.eq(company_id))
            .filter(message::Column::BatchId.is_in(chunk.iter().copied()))
            .filter(message::Column::CandidateId.is_null())
            .filter(message::Column::ParticipantUserId.is_null())
            .lock_exclusive()
            .all(txn)
            .await?;
        copies.extend(found.into_iter().filter(|m| !own_ids.contains(&m.id)));
    }
    let sending = own
        .iter()
        .chain(&copies)
        .filter(|m| m.status == MessageStatus::Sending)
        .count();
    if sending > 0 {
        return Err(ApiError::conflict(format!(
            "{sending} message(s) to this candidate are being sent right now; \
             try again once they are sent"
        )));
    }
    Ok(Reached { own, copies })
}

/// Cancels the messages among `own` that wait to leave, with their
/// `message.cancelled` events (ids only); how many.
pub async fn cancel_waiting(
    txn: &DatabaseTransaction,
    own: &[message::Model],
    events: &mut Vec<NewEvent>,
) -> ApiResult<u64> {
    let waiting: Vec<&message::Model> =
        own.iter().filter(|m| WAITING.contains(&m.status)).collect();
    let ids: Vec<i64> = waiting.iter().map(|m| m.id).collect();
    for chunk in ids.chunks(CHUNK) {
        message::Entity::update_many()
            .col_expr(
                message::Column::Status,
                Expr::value(MessageStatus::Cancelled),
            )
            .col_expr(
                message::Column::NextAttemptAt,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .filter(message::Column::Id.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    events.extend(waiting.iter().map(|m| {
        NewEvent::new(
            m.company_id,
            EventType::MessageCancelled,
            Kind::Message,
            m.id,
        )
        .with_id("candidateId", Kind::Candidate, m.candidate_id)
    }));
    Ok(ids.len() as u64)
}

/// Blanks everything in `ids` that may name or reach the candidate:
/// subject, bodies, calendar, the recipients' addresses and names, the
/// sender of received mail, the Message-ID, In-Reply-To and References
/// headers (they may carry addresses), the reply token and the last
/// delivery error. What stays: direction, status, times, links — what the
/// company's statistics count.
pub async fn anonymise(
    txn: &DatabaseTransaction,
    ids: &[i64],
    erased_address: &str,
) -> ApiResult<()> {
    let none = || Expr::value(Option::<String>::None);
    for chunk in ids.chunks(CHUNK) {
        let ids = || chunk.iter().copied();
        message::Entity::update_many()
            .col_expr(message::Column::Subject, Expr::value(""))
            .col_expr(message::Column::FromName, none())
            .col_expr(message::Column::MessageIdHeader, none())
            .col_expr(message::Column::InReplyTo, none())
            .col_expr(message::Column::ReferencesHeader, none())
            .col_expr(message::Column::ReplyToken, none())
            .col_expr(message::Column::IdempotencyKey, none())
            .col_expr(message::Column::LastError, none())
            .filter(message::Column::Id.is_in(ids()))
            .exec(txn)
            .await?;
        message::Entity::update_many()
            .col_expr(message::Column::FromAddress, Expr::value(erased_address))
            .filter(message::Column::Id.is_in(ids()))
            .filter(message::Column::Direction.eq(MessageDirection::Inbound))
            .exec(txn)
            .await?;
        message_content::Entity::update_many()
            .col_expr(message_content::Column::TextBody, Expr::value(""))
            .col_expr(message_content::Column::HtmlBody, none())
            .col_expr(message_content::Column::Calendar, none())
            .filter(message_content::Column::MessageId.is_in(ids()))
            .exec(txn)
            .await?;
        message_recipient::Entity::update_many()
            .col_expr(
                message_recipient::Column::Address,
                Expr::value(erased_address),
            )
            .col_expr(message_recipient::Column::Name, none())
            .filter(message_recipient::Column::MessageId.is_in(ids()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Deletes the messages `ids` with their contents, recipients and
/// attachment links (cascades); invitations keep their rows without them.
pub async fn delete(txn: &DatabaseTransaction, ids: &[i64]) -> ApiResult<()> {
    for chunk in ids.chunks(CHUNK) {
        message::Entity::delete_many()
            .filter(message::Column::Id.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Takes the candidate's names and address (`words`) out of the summary
/// copies' subjects and bodies.
pub async fn redact_copies(
    txn: &DatabaseTransaction,
    copies: &[message::Model],
    words: &[String],
) -> ApiResult<()> {
    for copy in copies {
        let subject = redaction::redact(&copy.subject, words);
        if subject != copy.subject {
            let mut active = copy.clone().into_active_model();
            active.subject = Set(subject);
            active.update(txn).await?;
        }
        if let Some(content) = message_content::Entity::find_by_id(copy.id)
            .one(txn)
            .await?
        {
            let text = redaction::redact(&content.text_body, words);
            let html = content
                .html_body
                .as_deref()
                .map(|h| redaction::redact(h, words));
            let calendar = content
                .calendar
                .as_deref()
                .map(|c| redaction::redact(c, words));
            if text != content.text_body
                || html != content.html_body
                || calendar != content.calendar
            {
                let mut active = content.into_active_model();
                active.text_body = Set(text);
                active.html_body = Set(html);
                active.calendar = Set(calendar);
                active.update(txn).await?;
            }
        }
    }
    Ok(())
}
