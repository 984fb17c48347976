//! The event log as a list, for integrations that poll rather than listen.

use std::sync::Arc;

use async_graphql::{Context, Object};
use entity::event;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};

use crate::access::{ContextExt as _, Require};
use crate::error::ApiError;
use crate::events::rights;
use crate::graphql::pagination::{Conn, Page, paginate};
use crate::graphql::state::{db, max_page_size};
use crate::graphql::subscription::checked_types;
use crate::graphql::types::Event;

#[derive(Default)]
pub struct EventsQuery;

#[Object]
impl EventsQuery {
    /// The events the caller may see, oldest first, with the same cursors
    /// and rights as the `events` subscription: poll with the last cursor as
    /// `after` to get what happened since. `types` keeps only those types.
    #[graphql(
        guard = "Require::SignedIn",
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        types: Option<Vec<String>>,
    ) -> Result<Conn<Event>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let types = types.map(checked_types).transpose()?;
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let mut select = event::Entity::find().filter(rights::condition(actor));
        if let Some(types) = types {
            select = select.filter(event::Column::EventType.is_in(types));
        }
        paginate(db, select, event::Column::Id, page, |rows| {
            rows.into_iter()
                .map(|row| Event(Arc::new(row.into())))
                .collect()
        })
        .await
    }
}
