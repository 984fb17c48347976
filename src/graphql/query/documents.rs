//! Reading documents across candidates.

use async_graphql::{Context, ID, InputObject, Object};
use entity::document;

use crate::access::{ContextExt as _, Require};
use crate::documents::{self, DocumentFilter};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::pagination::{Conn, Page, paginate};
use crate::graphql::state::{db, max_page_size};
use crate::graphql::types::{Document, DocumentSource};

#[derive(Default)]
pub struct DocumentsQuery;

/// Narrows the `documents` list; filters combine with AND.
#[derive(InputObject, Default)]
struct DocumentsFilter {
    /// One candidate's documents.
    candidate_id: Option<ID>,
    /// The documents filed in one category.
    document_category_id: Option<ID>,
    source: Option<DocumentSource>,
}

#[Object]
impl DocumentsQuery {
    /// Every document the caller may see, oldest first: candidates' documents
    /// in the categories they hold VIEW or EDIT on (and whose candidates they
    /// see), and company documents to MESSAGES users. Filtered before paging,
    /// so `totalCount` counts only those.
    #[graphql(
        guard = "Require::SignedIn",
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn documents(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<DocumentsFilter>,
    ) -> Result<Conn<Document>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let filter = filter.unwrap_or_default();
        let filter = DocumentFilter {
            candidate_id: filter
                .candidate_id
                .map(|id| decode(&id, Kind::Candidate, "filter.candidateId"))
                .transpose()?,
            category_id: filter
                .document_category_id
                .map(|id| decode(&id, Kind::DocumentCategory, "filter.documentCategoryId"))
                .transpose()?,
            source: filter.source.map(Into::into),
        };
        let select = documents::search(ctx.actor()?, &filter);
        paginate(db(ctx)?, select, document::Column::Id, page, |rows| {
            Document::all(rows)
        })
        .await
    }
}
