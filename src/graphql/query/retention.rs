use async_graphql::{Context, Object};
use chrono::Utc;
use entity::candidate;

use crate::access::{ContextExt as _, Require};
use crate::error::ApiError;
use crate::graphql::pagination::{Conn, Page, paginate};
use crate::graphql::state::{db, max_page_size};
use crate::graphql::types::{Candidate, RetentionSettings};
use crate::retention;

#[derive(Default)]
pub struct RetentionQuery;

#[Object]
impl RetentionQuery {
    /// How long the company keeps candidates. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn retention_settings(&self, ctx: &Context<'_>) -> Result<RetentionSettings, ApiError> {
        let loaded = retention::settings::load(db(ctx)?, ctx.actor()?.company_id).await?;
        Ok(RetentionSettings(loaded))
    }

    /// The candidates whose retention has ended: those the next daily run
    /// would anonymise if nothing changes before it (a new application or
    /// a legal hold takes a candidate out), oldest first. Reads only.
    /// Recruiting admins only.
    #[graphql(
        guard = "Require::Admin",
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn retention_preview(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<Candidate>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let select = retention::rule::due_candidates(
            db.get_database_backend(),
            Some(actor.company_id),
            Utc::now(),
        );
        paginate(db, select, candidate::Column::Id, page, Candidate::all).await
    }
}
