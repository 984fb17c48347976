use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::{email_batch, message};

use crate::access::{ContextExt as _, Require, Section};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::pagination::{Conn, Page, fetch_page, paginate};
use crate::graphql::state::{db, max_page_size};
use crate::graphql::types::{EmailBatch, Message, MessageDirection, MessageStatus};
use crate::mail::messages::{self, MAX_SEARCH_CHARS, MessageFilter};

#[derive(Default)]
pub struct MailQuery;

/// Narrows the `messages` inbox; all given conditions must hold.
#[derive(InputObject, Default)]
struct MessagesFilter {
    direction: Option<MessageDirection>,
    status: Option<MessageStatus>,
    /// In this candidate's thread.
    candidate_id: Option<ID>,
    /// Written (sent, scheduled or received) at or after this time.
    since: Option<DateTime<Utc>>,
    /// Case-insensitive part of the subject or the plain-text body; one line
    /// of at most 200 characters.
    search: Option<String>,
}

impl MessagesFilter {
    fn parse(self) -> Result<MessageFilter, ApiError> {
        if let Some(search) = &self.search
            && (search.chars().count() > MAX_SEARCH_CHARS || search.chars().any(char::is_control))
        {
            return Err(ApiError::validation(
                "filter.search",
                format!("must be one line of at most {MAX_SEARCH_CHARS} characters"),
            ));
        }
        Ok(MessageFilter {
            direction: self.direction.map(Into::into),
            status: self.status.map(Into::into),
            candidate_id: self
                .candidate_id
                .map(|id| decode(&id, Kind::Candidate, "filter.candidateId"))
                .transpose()?,
            since: self.since,
            search: self.search,
        })
    }
}

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

    /// The recruiting inbox: messages to and from every candidate the caller
    /// may see, in the order they were written (use `since` for the latest).
    #[graphql(
        guard = "Require::Section(Section::Messages)",
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<MessagesFilter>,
    ) -> Result<Conn<Message>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let filter = filter.unwrap_or_default().parse()?;
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let select = messages::search(actor, &filter);
        let rows = fetch_page(db, select, message::Column::Id, page).await?;
        let nodes = Message::page(rows.rows);
        Ok(rows.shape.into_connection(nodes))
    }

    /// Received mail set aside with no candidate, oldest first: from unknown
    /// senders that apply for no open position (`machine` false, the
    /// default), or from machines that answer nothing of ours (`machine`
    /// true: reports, automatic answers, list notices; `Message.machineKind`
    /// says which). `assignMessage` files one in a candidate's thread.
    #[graphql(
        guard = "Require::Section(Section::Messages)",
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn unassigned_messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default = false)] machine: bool,
    ) -> Result<Conn<Message>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let select = crate::inbound::assignment::unassigned(actor, machine);
        let rows = fetch_page(db, select, message::Column::Id, page).await?;
        let nodes = Message::page(rows.rows);
        Ok(rows.shape.into_connection(nodes))
    }

    /// One bulk send, with its progress.
    #[graphql(guard = "Require::Section(Section::Messages)")]
    async fn email_batch(&self, ctx: &Context<'_>, id: ID) -> Result<EmailBatch, ApiError> {
        let id = decode(&id, Kind::EmailBatch, "id")?;
        Ok(EmailBatch::new(
            messages::find_batch(db(ctx)?, ctx.actor()?, id).await?,
        ))
    }

    /// Bulk sends the caller may see (users limited to their positions: their
    /// own), oldest first.
    #[graphql(
        guard = "Require::Section(Section::Messages)",
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn email_batches(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<EmailBatch>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let select = messages::visible_batches(actor);
        paginate(db, select, email_batch::Column::Id, page, EmailBatch::all).await
    }
}
