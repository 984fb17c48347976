//! The delivery loop of a `serve` instance: fans the event log out to
//! endpoints, claims due deliveries and sends them.
//!
//! It wakes after every write committed in this process
//! ([`crate::events::commits`]), when a delivery finishes, and every
//! [`POLL_EVERY`] for events and retries written by other instances.
//!
//! A claim moves a due delivery to SENDING in the name of this instance.
//! On PostgreSQL the claim skips rows another instance is claiming (`FOR
//! UPDATE SKIP LOCKED`); on SQLite the statement itself is atomic. A
//! delivery claimed by an instance that stopped beating is claimed again
//! ([`crate::instances`]), so an event is delivered twice only when its
//! instance died while sending it.
//!
//! Outcomes go to one recorder, which writes those that finished together
//! in one transaction: the database takes one commit for a burst of
//! deliveries instead of one each. A delivery's slot is free once its
//! answer is in; its row stays claimed by this instance until the outcome
//! is written, and a stop waits for the recorder to write them all.
//!
//! Deliveries run side by side, at most [`MAX_IN_FLIGHT`] at once and
//! [`PER_ENDPOINT`] per endpoint, so a receiver that answers slowly, or
//! never, holds a few slots for at most [`delivery::TIMEOUT`] and delays no
//! other endpoint.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entity::{event, webhook_delivery, webhook_endpoint};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait as _, DatabaseBackend, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, Statement,
};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, watch};

use super::delivery::{self, Answer, Outcome, Sender, Verdict};
use super::{endpoints, fanout, signature};
use crate::instances::{self, Instance};
use crate::mail::secrets::Cipher;
use crate::metrics::Metrics;

/// How often the log and the retries are looked at without a wake-up.
pub const POLL_EVERY: Duration = Duration::from_millis(250);

/// Deliveries in flight at once, over all endpoints.
pub const MAX_IN_FLIGHT: usize = 64;

/// Deliveries in flight at once to one endpoint.
pub const PER_ENDPOINT: usize = 16;

/// The delivery side of webhooks, one per `serve` instance.
pub struct Worker {
    db: DatabaseConnection,
    cipher: Cipher,
    metrics: Arc<Metrics>,
    instance: Instance,
    sender: Sender,
    slots: Arc<Semaphore>,
    /// Deliveries in flight per endpoint.
    busy: Mutex<HashMap<i64, usize>>,
    finished: Notify,
    /// Outcomes go to one recorder, which writes those that finished
    /// together in one transaction.
    recorder: mpsc::UnboundedSender<ToRecord>,
    unrecorded: Arc<Semaphore>,
    outcomes: Mutex<Option<mpsc::UnboundedReceiver<ToRecord>>>,
}

/// An outcome, holding its place among those not yet written.
type ToRecord = (Outcome, OwnedSemaphorePermit);

/// Outcomes waiting to be written, at most: beyond, deliveries wait.
const MAX_UNRECORDED: usize = 10_000;

/// Most outcomes written in one transaction.
const RECORD_BATCH: usize = 100;

/// A running worker; [`Running::stop`] ends it.
pub struct Running {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    recorder: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops claiming and waits for the deliveries in flight to be recorded.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        // Every delivery was recorded before the loop ended.
        self.recorder.abort();
    }
}

impl Worker {
    pub fn new(
        db: DatabaseConnection,
        cipher: Cipher,
        metrics: Arc<Metrics>,
        instance: Instance,
        allow_private: bool,
    ) -> anyhow::Result<Self> {
        let (recorder, outcomes) = mpsc::unbounded_channel();
        Ok(Self {
            recorder,
            unrecorded: Arc::new(Semaphore::new(MAX_UNRECORDED)),
            outcomes: Mutex::new(Some(outcomes)),
            db,
            cipher,
            metrics,
            instance,
            sender: Sender::new(allow_private)?,
            slots: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            busy: Mutex::new(HashMap::new()),
            finished: Notify::new(),
        })
    }

