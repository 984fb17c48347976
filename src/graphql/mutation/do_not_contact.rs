use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::Utc;

use crate::access::{ContextExt as _, Require};
use crate::do_not_contact;
use crate::domain::EmailAddress;
use crate::error::ApiError;
use crate::graphql::input::parse;
use crate::graphql::state::{db, settings};
use crate::graphql::types::{DoNotContactEntry, DoNotContactReason};

#[derive(Default)]
pub struct DoNotContactMutation;

#[derive(InputObject)]
struct AddDoNotContactInput {
    email: String,
    /// `RECRUITER` when absent.
    reason: Option<DoNotContactReason>,
}

#[derive(SimpleObject)]
struct AddDoNotContactPayload {
    /// The address's entry: the earlier one when it was already listed.
    entry: DoNotContactEntry,
}

#[derive(InputObject)]
struct RemoveDoNotContactInput {
    email: String,
}

#[derive(SimpleObject)]
struct RemoveDoNotContactPayload {
    /// The entry as it was before its removal.
    entry: DoNotContactEntry,
}

#[Object]
impl DoNotContactMutation {
    /// Puts an address on the company's do-not-contact list: single sends
    /// and interview invitations to it are refused with `DO_NOT_CONTACT`,
    /// bulk sends leave it out, except mail about an application the person
    /// makes afterwards. An address already listed keeps its entry.
    /// Recruiting admins only; recorded in the audit trail without the
    /// address.
    #[graphql(guard = "Require::Admin")]
    async fn add_do_not_contact(
        &self,
        ctx: &Context<'_>,
        input: AddDoNotContactInput,
    ) -> Result<AddDoNotContactPayload, ApiError> {
        let address = parse(&input.email, "email", EmailAddress::parse)?;
        let reason = input.reason.unwrap_or(DoNotContactReason::Recruiter).into();
        let entry = do_not_contact::add_by_user(
            db(ctx)?,
            ctx.actor()?,
            &settings(ctx)?.secret_key,
            &address,
            reason,
            Utc::now(),
        )
        .await?;
        Ok(AddDoNotContactPayload {
            entry: DoNotContactEntry(entry),
        })
    }

    /// Takes an address off the company's do-not-contact list; NOT_FOUND
    /// when it is not on it. Recruiting admins only; recorded in the audit
    /// trail without the address.
    #[graphql(guard = "Require::Admin")]
    async fn remove_do_not_contact(
        &self,
        ctx: &Context<'_>,
        input: RemoveDoNotContactInput,
    ) -> Result<RemoveDoNotContactPayload, ApiError> {
        let address = parse(&input.email, "email", EmailAddress::parse)?;
        let entry = do_not_contact::remove_by_user(
            db(ctx)?,
            ctx.actor()?,
            &settings(ctx)?.secret_key,
            &address,
            Utc::now(),
        )
        .await?;
        Ok(RemoveDoNotContactPayload {
            entry: DoNotContactEntry(entry),
        })
    }
}
