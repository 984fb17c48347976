//! The candidate's documents, and the files only they used.

use entity::enums::DocumentSource;
use entity::{document, email_template_document, message_attachment};
use sea_orm::{
    ColumnTrait as _, Condition, DatabaseTransaction, EntityTrait as _, QueryFilter as _,
};

use crate::error::ApiResult;

/// Ids per `IN (…)` list.
const CHUNK: usize = 500;

/// The documents of one erasure: the candidate's, and the attachments of
/// their received mail that waits unassigned (no candidate yet).
pub async fn reach(
    txn: &DatabaseTransaction,
    company_id: i64,
    candidate_id: i64,
    own_messages: &[i64],
) -> ApiResult<Vec<document::Model>> {
    let mut rows = document::Entity::find()
        .filter(document::Column::CompanyId.eq(company_id))
        .filter(document::Column::CandidateId.eq(candidate_id))
        .all(txn)
        .await?;
    for chunk in own_messages.chunks(CHUNK) {
        let attached = message_attachment::Entity::find()
            .filter(message_attachment::Column::MessageId.is_in(chunk.iter().copied()))
            .all(txn)
            .await?;
        let ids: Vec<i64> = attached.iter().map(|a| a.document_id).collect();
        for ids in ids.chunks(CHUNK) {
            let unassigned = document::Entity::find()
                .filter(document::Column::CompanyId.eq(company_id))
                .filter(
                    Condition::all()
                        .add(document::Column::Id.is_in(ids.iter().copied()))
                        .add(document::Column::CandidateId.is_null())
                        .add(document::Column::Source.eq(DocumentSource::Inbound)),
                )
                .all(txn)
                .await?;
            rows.extend(unassigned);
        }
    }
    rows.sort_by_key(|d| d.id);
    rows.dedup_by_key(|d| d.id);
    Ok(rows)
}

/// Deletes `rows` with every link to them (messages keep their record
/// without the file, as when a document is deleted) and counts their
/// files one reference less.
pub async fn delete(
    txn: &DatabaseTransaction,
    rows: &[document::Model],
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    let ids: Vec<i64> = rows.iter().map(|d| d.id).collect();
    for chunk in ids.chunks(CHUNK) {
        message_attachment::Entity::delete_many()
            .filter(message_attachment::Column::DocumentId.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
        email_template_document::Entity::delete_many()
            .filter(email_template_document::Column::DocumentId.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
        document::Entity::delete_many()
            .filter(document::Column::Id.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    crate::blobs::references::release(txn, rows.iter().map(|d| d.blob_key.clone()), now).await
}
