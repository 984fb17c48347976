//! Subscription roots, served over WebSocket (`graphql-transport-ws`) on
//! `/graphql`: the event log, live, filtered by the subscriber's rights.

use std::collections::VecDeque;
use std::sync::Arc;

use async_graphql::{Context, ID, Subscription};
use entity::event;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt as _};
use sea_orm::{ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _};

use crate::access::{Actor, Require, Section};
use crate::error::ApiError;
use crate::events::hub::{Filter, Hub};
use crate::events::{EventType, rights};
use crate::graphql::ids::{Kind, decode};
use crate::graphql::pagination::decode_cursor;
use crate::graphql::state::db;
use crate::graphql::types::{EmailBatch, Event};
use crate::mail::messages;

/// Most type names one `types` filter takes: each type once, with room.
const MAX_TYPES: usize = 50;

/// The caller's rights as they are now, for a connection that outlives a
/// change of them: the WebSocket connection sends each new resolution of
/// its token, and running `events` subscriptions filter with the latest.
#[derive(Clone)]
pub struct LiveActor(pub tokio::sync::watch::Receiver<Arc<Actor>>);

/// Every subscription field of the API.
#[derive(Default)]
pub struct SubscriptionRoot;

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Events the caller may see, in the order they were committed: first
    /// those after `after` (an `Event.cursor`) from the log, then each new
    /// one as it happens. Without `after`, only what happens from now on.
    /// A client that reconnects with the last cursor it received misses
    /// nothing and sees nothing twice. `types` keeps only events of these
    /// types (`message.sent`, `candidate.created` …).
    #[graphql(guard = "Require::SignedIn")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        types: Option<Vec<String>>,
    ) -> Result<BoxStream<'static, async_graphql::Result<Event>>, ApiError> {
        let types = types.map(checked_types).transpose()?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let (db, hub, actor) = parts(ctx)?;
        let after = match after {
            Some(after) => after,
            None => hub.head().await?,
        };
        let filter = Filter {
            company_id: actor.company_id,
            types,
            subject: None,
        };
        let batches = hub.subscribe(filter, after);
        let live = ctx.data_opt::<LiveActor>().cloned();
        let rights = move || match &live {
            Some(LiveActor(current)) => current.borrow().clone(),
            None => actor.clone(),
        };
        Ok(visible_events(db, rights, batches).boxed())
    }

    /// A bulk send's progress: the send as it is now, then again on every
    /// `email_batch.progressed` and `email_batch.completed` event, ending
    /// after the send has completed.
    #[graphql(guard = "Require::Section(Section::Messages)")]
    async fn email_batch(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<BoxStream<'static, async_graphql::Result<EmailBatch>>, ApiError> {
        let id = decode(&id, Kind::EmailBatch, "id")?;
        let (db, hub, actor) = parts(ctx)?;
        // The log's end before the send is read: a change after the read is
        // an event after this cursor.
        let start = hub.head().await?;
        let row = messages::find_batch(&db, &actor, id).await?;
        let completed = event::Entity::find()
            .filter(event::Column::SubjectType.eq(Kind::EmailBatch.name()))
            .filter(event::Column::SubjectId.eq(id))
            .filter(event::Column::EventType.eq(EventType::EmailBatchCompleted.name()))
            .filter(event::Column::Id.lte(start))
            .one(&db)
            .await
            .map_err(ApiError::from)?
            .is_some();
        let now = futures_util::stream::once({
            let row = row.clone();
            async move { async_graphql::Result::Ok(EmailBatch::new(row)) }
        });
        if completed {
            return Ok(now.boxed());
        }
        let filter = Filter {
            company_id: actor.company_id,
            types: Some(vec![
                EventType::EmailBatchProgressed.name().to_owned(),
                EventType::EmailBatchCompleted.name().to_owned(),
            ]),
            subject: Some((Kind::EmailBatch.name(), id)),
        };
        let progress = Progress {
            batches: hub.subscribe(filter, start).boxed(),
            pending: VecDeque::new(),
            done: false,
        };
        let updates = futures_util::stream::unfold(progress, move |mut progress| {
            let row = row.clone();
            async move {
                let next = progress.next().await?;
                Some((
                    next.map(|e| EmailBatch::reported(row, &e.data))
                        .map_err(async_graphql::Error::from),
                    progress,
                ))
            }
        });
        Ok(now.chain(updates).boxed())
    }
}

