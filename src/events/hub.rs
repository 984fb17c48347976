//! The hub: one reader of the event log per application, fanning new events
//! out to every live subscription of this process.
//!
//! The hub keeps a cursor (the last event id it has passed on) and reads the
//! rows after it whenever something may have been committed: after a write
//! transaction of this process ([`super::commits`]), on PostgreSQL when
//! another instance's `NOTIFY` arrives on [`super::CHANNEL`], and on a
//! fallback timer that covers notifications lost while the listening
//! connection was down. The notifications carry nothing; the log is the
//! truth, so a missed wake-up only delays an event, it never loses one.
//!
//! Each subscription reads the log itself for what happened before it went
//! live (its replay), and again whenever it falls behind the broadcast buffer
//! (a slow client): it remembers the last id it passed on and skips what it
//! has already seen, so it gets every event once, in id order.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use entity::event;
use futures_util::Stream;
use sea_orm::{
    ColumnTrait as _, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _,
};
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use tokio::task::JoinHandle;

use super::Event;

/// Events held for subscriptions that have not taken them yet. A subscription
/// further behind re-reads the log instead, so this bounds memory, not
/// correctness.
const BUFFER: usize = 4096;

/// Rows read from the log at once, by the hub and by a replaying subscription.
const PAGE: u64 = 500;

/// How often the hub reads the log when nothing has woken it.
pub const FALLBACK_POLL: Duration = Duration::from_secs(1);

/// How long the hub waits before listening again after the PostgreSQL
/// listener failed.
const RELISTEN_AFTER: Duration = Duration::from_secs(1);

/// The application's reader of the event log.
pub struct Hub {
    db: DatabaseConnection,
    sender: broadcast::Sender<Arc<Event>>,
    task: JoinHandle<()>,
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Hub {
    /// Starts reading the log from its current end. Must be called inside a
    /// Tokio runtime.
    pub fn start(db: DatabaseConnection) -> Self {
        Self::start_with(db, FALLBACK_POLL)
    }

    /// [`Hub::start`] with another fallback interval.
    pub fn start_with(db: DatabaseConnection, fallback: Duration) -> Self {
        // The hub's reads are left out of the statement count (`db_queries`):
        // they happen on a timer and after every commit, whoever listens, so
        // counting them would make a request's count depend on timing.
        let mut db = db;
        db.set_metric_callback(|_| {});
        let (sender, _) = broadcast::channel(BUFFER);
        let task = tokio::spawn(run(db.clone(), sender.clone(), fallback));
        Self { db, sender, task }
    }

    /// The events after `after` that `filter` keeps, replayed from the log
    /// and then live, in id order, in batches as they come.
    pub fn subscribe(
        &self,
        filter: Filter,
        after: i64,
    ) -> impl Stream<Item = Result<Vec<Arc<Event>>, DbErr>> + Send + 'static {
        // Subscribed before the replay reads the log: whatever commits after
        // that read is broadcast to this receiver.
        let state = Subscriber {
            db: self.db.clone(),
            receiver: self.sender.subscribe(),
            filter,
            last: after,
            replaying: true,
        };
        futures_util::stream::unfold(state, |mut state| async move {
            let next = state.next().await;
            next.map(|batch| (batch, state))
        })
    }

    /// The id of the newest event in the log (0 when there is none): a
    /// cursor from which only what happens next is seen.
    pub async fn head(&self) -> Result<i64, DbErr> {
        head(&self.db).await
    }
}

/// Which events a subscription wants; the subscriber's rights are checked
/// after this, on the events it keeps.
#[derive(Clone, Debug)]
pub struct Filter {
    pub company_id: i64,
    /// Event type names; `None` for every type.
    pub types: Option<Vec<String>>,
    /// Only events about this subject (type name, row id).
    pub subject: Option<(&'static str, i64)>,
}

impl Filter {
    fn keeps(&self, event: &Event) -> bool {
        event.company_id == self.company_id
            && self
                .types
                .as_ref()
                .is_none_or(|types| types.contains(&event.event_type))
            && self
                .subject
                .is_none_or(|(kind, id)| event.subject == kind && event.subject_id == id)
    }
}

struct Subscriber {
    db: DatabaseConnection,
    receiver: broadcast::Receiver<Arc<Event>>,
    filter: Filter,
    /// The last event id passed on, or skipped as already seen.
    last: i64,
    /// Reading the log rather than the broadcast: at the start, and after
    /// falling behind it.
    replaying: bool,
}

impl Subscriber {
    /// The next non-empty batch; `None` when the hub has stopped.
    async fn next(&mut self) -> Option<Result<Vec<Arc<Event>>, DbErr>> {
        loop {
            if self.replaying {
                let rows = match read_after(&self.db, self.last, Some(&self.filter)).await {
                    Ok(rows) => rows,
                    Err(e) => return Some(Err(e)),
                };
                if (rows.len() as u64) < PAGE {
                    self.replaying = false;
                }
                if let Some(newest) = rows.last() {
                    self.last = newest.id;
                    return Some(Ok(rows.into_iter().map(Arc::new).collect()));
                }
                continue;
            }
            let first = match self.receiver.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(_)) => {
                    self.replaying = true;
                    continue;
                }
                Err(RecvError::Closed) => return None,
            };
            let mut batch = Vec::new();
            let mut pending = VecDeque::from([first]);
            // Whatever else is waiting goes out together, bounded so that a
            // burst does not become one huge message.
            while pending.len() < PAGE as usize {
                match self.receiver.try_recv() {
                    Ok(event) => pending.push_back(event),
                    Err(TryRecvError::Lagged(_)) => {
                        self.replaying = true;
                        break;
                    }
                    Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                }
            }
            if self.replaying {
                // The buffer moved on: what was drained may have gaps, so
                // the log is read from the last event passed on instead.
                continue;
            }
            for event in pending {
                if event.id > self.last {
                    self.last = event.id;
                    if self.filter.keeps(&event) {
                        batch.push(event);
                    }
                }
            }
            if !batch.is_empty() {
                return Some(Ok(batch));
            }
        }
    }
}

