//! The outbox: every outbound message is a row that moves SCHEDULED → QUEUED →
//! SENDING → SENT (or FAILED, or CANCELLED before it leaves). Writing the row
//! is what "sending" means to the API; the dispatcher delivers it.

use chrono::{DateTime, Utc};
use entity::enums::{MessageDirection, MessageStatus, RecipientKind};
use entity::{message, message_attachment, message_recipient};
use rand::RngCore as _;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _,
    Set,
};

use crate::access::Actor;
use crate::error::{ApiError, ApiResult};

/// An addressee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Addressee {
    pub address: String,
    pub name: Option<String>,
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
}

/// A random token of 128 bits, hex-encoded.
pub fn token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Writes a message, its recipients and attachments. The Message-ID (RFC 5322
/// §3.6.4) and the reply token are fixed now, so a retried delivery carries
/// the same ones and replies thread back whatever happens.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    new: NewMessage,
    id_domain: &str,
    now: DateTime<Utc>,
) -> ApiResult<message::Model> {
    let due = new.scheduled_at.filter(|at| *at > now);
    let row = message::ActiveModel {
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
        text_body: Set(new.text_body),
        html_body: Set(new.html_body),
        from_address: Set(new.from.address),
        from_name: Set(new.from.name),
        reply_token: Set(Some(token())),
        message_id_header: Set(Some(format!("<{}@{id_domain}>", token()))),
        idempotency_key: Set(new.idempotency_key),
        scheduled_at: Set(due),
        next_attempt_at: Set(Some(due.unwrap_or(now))),
        attempts: Set(0),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| ApiError::from_write(e, "a message with this idempotency key"))?;
    let recipients = [
        (RecipientKind::To, new.to),
        (RecipientKind::Cc, new.cc),
        (RecipientKind::Bcc, new.bcc),
    ];
    let rows: Vec<_> = recipients
        .into_iter()
        .flat_map(|(kind, list)| {
            list.into_iter()
                .map(move |a| message_recipient::ActiveModel {
                    message_id: Set(row.id),
                    kind: Set(kind),
                    address: Set(a.address),
                    name: Set(a.name),
                    ..Default::default()
                })
        })
        .collect();
    if !rows.is_empty() {
        message_recipient::Entity::insert_many(rows)
            .exec(db)
            .await?;
    }
    let attachments: Vec<_> = new
        .attachment_ids
        .iter()
        .enumerate()
        .map(|(i, document_id)| message_attachment::ActiveModel {
            message_id: Set(row.id),
            document_id: Set(*document_id),
            position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
        })
        .collect();
    if !attachments.is_empty() {
        message_attachment::Entity::insert_many(attachments)
            .exec(db)
            .await?;
    }
    Ok(row)
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
