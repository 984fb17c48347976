//! Stored files: candidates' documents and the documents templates attach.
//!
//! Who sees a document: a company document (no candidate) anyone with the
//! MESSAGES section, who attaches it; a candidate's document whoever sees
//! the candidate (the CANDIDATES section, and the position scope) and holds
//! VIEW or EDIT on its category (any CANDIDATES user for one without a
//! category). Changing or deleting one needs EDIT on its category (the
//! section that sees it for one without a category). The same rule is
//! [`find`] for one document and [`visible`] for lists, so a list is
//! filtered before it is paged.

pub mod links;
pub mod opening;

use entity::enums::{DocumentAccess, DocumentSource, MessageStatus};
use entity::{document, email_template_document, message, message_attachment};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition, ConnectionTrait, DatabaseConnection,
    EntityTrait as _, IntoActiveModel as _, ModelTrait as _, PaginatorTrait as _, QueryFilter as _,
    QuerySelect as _, QueryTrait as _, Select, Set,
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
    pub company_id: i64,
    /// `None` for the attachment of an email set aside for a recruiter to
    /// assign (`unassignedMessages`): it moves to the candidate with it.
    pub candidate_id: Option<i64>,
    pub category_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub blob: &'a crate::blobs::StoredBlob,
    /// FORM or INBOUND.
    pub source: DocumentSource,
}

/// Files a [`ReceivedFile`] as one of the candidate's documents, uploaded
/// by no user.
pub async fn file_received(
    db: &impl ConnectionTrait,
    file: ReceivedFile<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<document::Model> {
    crate::blobs::references::acquire(db, file.blob).await?;
    Ok(document::ActiveModel {
        company_id: Set(file.company_id),
        candidate_id: Set(file.candidate_id),
        document_category_id: Set(Some(file.category_id)),
        file_name: Set(file.file_name),
        content_type: Set(file.content_type),
        size_bytes: Set(i64::try_from(file.blob.size).unwrap_or(i64::MAX)),
        sha256: Set(file.blob.sha256.clone()),
        blob_key: Set(file.blob.key.clone()),
        uploaded_by_id: Set(None),
        created_at: Set(now),
        source: Set(file.source),
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
/// visible, EDIT access to the category: the one given, else the company's
/// category for received files, made when missing) or, without one, as a
/// company document to attach to messages and templates.
pub async fn upload(
    db: &DatabaseConnection,
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
        require_edit(db, actor, category).await?;
    }
    let now = chrono::Utc::now();
    let stored = blobs.put(upload.content).await?;
    let content_type = upload.content_type;
    crate::db::write_transaction!(db, |txn| {
        let category = match (candidate_id, category_id) {
            (Some(_), None) => {
                let default = crate::intake::category_for(
                    txn,
                    actor.company_id,
                    crate::intake::FileKind::Other,
                    now,
                )
                .await?;
                if actor.document_access(default) != Some(DocumentAccess::Edit) {
                    return Err(ApiError::forbidden(
                        "EDIT access to the company's category for received documents is \
                         required to upload without a category",
                    ));
                }
                Some(default)
            }
            (_, given) => given,
        };
        crate::blobs::references::acquire(txn, &stored).await?;
        document::ActiveModel {
            company_id: Set(actor.company_id),
            candidate_id: Set(candidate_id),
            document_category_id: Set(category),
            file_name: Set(file_name.clone()),
            content_type: Set(content_type.clone()),
            size_bytes: Set(i64::try_from(stored.size).unwrap_or(i64::MAX)),
            sha256: Set(stored.sha256.clone()),
            blob_key: Set(stored.key.clone()),
            uploaded_by_id: Set(Some(actor.user_id)),
            created_at: Set(now),
            source: Set(if candidate_id.is_some() {
                DocumentSource::Upload
            } else {
                DocumentSource::Template
            }),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(ApiError::from)
    })
}

/// Refuses unless `category` is the company's and the actor holds EDIT on it.
async fn require_edit(db: &impl ConnectionTrait, actor: &Actor, category: i64) -> ApiResult<()> {
    crate::organisation::find_document_category(db, actor, category).await?;
    if actor.document_access(category) == Some(DocumentAccess::Edit) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "EDIT access to this document category is required",
        ))
    }
}

/// Refuses unless the actor may change `row`, which they see: EDIT on its
/// category, or the section that sees it when it has none.
async fn require_change(
    db: &impl ConnectionTrait,
    actor: &Actor,
    row: &document::Model,
) -> ApiResult<()> {
    match (row.candidate_id, row.document_category_id) {
        (_, Some(category)) => require_edit(db, actor, category).await,
        // Seeing it took that section.
        (Some(_), None) | (None, None) => Ok(()),
    }
}

/// The documents `actor` may see, as one condition (see the module's rule).
pub fn visible(actor: &Actor) -> Select<document::Entity> {
    // An attachment of received mail waiting to be assigned
    // (`unassignedMessages`) is no company document: it is shown on its
    // message only, and joins a candidate's documents once assigned.
    let company_documents = Condition::all()
        .add(document::Column::CandidateId.is_null())
        .add(document::Column::Source.ne(DocumentSource::Inbound))
        .add(allowed(actor.can(Section::Messages)));
    let mut category = Condition::any().add(document::Column::DocumentCategoryId.is_null());
    category = match actor.viewable_categories() {
        None => category.add(document::Column::DocumentCategoryId.is_not_null()),
        Some(ids) => category.add(document::Column::DocumentCategoryId.is_in(ids)),
    };
    let candidate_ids = candidates::visible(actor)
        .select_only()
        .column(entity::candidate::Column::Id)
        .into_query();
    let candidates_documents = Condition::all()
        .add(allowed(actor.can(Section::Candidates)))
        .add(document::Column::CandidateId.in_subquery(candidate_ids))
        .add(category);
    document::Entity::find()
        .filter(document::Column::CompanyId.eq(actor.company_id))
        .filter(
            Condition::any()
                .add(company_documents)
                .add(candidates_documents),
        )
}

/// Which of the documents `ids` the actor may open (see [`visible`]), in
/// one query.
pub async fn openable(
    db: &impl ConnectionTrait,
    actor: &Actor,
    ids: impl IntoIterator<Item = i64>,
) -> ApiResult<std::collections::HashSet<i64>> {
    let ids: Vec<i64> = visible(actor)
        .filter(document::Column::Id.is_in(ids))
        .select_only()
        .column(document::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().collect())
}

/// A condition every row meets, or none.
fn allowed(yes: bool) -> Condition {
    if yes {
        Condition::all()
    } else {
        Condition::all().add(Expr::val(1).eq(0))
    }
}

/// Filters of the `documents` list.
#[derive(Debug, Default)]
pub struct DocumentFilter {
    pub candidate_id: Option<i64>,
    pub category_id: Option<i64>,
    pub source: Option<DocumentSource>,
}

/// `visible` narrowed by `filter`.
pub fn search(actor: &Actor, filter: &DocumentFilter) -> Select<document::Entity> {
    let mut query = visible(actor);
    if let Some(candidate) = filter.candidate_id {
        query = query.filter(document::Column::CandidateId.eq(candidate));
    }
    if let Some(category) = filter.category_id {
        query = query.filter(document::Column::DocumentCategoryId.eq(category));
    }
    if let Some(source) = filter.source {
        query = query.filter(document::Column::Source.eq(source));
    }
    query
}

/// A validated change of a document; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct DocumentChange {
    pub file_name: Option<String>,
    pub category_id: Option<i64>,
}

