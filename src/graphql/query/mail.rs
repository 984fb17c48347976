use async_graphql::{Context, ID, Object};

use crate::access::{ContextExt as _, Require, Section};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::state::db;
use crate::graphql::types::{EmailBatch, Message};
use crate::mail::messages;

#[derive(Default)]
pub struct MailQuery;

#[Object]
impl MailQuery {
    /// One message of a candidate the caller may see.
    #[graphql(guard = "Require::Section(Section::Messages)")]
    async fn message(&self, ctx: &Context<'_>, id: ID) -> Result<Message, ApiError> {
        let id = decode(&id, Kind::Message, "id")?;
        Ok(Message::new(
            messages::find(db(ctx)?, ctx.actor()?, id).await?,
        ))
    }

    /// One bulk send, with its progress.
    #[graphql(guard = "Require::Section(Section::Messages)")]
    async fn email_batch(&self, ctx: &Context<'_>, id: ID) -> Result<EmailBatch, ApiError> {
        let id = decode(&id, Kind::EmailBatch, "id")?;
        Ok(EmailBatch::new(
            messages::find_batch(db(ctx)?, ctx.actor()?, id).await?,
        ))
    }
}
