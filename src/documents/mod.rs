//! Stored files: candidates' documents and the documents templates attach.

pub mod links;
pub mod opening;

use entity::document;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _,
    Set,
};

use crate::access::{Actor, Section};
use crate::candidates;
use crate::error::{ApiError, ApiResult};

/// A document the actor may see: a template's document to anyone who writes
/// messages; a candidate's document to whoever sees the candidate and holds
/// access to the document's category (any Candidates user for uncategorised
/// ones). Anything else is indistinguishable from a missing document.
pub async fn find(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> ApiResult<document::Model> {
    let missing = || ApiError::NotFound("document");
    let row = document::Entity::find_by_id(id)
        .filter(document::Column::CompanyId.eq(actor.company_id))
        .one(db)
        .await?
        .ok_or_else(missing)?;
    let visible = match (row.candidate_id, row.document_category_id) {
        (None, _) => actor.can(Section::Messages),
        (Some(candidate), category) => {
            let sees_candidate = actor.can(Section::Candidates)
                && match candidates::find(db, actor, candidate).await {
                    Ok(_) => true,
                    Err(ApiError::NotFound(_)) => false,
                    Err(other) => return Err(other),
                };
            sees_candidate
                && category.is_none_or(|category| actor.document_access(category).is_some())
        }
    };
    if visible { Ok(row) } else { Err(missing()) }
}

/// A candidate's file that came from outside (the career page's form, an
/// email), its content already stored.
pub struct ReceivedFile<'a> {
    pub candidate: &'a entity::candidate::Model,
    pub category_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub blob: &'a crate::blobs::StoredBlob,
}

/// Files a [`ReceivedFile`] as one of the candidate's documents, uploaded
/// by no user.
pub async fn file_received(
    db: &impl ConnectionTrait,
    file: ReceivedFile<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<document::Model> {
    Ok(document::ActiveModel {
        company_id: Set(file.candidate.company_id),
        candidate_id: Set(Some(file.candidate.id)),
        document_category_id: Set(Some(file.category_id)),
        file_name: Set(file.file_name),
        content_type: Set(file.content_type),
        size_bytes: Set(i64::try_from(file.blob.size).unwrap_or(i64::MAX)),
        sha256: Set(file.blob.sha256.clone()),
        blob_key: Set(file.blob.key.clone()),
        uploaded_by_id: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// An uploaded file, before it is stored.
#[derive(Debug)]
pub struct Upload {
    pub file_name: String,
    pub content_type: String,
    pub content: bytes::Bytes,
}

/// Stores an upload: for a candidate (the Candidates section, the candidate
/// visible, EDIT access to the category when one is given) or, without one,
/// as a company document to attach to messages and templates.
pub async fn upload(
    db: &impl ConnectionTrait,
    actor: &Actor,
    blobs: &crate::blobs::BlobStore,
    max_bytes: usize,
    upload: Upload,
    candidate_id: Option<i64>,
    category_id: Option<i64>,
) -> ApiResult<document::Model> {
    if upload.content.len() > max_bytes {
        return Err(ApiError::PayloadTooLarge(format!(
            "the file has {} bytes; at most {max_bytes} are accepted",
            upload.content.len()
        )));
    }
    let file_name = clean_file_name(&upload.file_name)
        .ok_or_else(|| ApiError::validation("file", "the file needs a name"))?;
    if let Some(candidate) = candidate_id {
        if !actor.can(Section::Candidates) {
            return Err(ApiError::forbidden(
                "access to the CANDIDATES section is required to add a candidate's document",
            ));
        }
        candidates::find(db, actor, candidate).await?;
    } else if !actor.can(Section::Messages) {
        return Err(ApiError::forbidden(
            "access to the MESSAGES section is required to upload attachments",
        ));
    }
    if let Some(category) = category_id {
        crate::organisation::find_document_category(db, actor, category).await?;
        if actor.document_access(category) != Some(entity::enums::DocumentAccess::Edit) {
            return Err(ApiError::forbidden(
                "EDIT access to this document category is required",
            ));
        }
    }
    let stored = blobs.put(upload.content).await?;
    Ok(document::ActiveModel {
        company_id: Set(actor.company_id),
        candidate_id: Set(candidate_id),
        document_category_id: Set(category_id),
        file_name: Set(file_name),
        content_type: Set(upload.content_type),
        size_bytes: Set(i64::try_from(stored.size).unwrap_or(i64::MAX)),
        sha256: Set(stored.sha256),
        blob_key: Set(stored.key),
        uploaded_by_id: Set(Some(actor.user_id)),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The last path segment of a file name, without control characters, at
/// most 200 characters: it ends up in a MIME header.
pub fn clean_file_name(raw: &str) -> Option<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim();
    (!cleaned.is_empty()).then(|| cleaned.to_owned())
}

/// Whether the actor may see a document attached to a message they can see:
/// company documents always, a candidate's with access to its category.
pub fn readable_on_message(actor: &Actor, document: &document::Model) -> bool {
    match (document.candidate_id, document.document_category_id) {
        (None, _) => true,
        (Some(_), None) => actor.can(Section::Candidates),
        (Some(_), Some(category)) => actor.document_access(category).is_some(),
    }
}
