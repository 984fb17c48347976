//! `privacyPage` for the candidate holding a link, `privacyRequests` for
//! recruiting admins.

use async_graphql::{Context, InputObject, Object};

use crate::access::{ContextExt as _, Require};
use crate::error::ApiError;
use crate::graphql::pagination::{Conn, Page, paginate};
use crate::graphql::state::{count_public_privacy, db, max_page_size, settings};
use crate::graphql::types::{
    PrivacyPage, PrivacyRequest, PrivacyRequestKind, PrivacyRequestStatus,
};
use crate::privacy::{self, RequestFilter};

#[derive(Default)]
pub struct PrivacyQuery;

/// Narrows `privacyRequests`; all given conditions must hold.
#[derive(InputObject, Default)]
struct PrivacyRequestFilter {
    status: Option<PrivacyRequestStatus>,
    kind: Option<PrivacyRequestKind>,
}

#[Object]
impl PrivacyQuery {
    /// The privacy page of the candidate holding `token` (from the link
    /// `{{ privacy_link }}` writes): their applications and open requests.
    /// Needs no bearer token; rate-limited per client address. An unknown
    /// or forged token is NOT_FOUND.
    async fn privacy_page(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> Result<PrivacyPage, ApiError> {
        count_public_privacy(ctx)?;
        let view = privacy::view(db(ctx)?, settings(ctx)?, &token).await?;
        Ok(PrivacyPage::new(view))
    }

    /// Requests candidates made through their privacy pages, oldest first,
    /// each with the date it must be answered by. Recruiting admins only.
    #[graphql(
        guard = "Require::Admin",
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn privacy_requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<PrivacyRequestFilter>,
    ) -> Result<Conn<PrivacyRequest>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let filter = filter.unwrap_or_default();
        let filter = RequestFilter {
            open: filter.status.map(|s| s == PrivacyRequestStatus::Open),
            kind: filter.kind.map(Into::into),
        };
        let select = privacy::search(ctx.actor()?, &filter);
        paginate(
            db(ctx)?,
            select,
            entity::privacy_request::Column::Id,
            page,
            PrivacyRequest::page,
        )
        .await
    }
}
