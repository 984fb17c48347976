//! Reading messages: who may see which, and their recipients and attachments.

use std::collections::HashMap;

use entity::enums::MessageStatus;
use entity::{document, message, message_attachment, message_content, message_recipient};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _, QueryOrder as _, Select,
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

/// A bulk send the actor may see.
pub async fn find_batch(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<entity::email_batch::Model> {
    let query = entity::email_batch::Entity::find_by_id(id)
        .filter(entity::email_batch::Column::CompanyId.eq(actor.company_id));
    // A batch spans candidates of many positions: users limited to their
    // positions see only their own sends.
    let query = match &actor.positions {
        PositionScope::All => query,
        PositionScope::Assigned(_) => {
            query.filter(entity::email_batch::Column::CreatedById.eq(actor.user_id))
        }
    };
    query
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("email batch"))
}
