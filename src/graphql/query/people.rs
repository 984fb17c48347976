use async_graphql::{Context, Object};
use entity::{company, user};
use sea_orm::EntityTrait as _;

use crate::access::{ContextExt as _, Require};
use crate::error::ApiError;
use crate::graphql::state::db;
use crate::graphql::types::{ApiToken, RecruitingRole, User, Viewer};
use crate::people;

#[derive(Default)]
pub struct PeopleQuery;

#[Object]
impl PeopleQuery {
    /// The caller, their company and their rights.
    #[graphql(guard = "Require::SignedIn")]
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Viewer, ApiError> {
        let actor = ctx.actor()?;
        let db = db(ctx)?;
        let user = user::Entity::find_by_id(actor.user_id)
            .one(db)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        let company = company::Entity::find_by_id(actor.company_id)
            .one(db)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        Ok(Viewer {
            actor: actor.clone(),
            user,
            company,
        })
    }

    /// The company's users, by display name.
    #[graphql(guard = "Require::SignedIn")]
    async fn users(&self, ctx: &Context<'_>) -> Result<Vec<User>, ApiError> {
        let rows = people::users(db(ctx)?, ctx.actor()?).await?;
        Ok(User::all(rows))
    }

    /// The company's recruiting roles, by name.
    #[graphql(guard = "Require::Admin")]
    async fn recruiting_roles(&self, ctx: &Context<'_>) -> Result<Vec<RecruitingRole>, ApiError> {
        let rows = people::roles(db(ctx)?, ctx.actor()?).await?;
        Ok(rows
            .into_iter()
            .map(|(role, documents)| RecruitingRole { role, documents })
            .collect())
    }

    /// The caller's API tokens (every user's, for recruiting admins).
    #[graphql(guard = "Require::SignedIn")]
    async fn api_tokens(&self, ctx: &Context<'_>) -> Result<Vec<ApiToken>, ApiError> {
        let rows = people::api_tokens(db(ctx)?, ctx.actor()?).await?;
        Ok(rows.into_iter().map(ApiToken).collect())
    }
}
