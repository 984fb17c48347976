use async_graphql::{Context, Object};

use crate::access::{ContextExt as _, Require};
use crate::domain::EmailAddress;
use crate::error::ApiError;
use crate::graphql::input::parse;
use crate::graphql::state::{db, settings};
use crate::graphql::types::DoNotContactEntry;

#[derive(Default)]
pub struct DoNotContactQuery;

#[Object]
impl DoNotContactQuery {
    /// The do-not-contact entry of an address, or `null` when it is not on
    /// the company's list. The list keeps only keyed hashes of addresses,
    /// so it is looked up by address and cannot be listed. Recruiting admins
    /// only.
    #[graphql(guard = "Require::Admin")]
    async fn do_not_contact(
        &self,
        ctx: &Context<'_>,
        email: String,
    ) -> Result<Option<DoNotContactEntry>, ApiError> {
        let address = parse(&email, "email", EmailAddress::parse)?;
        let actor = ctx.actor()?;
        let entry = crate::do_not_contact::find(
            db(ctx)?,
            &settings(ctx)?.secret_key,
            actor.company_id,
            address.as_str(),
        )
        .await?;
        Ok(entry.map(DoNotContactEntry))
    }
}