/// The database, the hub and the caller of a subscription, owned: a
/// subscription's stream outlives the resolver.
fn parts(ctx: &Context<'_>) -> Result<(DatabaseConnection, Arc<Hub>, Arc<Actor>), ApiError> {
    let hub = ctx
        .data::<Arc<Hub>>()
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("event hub missing from the context")))?
        .clone();
    let actor = ctx
        .data_opt::<Arc<Actor>>()
        .cloned()
        .ok_or(ApiError::Unauthenticated)?;
    Ok((db(ctx)?.clone(), hub, actor))
}

/// Checks a `types` filter against the known event types.
pub(super) fn checked_types(types: Vec<String>) -> Result<Vec<String>, ApiError> {
    if types.len() > MAX_TYPES {
        return Err(ApiError::validation(
            "types",
            format!("at most {MAX_TYPES} types are accepted"),
        ));
    }
    for (at, name) in types.iter().enumerate() {
        if EventType::parse(name).is_none() {
            let known: Vec<&str> = EventType::ALL.iter().map(|t| t.name()).collect();
            return Err(ApiError::validation(
                format!("types.{at}"),
                format!(
                    "`{}` is not an event type; the types are {}",
                    name.chars().take(64).collect::<String>(),
                    known.join(", ")
                ),
            ));
        }
    }
    Ok(types)
}

/// The events of `batches` that the caller, with the rights `rights` gives
/// at each batch, may see, one by one. A database
/// error is reported once and ends the subscription.
fn visible_events(
    db: DatabaseConnection,
    rights: impl Fn() -> Arc<Actor> + Send + Sync + 'static,
    batches: impl Stream<Item = Result<Vec<Arc<crate::events::Event>>, sea_orm::DbErr>> + Send + 'static,
) -> impl Stream<Item = async_graphql::Result<Event>> + Send + 'static {
    batches
        .then(move |batch| {
            let db = db.clone();
            let actor = rights();
            async move {
                match batch {
                    Ok(batch) => rights::visible(&db, &actor, batch).await,
                    Err(e) => Err(ApiError::from(e)),
                }
            }
        })
        .scan(false, |failed, result| {
            let out = if *failed {
                None
            } else {
                *failed = result.is_err();
                Some(result)
            };
            async move { out }
        })
        .flat_map(|result| {
            futures_util::stream::iter(match result {
                Ok(events) => events.into_iter().map(|e| Ok(Event(e))).collect(),
                Err(e) => vec![Err(async_graphql::Error::from(e))],
            })
        })
}

/// A bulk send's progress events, one at a time, up to the completion.
struct Progress<S> {
    batches: S,
    pending: VecDeque<Arc<crate::events::Event>>,
    done: bool,
}

impl<S> Progress<S>
where
    S: Stream<Item = Result<Vec<Arc<crate::events::Event>>, sea_orm::DbErr>> + Unpin,
{
    async fn next(&mut self) -> Option<Result<Arc<crate::events::Event>, ApiError>> {
        if self.done {
            return None;
        }
        loop {
            if let Some(event) = self.pending.pop_front() {
                if event.event_type == EventType::EmailBatchCompleted.name() {
                    self.done = true;
                }
                return Some(Ok(event));
            }
            match self.batches.next().await? {
                Ok(batch) => self.pending.extend(batch),
                Err(e) => {
                    self.done = true;
                    return Some(Err(e.into()));
                }
            }
        }
    }
}