    /// Starts the loop on the runtime.
    pub fn start(self: Arc<Self>) -> Running {
        let (stop, stopped) = watch::channel(false);
        let outcomes = self.outcomes.lock().ok().and_then(|mut o| o.take());
        let recorder = match outcomes {
            Some(outcomes) => tokio::spawn(self.clone().record_loop(outcomes)),
            None => tokio::spawn(async {}),
        };
        let task = tokio::spawn(self.run(stopped));
        Running {
            stop,
            task,
            recorder,
        }
    }

    async fn run(self: Arc<Self>, mut stopped: watch::Receiver<bool>) {
        let mut commits = crate::events::commits();
        let mut fanned_out_to: Option<i64> = None;
        let mut last_beat: Option<Instant> = None;
        loop {
            // Claims name this instance; they stay ours while it beats.
            if last_beat.is_none_or(|at| at.elapsed() >= instances::BEAT_EVERY) {
                match self.instance.beat(&self.db, Utc::now()).await {
                    Ok(()) => last_beat = Some(Instant::now()),
                    Err(e) => tracing::error!(error = %e, "the instance heartbeat failed"),
                }
            }
            if let Err(e) = self.pass(&mut fanned_out_to).await {
                tracing::error!(error = ?e, "webhook deliveries could not be scheduled");
            }
            tokio::select! {
                _ = commits.changed() => {}
                () = self.finished.notified() => {}
                () = tokio::time::sleep(POLL_EVERY) => {}
                _ = stopped.changed() => break,
            }
        }
        // Every slot back means every delivery in flight has its outcome;
        // every place back, that every outcome was written.
        let all = u32::try_from(MAX_IN_FLIGHT).unwrap_or(u32::MAX);
        let _ = self.slots.acquire_many(all).await;
        let all = u32::try_from(MAX_UNRECORDED).unwrap_or(u32::MAX);
        let _ = self.unrecorded.acquire_many(all).await;
    }

    /// Fans out new events, then claims and starts what is due.
    async fn pass(self: &Arc<Self>, fanned_out_to: &mut Option<i64>) -> anyhow::Result<()> {
        let last = endpoints::last_event_id(&self.db).await?;
        if *fanned_out_to != Some(last) {
            fanout::fan_out(&self.db, last, Utc::now()).await?;
            *fanned_out_to = Some(last);
        }
        for endpoint_id in self.due_endpoints(Utc::now()).await? {
            let in_flight = self.in_flight(endpoint_id);
            let room = PER_ENDPOINT
                .saturating_sub(in_flight)
                .min(self.slots.available_permits());
            if room == 0 {
                continue;
            }
            let rows = self.claim(endpoint_id, room, Utc::now()).await?;
            if rows.is_empty() {
                continue;
            }
            let prepared = match self.prepare(endpoint_id, &rows).await {
                Ok(prepared) => prepared,
                Err(e) => {
                    self.release(&rows).await;
                    return Err(e);
                }
            };
            let Some((endpoint, mut bodies)) = prepared else {
                continue;
            };
            for row in rows {
                let Ok(slot) = self.slots.clone().acquire_owned().await else {
                    return Ok(());
                };
                self.change_in_flight(endpoint_id, true);
                let worker = self.clone();
                let endpoint = endpoint.clone();
                let body = bodies.remove(&row.id);
                tokio::spawn(async move {
                    worker.deliver(row, &endpoint, body).await;
                    worker.change_in_flight(endpoint_id, false);
                    drop(slot);
                    worker.finished.notify_one();
                });
            }
        }
        Ok(())
    }

    fn in_flight(&self, endpoint_id: i64) -> usize {
        self.busy
            .lock()
            .map(|busy| busy.get(&endpoint_id).copied().unwrap_or(0))
            .unwrap_or(PER_ENDPOINT)
    }