/// Renames a document or moves it to another category: EDIT on the
/// category it is in and on the one it moves to.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    change: DocumentChange,
) -> ApiResult<document::Model> {
    crate::db::write_transaction!(db, |txn| {
        let row = find(txn, actor, id).await?;
        require_change(txn, actor, &row).await?;
        if let Some(category) = change.category_id {
            if row.candidate_id.is_none() {
                return Err(ApiError::validation(
                    "documentCategoryId",
                    "company documents have no category",
                ));
            }
            require_edit(txn, actor, category).await?;
        }
        let mut active = row.into_active_model();
        if let Some(name) = &change.file_name {
            active.file_name = Set(name.clone());
        }
        if let Some(category) = change.category_id {
            active.document_category_id = Set(Some(category));
        }
        Ok(active.update(txn).await?)
    })
}

/// Chooses the category received files are filed in (admins; the guard
/// checks). The category must be the company's.
pub async fn set_received_category(
    db: &DatabaseConnection,
    actor: &Actor,
    category: i64,
) -> ApiResult<entity::company::Model> {
    crate::db::write_transaction!(db, |txn| {
        crate::organisation::find_document_category(txn, actor, category).await?;
        let company = entity::company::Entity::find_by_id(actor.company_id)
            .one(txn)
            .await?
            .ok_or(ApiError::NotFound("company"))?;
        let mut active = company.into_active_model();
        active.received_document_category_id = Set(Some(category));
        Ok(active.update(txn).await?)
    })
}

/// Messages that still need their attachments: they have not left yet.
const WAITING: [MessageStatus; 3] = [
    MessageStatus::Scheduled,
    MessageStatus::Queued,
    MessageStatus::Sending,
];

/// Deletes a document (EDIT, as for [`update`]). Refused with `CONFLICT`
/// while a message waiting to leave or a template attaches it; messages that
/// left, or came in, keep their record but lose the file. The content goes
/// from the blob store with the last document that uses it
/// ([`crate::blobs::references`]).
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    blobs: &crate::blobs::BlobStore,
    id: i64,
) -> ApiResult<()> {
    crate::db::write_transaction!(db, |txn| {
        let row = find(txn, actor, id).await?;
        require_change(txn, actor, &row).await?;
        let waiting = message_attachment::Entity::find()
            .filter(message_attachment::Column::DocumentId.eq(id))
            .filter(
                message_attachment::Column::MessageId.in_subquery(
                    message::Entity::find()
                        .select_only()
                        .column(message::Column::Id)
                        .filter(message::Column::Status.is_in(WAITING))
                        .into_query(),
                ),
            )
            .count(txn)
            .await?;
        if waiting > 0 {
            return Err(ApiError::conflict(format!(
                "{waiting} message(s) waiting to be sent attach this document; cancel them first"
            )));
        }
        let templates = email_template_document::Entity::find()
            .filter(email_template_document::Column::DocumentId.eq(id))
            .count(txn)
            .await?;
        if templates > 0 {
            return Err(ApiError::conflict(format!(
                "{templates} email template(s) attach this document; remove it from them first"
            )));
        }
        message_attachment::Entity::delete_many()
            .filter(message_attachment::Column::DocumentId.eq(id))
            .exec(txn)
            .await?;
        let key = row.blob_key.clone();
        row.delete(txn)
            .await
            .map_err(|e| ApiError::from_write(e, "this document"))?;
        crate::blobs::references::release(txn, [key], chrono::Utc::now()).await?;
        Ok(())
    })?;
    crate::blobs::references::sweep(db, blobs).await?;
    Ok(())
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
