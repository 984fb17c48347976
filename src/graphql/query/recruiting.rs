use async_graphql::{Context, ID, InputObject, Lookahead, Object};
use entity::{application, candidate, position};

use crate::access::{ContextExt as _, Require, Section};
use crate::applications::{self, ApplicationFilter};
use crate::candidates::{self, CandidateFilter};
use crate::domain::EmailAddress;
use crate::error::ApiError;
use crate::graphql::batch::{prefetch_applications, prefetch_candidates, prefetch_positions};
use crate::graphql::ids::{Kind, decode};
use crate::graphql::pagination::{Conn, Page, paginate};
use crate::graphql::state::{db, max_page_size};
use crate::graphql::types::{
    Application, ApplicationSource, ApplicationStatus, Candidate, Position, PositionStatus,
};
use crate::positions::{self, PositionFilter};

#[derive(Default)]
pub struct RecruitingQuery;

/// Narrows the `candidates` list; all given conditions must hold.
#[derive(InputObject, Default)]
struct CandidatesFilter {
    /// Case-insensitive part of the first name, last name or email address.
    search: Option<String>,
    /// Exactly this email address.
    email: Option<String>,
    /// Applied to this position.
    position_id: Option<ID>,
}

/// Narrows the `applications` list.
#[derive(InputObject, Default)]
struct ApplicationsFilter {
    candidate_id: Option<ID>,
    position_id: Option<ID>,
    status: Option<ApplicationStatus>,
    source: Option<ApplicationSource>,
}

/// Narrows the `positions` list.
#[derive(InputObject, Default)]
struct PositionsFilter {
    status: Option<PositionStatus>,
    subsidiary_id: Option<ID>,
    category_id: Option<ID>,
}

/// The selections on a connection's nodes, through `edges.node` and `nodes`.
fn node_selections<'a>(ctx: &'a Context<'_>) -> impl Iterator<Item = Lookahead<'a>> {
    let here = ctx.look_ahead();
    [here.field("edges").field("node"), here.field("nodes")]
        .into_iter()
        .filter(Lookahead::exists)
}

#[Object]
impl RecruitingQuery {
    /// Candidates the caller may see, oldest first.
    #[graphql(
        guard = "Require::Section(Section::Candidates)",
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn candidates(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<CandidatesFilter>,
    ) -> Result<Conn<Candidate>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let filter = filter.unwrap_or_default();
        if let Some(search) = &filter.search
            && (search.chars().count() > 200 || search.chars().any(char::is_control))
        {
            return Err(ApiError::validation(
                "filter.search",
                "must be one line of at most 200 characters",
            ));
        }
        let filter = CandidateFilter {
            search: filter.search,
            email: filter
                .email
                .as_deref()
                .map(EmailAddress::parse)
                .transpose()
                .map_err(|m| ApiError::validation("filter.email", m))?,
            position_id: filter
                .position_id
                .map(|id| decode(&id, Kind::Position, "filter.positionId"))
                .transpose()?,
        };
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let select = candidates::search(actor, &filter);
        let connection = paginate(db, select, candidate::Column::Id, page, Candidate::all).await?;
        if let Some(edge) = connection.edges.first() {
            for selection in node_selections(ctx) {
                prefetch_candidates(edge.node.set(), selection, db, actor).await?;
            }
        }
        Ok(connection)
    }

    /// One candidate, if the caller may see them.
    #[graphql(guard = "Require::Section(Section::Candidates)")]
    async fn candidate(&self, ctx: &Context<'_>, id: ID) -> Result<Candidate, ApiError> {
        let id = decode(&id, Kind::Candidate, "id")?;
        candidates::find(db(ctx)?, ctx.actor()?, id)
            .await
            .map(Candidate::one)
    }

    /// Applications the caller may see, oldest first.
    #[graphql(
        guard = "Require::Section(Section::Candidates)",
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn applications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ApplicationsFilter>,
    ) -> Result<Conn<Application>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let filter = filter.unwrap_or_default();
        let filter = ApplicationFilter {
            candidate_id: filter
                .candidate_id
                .map(|id| decode(&id, Kind::Candidate, "filter.candidateId"))
                .transpose()?,
            position_id: filter
                .position_id
                .map(|id| decode(&id, Kind::Position, "filter.positionId"))
                .transpose()?,
            status: filter.status.map(Into::into),
            source: filter.source.map(Into::into),
        };
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let select = applications::search(actor, &filter);
        let connection =
            paginate(db, select, application::Column::Id, page, Application::all).await?;
        if let Some(edge) = connection.edges.first() {
            for selection in node_selections(ctx) {
                prefetch_applications(edge.node.set(), selection, db, actor).await?;
            }
        }
        Ok(connection)
    }

    /// Positions the caller may see (hiring managers: their assigned ones).
    #[graphql(
        guard = "Require::SignedIn",
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn positions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<PositionsFilter>,
    ) -> Result<Conn<Position>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let filter = filter.unwrap_or_default();
        let filter = PositionFilter {
            status: filter.status.map(Into::into),
            subsidiary_id: filter
                .subsidiary_id
                .map(|id| decode(&id, Kind::Subsidiary, "filter.subsidiaryId"))
                .transpose()?,
            category_id: filter
                .category_id
                .map(|id| decode(&id, Kind::Category, "filter.categoryId"))
                .transpose()?,
        };
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let select = positions::search(actor, &filter);
        let connection = paginate(db, select, position::Column::Id, page, Position::all).await?;
        if let Some(edge) = connection.edges.first() {
            for selection in node_selections(ctx) {
                prefetch_positions(edge.node.set(), selection, db, actor).await?;
            }
        }
        Ok(connection)
    }
}
