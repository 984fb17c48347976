use async_graphql::{Context, ID, Object};
use entity::candidate_export;

use crate::access::{ContextExt as _, Require};
use crate::candidate_export as export;
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::pagination::{Conn, Page, paginate};
use crate::graphql::state::{db, max_page_size};
use crate::graphql::types::CandidateExport;

#[derive(Default)]
pub struct CandidateExportQuery;

#[Object]
impl CandidateExportQuery {
    /// The exports of a candidate's data, oldest first, in every state
    /// (expired ones stay listed, without their archive). Recruiting admins
    /// only.
    #[graphql(
        guard = "Require::Admin",
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn candidate_exports(
        &self,
        ctx: &Context<'_>,
        candidate_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<CandidateExport>, ApiError> {
        let id = decode(&candidate_id, Kind::Candidate, "candidateId")?;
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let db = db(ctx)?;
        let select = export::of_candidate(db, ctx.actor()?, id).await?;
        paginate(db, select, candidate_export::Column::Id, page, |rows| {
            rows.into_iter().map(CandidateExport).collect()
        })
        .await
    }
}
