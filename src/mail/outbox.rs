//! The outbox: every outbound message is a row that moves SCHEDULED → QUEUED →
//! SENDING → SENT (or FAILED, or CANCELLED before it leaves). Writing the row
//! is what "sending" means to the API; the dispatcher delivers it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::enums::{MessageDirection, MessageStatus, RecipientKind};
use entity::{message, message_attachment, message_content, message_recipient};
use rand::RngCore as _;
use sea_orm::{ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _, Set};

use super::compose::CalendarPart;
use crate::access::Actor;
use crate::error::{ApiError, ApiResult};

/// An addressee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Addressee {
    pub address: String,
    pub name: Option<String>,
}

impl Addressee {
    /// A candidate, by their full name.
    pub fn candidate(candidate: &entity::candidate::Model) -> Self {
        Self {
            address: candidate.email.clone(),
            name: Some(crate::candidates::full_name(candidate)),
        }
    }
}

/// A rendered message ready for the outbox.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub company_id: i64,
    pub candidate_id: Option<i64>,
    pub application_id: Option<i64>,
    pub subsidiary_id: Option<i64>,
    pub sender_user_id: Option<i64>,
    pub template_id: Option<i64>,
    pub batch_id: Option<i64>,
    pub interview_id: Option<i64>,
    pub subject: String,
    pub text_body: String,
    pub html_body: Option<String>,
    pub from: Addressee,
    pub to: Vec<Addressee>,
    pub cc: Vec<Addressee>,
    pub bcc: Vec<Addressee>,
    /// Documents attached, in order.
    pub attachment_ids: Vec<i64>,
    /// Delivery not before this time; `None` means now.
    pub scheduled_at: Option<DateTime<Utc>>,
    pub idempotency_key: Option<String>,
    /// The iCalendar object of an interview invitation.
    pub calendar: Option<CalendarPart>,
    /// An automatic answer (RFC 3834 §5): sent with `Auto-Submitted:
    /// auto-replied`, so that other responders leave it unanswered.
    pub auto_reply: bool,
    /// Set on an answer to a message of the thread.
    pub threading: Option<Threading>,
}

/// What makes a message an answer in the recipient's mail program
/// (RFC 5322 §3.6.4).
#[derive(Clone, Debug)]
pub struct Threading {
    /// The Message-ID answered.
    pub in_reply_to: String,
    /// The chain of Message-IDs up to and including the one answered.
    pub references: String,
}

/// The `Auto-Submitted` value of automatic answers (RFC 3834 §5).
pub const AUTO_REPLIED: &str = "auto-replied";

/// A random token of 128 bits, hex-encoded.
pub fn token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Writes messages with their contents, recipients and attachments, in four
/// statements per chunk. The Message-ID (RFC 5322 §3.6.4) and the reply token
/// are fixed now, so a retried delivery carries the same ones and replies
/// thread back whatever happens. Returns the rows in the order given.
pub async fn enqueue_many(
    db: &impl ConnectionTrait,
    messages: Vec<NewMessage>,
    id_domain: &str,
    now: DateTime<Utc>,
) -> ApiResult<Vec<message::Model>> {
    let mut rows = Vec::with_capacity(messages.len());
    let mut messages = messages.into_iter().peekable();
    while messages.peek().is_some() {
        let chunk: Vec<NewMessage> = messages.by_ref().take(ENQUEUE_CHUNK).collect();
        rows.extend(enqueue_chunk(db, chunk, id_domain, now).await?);
    }
    Ok(rows)
}

/// Messages per INSERT: their columns stay under SQLite's 32,766 parameters.
const ENQUEUE_CHUNK: usize = 500;

