use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::interview;

use crate::access::{ContextExt as _, Require, Section};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::pagination::{Conn, Page, fetch_page};
use crate::graphql::state::{db, max_page_size};
use crate::graphql::types::Interview;
use crate::interviews::{self, InterviewFilter};

#[derive(Default)]
pub struct InterviewsQuery;

/// Narrows the `interviews` list; all given conditions must hold.
#[derive(InputObject, Default)]
struct InterviewsFilter {
    /// Not yet over at this time.
    from: Option<DateTime<Utc>>,
    /// Starting before this time.
    to: Option<DateTime<Utc>>,
    candidate_id: Option<ID>,
    /// With this user taking part.
    participant_id: Option<ID>,
}

#[Object]
impl InterviewsQuery {
    /// Interviews the caller may see, in the order they were scheduled.
    #[graphql(
        guard = "Require::Section(Section::Interviews)",
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn interviews(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<InterviewsFilter>,
    ) -> Result<Conn<Interview>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let filter = filter.unwrap_or_default();
        let filter = InterviewFilter {
            from: filter.from,
            to: filter.to,
            candidate_id: filter
                .candidate_id
                .map(|id| decode(&id, Kind::Candidate, "filter.candidateId"))
                .transpose()?,
            participant_id: filter
                .participant_id
                .map(|id| decode(&id, Kind::User, "filter.participantId"))
                .transpose()?,
        };
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let rows = fetch_page(
            db,
            interviews::search(actor, &filter),
            interview::Column::Id,
            page,
        )
        .await?;
        let nodes = Interview::page(db, actor, rows.rows).await?;
        Ok(rows.shape.into_connection(nodes))
    }

    /// One interview, if the caller may see it.
    #[graphql(guard = "Require::Section(Section::Interviews)")]
    async fn interview(&self, ctx: &Context<'_>, id: ID) -> Result<Interview, ApiError> {
        let id = decode(&id, Kind::Interview, "id")?;
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        Interview::one(db, actor, interviews::find(db, actor, id).await?).await
    }
}
