use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use entity::do_not_contact;

use super::User;
use crate::error::ApiError;
use crate::graphql::state::db;

/// An address on the company's do-not-contact list. The list keeps only a
/// keyed hash of the address, so an entry is found by the address and
/// never shows it.
pub struct DoNotContactEntry(pub do_not_contact::Model);

#[Object]
impl DoNotContactEntry {
    async fn reason(&self) -> super::DoNotContactReason {
        self.0.reason.into()
    }
    /// When the address was put on the list.
    async fn since(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The user who put it there; `null` when the person asked themselves,
    /// a spam report put it there, or the user was deleted since.
    async fn added_by(&self, ctx: &Context<'_>) -> Result<Option<User>, ApiError> {
        User::of_company(db(ctx)?, self.0.company_id, self.0.created_by_id).await
    }
}