async fn enqueue_chunk(
    db: &impl ConnectionTrait,
    chunk: Vec<NewMessage>,
    id_domain: &str,
    now: DateTime<Utc>,
) -> ApiResult<Vec<message::Model>> {
    let mut parts = HashMap::new();
    let mut order = Vec::with_capacity(chunk.len());
    let models: Vec<message::ActiveModel> = chunk
        .into_iter()
        .map(|new| {
            let header = format!("<{}@{id_domain}>", token());
            let due = new.scheduled_at.filter(|at| *at > now);
            order.push(header.clone());
            let model = message::ActiveModel {
                company_id: Set(new.company_id),
                candidate_id: Set(new.candidate_id),
                application_id: Set(new.application_id),
                subsidiary_id: Set(new.subsidiary_id),
                sender_user_id: Set(new.sender_user_id),
                template_id: Set(new.template_id),
                batch_id: Set(new.batch_id),
                interview_id: Set(new.interview_id),
                direction: Set(MessageDirection::Outbound),
                status: Set(if due.is_some() {
                    MessageStatus::Scheduled
                } else {
                    MessageStatus::Queued
                }),
                subject: Set(new.subject),
                from_address: Set(new.from.address),
                from_name: Set(new.from.name),
                reply_token: Set(Some(token())),
                message_id_header: Set(Some(header.clone())),
                idempotency_key: Set(new.idempotency_key),
                scheduled_at: Set(due),
                next_attempt_at: Set(Some(due.unwrap_or(now))),
                lease_until: Set(None),
                sent_at: Set(None),
                received_at: Set(None),
                in_reply_to: Set(new.threading.as_ref().map(|t| t.in_reply_to.clone())),
                references_header: Set(new.threading.as_ref().map(|t| t.references.clone())),
                attempts: Set(0),
                last_error: Set(None),
                created_at: Set(now),
                calendar_method: Set(new.calendar.as_ref().map(|c| c.method.clone())),
                auto_submitted: Set(new.auto_reply.then(|| AUTO_REPLIED.to_owned())),
                ..Default::default()
            };
            let content = message_content::ActiveModel {
                message_id: Set(0),
                text_body: Set(new.text_body),
                html_body: Set(new.html_body),
                calendar: Set(new.calendar.map(|c| c.text)),
            };
            parts.insert(
                header,
                (new.to, new.cc, new.bcc, new.attachment_ids, content),
            );
            model
        })
        .collect();
    let inserted = message::Entity::insert_many(models)
        .exec_with_returning(db)
        .await
        .map_err(|e| ApiError::from_write(e, "a message with this idempotency key"))?;
    let mut by_header: HashMap<String, message::Model> = inserted
        .into_iter()
        .filter_map(|m| Some((m.message_id_header.clone()?, m)))
        .collect();
    let mut contents = Vec::with_capacity(order.len());
    let mut recipients = Vec::new();
    let mut attachments = Vec::new();
    let mut rows = Vec::with_capacity(order.len());
    for header in order {
        let row = by_header
            .remove(&header)
            .ok_or_else(|| anyhow::anyhow!("an inserted message was not returned"))?;
        let (to, cc, bcc, attached, mut content) = parts
            .remove(&header)
            .ok_or_else(|| anyhow::anyhow!("an inserted message has no content"))?;
        content.message_id = Set(row.id);
        contents.push(content);
        for (kind, list) in [
            (RecipientKind::To, to),
            (RecipientKind::Cc, cc),
            (RecipientKind::Bcc, bcc),
        ] {
            recipients.extend(list.into_iter().map(|a| message_recipient::ActiveModel {
                message_id: Set(row.id),
                kind: Set(kind),
                address: Set(a.address),
                name: Set(a.name),
                ..Default::default()
            }));
        }
        attachments.extend(attached.iter().enumerate().map(|(i, document_id)| {
            message_attachment::ActiveModel {
                message_id: Set(row.id),
                document_id: Set(*document_id),
                position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
            }
        }));
        rows.push(row);
    }
    message_content::Entity::insert_many(contents)
        .exec(db)
        .await?;
    // Recipient rows have five columns, attachment rows three: 2,000 rows per
    // statement stay under the parameter limits whatever a message carries.
    for part in recipients.chunks(ENQUEUE_CHUNK * 4) {
        message_recipient::Entity::insert_many(part.to_vec())
            .exec(db)
            .await?;
    }
    for part in attachments.chunks(ENQUEUE_CHUNK * 4) {
        message_attachment::Entity::insert_many(part.to_vec())
            .exec(db)
            .await?;
    }
    Ok(rows)
}

/// Cancels a scheduled message; one that has started to leave cannot be.
pub async fn cancel_scheduled(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<message::Model> {
    let found = super::messages::find(db, actor, id).await?;
    // One conditional update, so a dispatcher claiming the message at the
    // same moment cannot both send and see it cancelled.
    let updated = message::Entity::update_many()
        .col_expr(
            message::Column::Status,
            sea_orm::sea_query::Expr::value(MessageStatus::Cancelled),
        )
        .filter(message::Column::Id.eq(found.id))
        .filter(message::Column::Status.eq(MessageStatus::Scheduled))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Err(ApiError::conflict(format!(
            "only a scheduled message can be cancelled; this one is {}",
            super::messages::status_name(found.status)
        )));
    }
    super::messages::find(db, actor, found.id).await
}
