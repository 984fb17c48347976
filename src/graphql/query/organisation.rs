use async_graphql::{Context, Object};

use crate::access::{ContextExt as _, Require};
use crate::error::ApiError;
use crate::graphql::state::db;
use crate::graphql::types::{Category, DocumentCategory, Subsidiary};
use crate::organisation;

#[derive(Default)]
pub struct OrganisationQuery;

#[Object]
impl OrganisationQuery {
    /// The company's subsidiaries, by name.
    #[graphql(guard = "Require::SignedIn")]
    async fn subsidiaries(&self, ctx: &Context<'_>) -> Result<Vec<Subsidiary>, ApiError> {
        let rows = organisation::subsidiaries(db(ctx)?, ctx.actor()?).await?;
        Ok(rows.into_iter().map(Subsidiary).collect())
    }

    /// The company's recruiting categories, by name.
    #[graphql(guard = "Require::SignedIn")]
    async fn categories(&self, ctx: &Context<'_>) -> Result<Vec<Category>, ApiError> {
        let rows = organisation::categories(db(ctx)?, ctx.actor()?).await?;
        Ok(rows.into_iter().map(Category).collect())
    }

    /// The kinds of candidate documents, by name.
    #[graphql(guard = "Require::SignedIn")]
    async fn document_categories(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<DocumentCategory>, ApiError> {
        let rows = organisation::document_categories(db(ctx)?, ctx.actor()?).await?;
        Ok(rows.into_iter().map(DocumentCategory).collect())
    }
}
