//! Stored files: candidates' documents and the documents templates attach.

use entity::document;
use sea_orm::{ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _};

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