    fn change_in_flight(&self, endpoint_id: i64, started: bool) {
        if let Ok(mut busy) = self.busy.lock() {
            let count = busy.entry(endpoint_id).or_insert(0);
            if started {
                *count += 1;
            } else {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    busy.remove(&endpoint_id);
                }
            }
        }
    }

    fn marks(&self) -> (DatabaseBackend, &'static str, &'static str) {
        let backend = self.db.get_database_backend();
        match backend {
            DatabaseBackend::Postgres => (backend, "$", "FOR UPDATE SKIP LOCKED"),
            // SQLite reads `?N` as the N-th bound value, like PostgreSQL's `$N`.
            _ => (backend, "?", ""),
        }
    }

    /// Enabled endpoints with a delivery due: waiting for its time, or
    /// claimed by an instance that died.
    async fn due_endpoints(&self, now: DateTime<Utc>) -> anyhow::Result<Vec<i64>> {
        let (backend, mark, _) = self.marks();
        let dead = instances::dead_claim_sql("d.claimed_by", &format!("{mark}2"));
        let sql = format!(
            "SELECT DISTINCT d.endpoint_id FROM webhook_deliveries d \
             JOIN webhook_endpoints e ON e.id = d.endpoint_id \
             WHERE e.enabled = {mark}3 \
             AND ((d.status = 'PENDING' AND d.next_attempt_at <= {mark}1) \
               OR (d.status = 'SENDING' AND {dead}))"
        );
        let values: Vec<sea_orm::Value> =
            vec![now.into(), instances::alive_since(now).into(), true.into()];
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
        Ok(rows
            .iter()
            .filter_map(|row| row.try_get_by_index::<i64>(0).ok())
            .collect())
    }

    /// Moves up to `limit` due deliveries of one endpoint to SENDING in this
    /// instance's name.
    async fn claim(
        &self,
        endpoint_id: i64,
        limit: usize,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Vec<webhook_delivery::Model>> {
        let (backend, mark, lock) = self.marks();
        let dead = instances::dead_claim_sql("d.claimed_by", &format!("{mark}3"));
        let sql = format!(
            "UPDATE webhook_deliveries SET status = 'SENDING', claimed_by = {mark}1 \
             WHERE id IN (SELECT d.id FROM webhook_deliveries d \
               WHERE d.endpoint_id = {mark}4 \
               AND ((d.status = 'PENDING' AND d.next_attempt_at <= {mark}2) \
                 OR (d.status = 'SENDING' AND {dead})) \
               ORDER BY d.next_attempt_at, d.id LIMIT {mark}5 {lock}) \
             RETURNING *"
        );
        let values: Vec<sea_orm::Value> = vec![
            self.instance.id.clone().into(),
            now.into(),
            instances::alive_since(now).into(),
            endpoint_id.into(),
            i64::try_from(limit)?.into(),
        ];
        let mut rows = webhook_delivery::Entity::find()
            .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
            .all(&self.db)
            .await?;
        rows.sort_by_key(|r| (r.next_attempt_at, r.id));
        Ok(rows)
    }

    /// The endpoint of claimed deliveries and their bodies (an event's
    /// payload, read once for all of them); `None` when the endpoint is gone.
    async fn prepare(
        &self,
        endpoint_id: i64,
        rows: &[webhook_delivery::Model],
    ) -> anyhow::Result<Option<(Arc<webhook_endpoint::Model>, HashMap<i64, String>)>> {
        let Some(endpoint) = webhook_endpoint::Entity::find_by_id(endpoint_id)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let event_ids: Vec<i64> = rows
            .iter()
            .filter(|r| r.payload.is_none())
            .filter_map(|r| r.event_id)
            .collect();
        let mut payloads: HashMap<i64, String> = HashMap::new();
        if !event_ids.is_empty() {
            for event in event::Entity::find()
                .filter(event::Column::Id.is_in(event_ids))
                .all(&self.db)
                .await?
            {
                let id = event.id;
                payloads.insert(id, crate::events::Event::from(event).payload().to_string());
            }
        }
        let bodies = rows
            .iter()
            .filter_map(|r| {
                let body = match (&r.payload, r.event_id) {
                    (Some(payload), _) => Some(payload.clone()),
                    (None, Some(event)) => payloads.get(&event).cloned(),
                    (None, None) => None,
                };
                body.map(|b| (r.id, b))
            })
            .collect();
        Ok(Some((Arc::new(endpoint), bodies)))
    }

    /// Gives claimed deliveries back when they cannot be sent now.
    async fn release(&self, rows: &[webhook_delivery::Model]) {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let released = webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::Status,
                Expr::value(delivery::PENDING),
            )
            .col_expr(
                webhook_delivery::Column::ClaimedBy,
                Expr::value(Option::<String>::None),
            )
            .filter(webhook_delivery::Column::Id.is_in(ids))
            .filter(webhook_delivery::Column::ClaimedBy.eq(self.instance.id.clone()))
            .exec(&self.db)
            .await;
        if let Err(e) = released {
            tracing::error!(error = %e, "claimed webhook deliveries could not be released");
        }
    }

    /// Sends one claimed delivery and hands its outcome to the recorder.
    async fn deliver(
        &self,
        row: webhook_delivery::Model,
        endpoint: &webhook_endpoint::Model,
        body: Option<String>,
    ) {
        let (answer, verdict) = match body {
            Some(body) => {
                let answer = self.send(&row, endpoint, body).await;
                let verdict = delivery::judge(&answer, row.attempts.saturating_add(1), Utc::now());
                (answer, verdict)
            }
            None => (
                Answer {
                    error: Some("the event no longer exists".into()),
                    ..Answer::default()
                },
                Verdict::Failed,
            ),
        };
        let outcome = Outcome {
            delivery: row,
            answer,
            verdict,
            at: Utc::now(),
        };
        // The slot is free once the answer is in; writing it is the
        // recorder's, which a stop waits for.
        if let Ok(place) = self.unrecorded.clone().acquire_owned().await {
            let _ = self.recorder.send((outcome, place));
        }
    }

    /// Writes outcomes as they come, those that came together at once.
    async fn record_loop(self: Arc<Self>, mut outcomes: mpsc::UnboundedReceiver<ToRecord>) {
        while let Some(first) = outcomes.recv().await {
            let mut batch = vec![first];
            while batch.len() < RECORD_BATCH {
                match outcomes.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            let (outcomes_now, places): (Vec<Outcome>, Vec<OwnedSemaphorePermit>) =
                batch.into_iter().unzip();
            match delivery::record(&self.db, &self.instance.id, &outcomes_now).await {
                Ok(disabled) => {
                    for (endpoint, reason) in disabled {
                        tracing::warn!(endpoint, reason = ?reason, "webhook endpoint disabled");
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "webhook outcomes could not be recorded");
                }
            }
            for outcome in &outcomes_now {
                self.observe(outcome);
            }
            drop(places);
        }
    }

    /// The metric and the log line of one outcome (never the payload).
    fn observe(&self, outcome: &Outcome) {
        let label = match outcome.verdict {
            Verdict::Succeeded => "succeeded",
            Verdict::Retry(_) => "retried",
            Verdict::Failed | Verdict::Gone => "failed",
        };
        self.metrics.observe_webhook_delivery(label);
        let row = &outcome.delivery;
        tracing::info!(
            endpoint = row.endpoint_id,
            event = row.event_id,
            delivery = row.id,
            webhook_id = %row.webhook_id,
            status = outcome.answer.status,
            outcome = label,
            took_ms = outcome.answer.took.as_millis() as u64,
            error = outcome.answer.error.as_deref(),
            "webhook delivery"
        );
    }

    /// Signs a delivery's body and sends it.
    async fn send(
        &self,
        row: &webhook_delivery::Model,
        endpoint: &webhook_endpoint::Model,
        body: String,
    ) -> Answer {
        let now = Utc::now();
        let keys = match endpoints::signing_keys(&self.cipher, endpoint, now) {
            Ok(keys) => keys,
            Err(e) => {
                tracing::error!(endpoint = endpoint.id, error = %e, "a webhook secret cannot be opened");
                return Answer {
                    error: Some(
                        "the signing secret cannot be opened with this server's key".into(),
                    ),
                    ..Answer::default()
                };
            }
        };
        let timestamp = now.timestamp();
        let signature = signature::header(&keys, &row.webhook_id, timestamp, &body);
        self.sender
            .post(&endpoint.url, &row.webhook_id, timestamp, &signature, body)
            .await
    }
}