/// Reads the log after `cursor` whenever woken, and broadcasts what it finds.
async fn run(db: DatabaseConnection, sender: broadcast::Sender<Arc<Event>>, fallback: Duration) {
    let mut commits = super::commits();
    let mut listener = Listener::new(&db);
    let mut timer = tokio::time::interval(fallback);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut cursor = loop {
        match head(&db).await {
            Ok(id) => break id,
            Err(e) => {
                tracing::warn!(error = %e, "the event hub cannot read the log; trying again");
                tokio::time::sleep(RELISTEN_AFTER).await;
            }
        }
    };
    loop {
        tokio::select! {
            changed = commits.changed() => {
                if changed.is_err() {
                    // The process-wide sender lives as long as the process.
                    timer.tick().await;
                }
            }
            () = listener.notified() => {}
            _ = timer.tick() => {}
        }
        if let Err(e) = catch_up(&db, &sender, &mut cursor).await {
            tracing::warn!(error = %e, "the event hub could not read the log");
        }
    }
}

/// Broadcasts every event after `cursor`, moving it on.
async fn catch_up(
    db: &DatabaseConnection,
    sender: &broadcast::Sender<Arc<Event>>,
    cursor: &mut i64,
) -> Result<(), DbErr> {
    if sender.receiver_count() == 0 {
        // Nobody listens: only the end of the log matters. It is read before
        // the count is checked again, so a subscription that arrived
        // meanwhile either is counted (and gets a full read) or replays the
        // log itself after this read, finding everything up to this end.
        let end = head(db).await?;
        if sender.receiver_count() == 0 {
            *cursor = end.max(*cursor);
            return Ok(());
        }
    }
    loop {
        let rows = read_after(db, *cursor, None).await?;
        let full = rows.len() as u64 == PAGE;
        for row in rows {
            *cursor = row.id;
            // An error means nobody listens right now, which is fine.
            let _ = sender.send(Arc::new(row));
        }
        if !full {
            return Ok(());
        }
    }
}

/// The id of the newest event, 0 when there is none.
async fn head(db: &DatabaseConnection) -> Result<i64, DbErr> {
    let newest: Option<Option<i64>> = event::Entity::find()
        .select_only()
        .column_as(event::Column::Id.max(), "newest")
        .into_tuple()
        .one(db)
        .await?;
    Ok(newest.flatten().unwrap_or(0))
}

/// A page of events after `cursor`, narrowed by `filter` in SQL.
async fn read_after(
    db: &DatabaseConnection,
    cursor: i64,
    filter: Option<&Filter>,
) -> Result<Vec<Event>, DbErr> {
    let mut query = event::Entity::find().filter(event::Column::Id.gt(cursor));
    if let Some(filter) = filter {
        query = query.filter(event::Column::CompanyId.eq(filter.company_id));
        if let Some(types) = &filter.types {
            query = query.filter(event::Column::EventType.is_in(types.iter().cloned()));
        }
        if let Some((kind, id)) = filter.subject {
            query = query
                .filter(event::Column::SubjectType.eq(kind))
                .filter(event::Column::SubjectId.eq(id));
        }
    }
    Ok(query
        .order_by_asc(event::Column::Id)
        .limit(PAGE)
        .all(db)
        .await?
        .into_iter()
        .map(Event::from)
        .collect())
}

/// `LISTEN recruitmail_events` on a connection of its own, on PostgreSQL;
/// nothing on SQLite, where every writer is in this process.
struct Listener {
    pool: Option<sea_orm::sqlx::PgPool>,
    listening: Option<sea_orm::sqlx::postgres::PgListener>,
}

impl Listener {
    fn new(db: &DatabaseConnection) -> Self {
        let pool = (db.get_database_backend() == DatabaseBackend::Postgres)
            .then(|| db.get_postgres_connection_pool().clone());
        Self {
            pool,
            listening: None,
        }
    }

    /// Returns when another instance may have committed events: on a
    /// notification, and once after (re)connecting, since notifications sent
    /// while nobody listened are gone. Never returns on SQLite.
    async fn notified(&mut self) {
        let Some(pool) = &self.pool else {
            return std::future::pending().await;
        };
        let Some(listener) = &mut self.listening else {
            match listen(pool).await {
                Ok(listener) => self.listening = Some(listener),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot LISTEN for events; trying again");
                    tokio::time::sleep(RELISTEN_AFTER).await;
                }
            }
            return;
        };
        match listener.try_recv().await {
            Ok(Some(_)) => {}
            // The connection was lost and is open again: look at the log.
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "the event listener failed; listening again");
                self.listening = None;
                tokio::time::sleep(RELISTEN_AFTER).await;
            }
        }
    }
}

async fn listen(
    pool: &sea_orm::sqlx::PgPool,
) -> Result<sea_orm::sqlx::postgres::PgListener, sea_orm::sqlx::Error> {
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(super::CHANNEL).await?;
    Ok(listener)
}
