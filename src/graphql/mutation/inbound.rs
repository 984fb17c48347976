use async_graphql::{Context, InputObject, Object, SimpleObject};

use crate::access::{ContextExt as _, Require};
use crate::companies::{self, Secret};
use crate::error::ApiError;
use crate::graphql::state::db;
use crate::graphql::types::Company;

#[derive(Default)]
pub struct InboundMutation;

#[derive(InputObject)]
struct RotateInboundTokenInput {
    /// Must be `true`: mail posted with the old token is refused at once,
    /// until the mail server is given the new one.
    confirm: bool,
}

#[derive(SimpleObject)]
struct RotateInboundTokenPayload {
    company: Company,
}

#[Object]
impl InboundMutation {
    /// Replaces the company's inbound token (`Company.inboundToken`).
    /// Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn rotate_inbound_token(
        &self,
        ctx: &Context<'_>,
        input: RotateInboundTokenInput,
    ) -> Result<RotateInboundTokenPayload, ApiError> {
        if !input.confirm {
            return Err(ApiError::validation(
                "confirm",
                "confirm: set it to true to replace the token",
            ));
        }
        let actor = ctx.actor()?;
        let row =
            companies::replace_secret(db(ctx)?, actor.company_id, Secret::InboundToken).await?;
        Ok(RotateInboundTokenPayload {
            company: Company(row),
        })
    }
}
