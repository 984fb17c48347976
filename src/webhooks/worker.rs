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
//! Deliveries run side by side, at most [`MAX_IN_FLIGHT`] at once and
//! [`PER_ENDPOINT`] per endpoint, so a receiver that answers slowly, or
//! never, holds a few slots for at most [`delivery::TIMEOUT`] and delays no
//! other endpoint.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entity::{event, webhook_delivery, webhook_endpoint};
use sea_orm::{
    ConnectionTrait as _, DatabaseBackend, DatabaseConnection, EntityTrait as _, Statement,
};
use tokio::sync::{Notify, Semaphore, watch};

use super::delivery::{self, Answer, Sender, Verdict};
use super::{endpoints, fanout, signature};
use crate::instances::{self, Instance};
use crate::mail::secrets::Cipher;
use crate::metrics::Metrics;

/// How often the log and the retries are looked at without a wake-up.
pub const POLL_EVERY: Duration = Duration::from_millis(250);

/// Deliveries in flight at once, over all endpoints.
pub const MAX_IN_FLIGHT: usize = 64;

/// Deliveries in flight at once to one endpoint.
pub const PER_ENDPOINT: usize = 8;

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
}

/// A running worker; [`Running::stop`] ends it.
pub struct Running {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops claiming and waits for the deliveries in flight to be recorded.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
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
        Ok(Self {
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
        let task = tokio::spawn(self.run(stopped));
        Running { stop, task }
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
        // Every slot back means every delivery in flight was recorded.
        let all = u32::try_from(MAX_IN_FLIGHT).unwrap_or(u32::MAX);
        let _ = self.slots.acquire_many(all).await;
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
            for row in self.claim(endpoint_id, room, Utc::now()).await? {
                let Ok(slot) = self.slots.clone().acquire_owned().await else {
                    return Ok(());
                };
                self.change_in_flight(endpoint_id, true);
                let worker = self.clone();
                tokio::spawn(async move {
                    worker.deliver(row).await;
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

    /// Sends one claimed delivery and records the outcome.
    async fn deliver(&self, row: webhook_delivery::Model) {
        let answer = match self.send(&row).await {
            Ok(answer) => answer,
            Err(e) => {
                tracing::error!(delivery = row.id, error = ?e, "a webhook delivery could not be prepared");
                Answer {
                    error: Some("the delivery could not be prepared".into()),
                    ..Answer::default()
                }
            }
        };
        let now = Utc::now();
        let verdict = delivery::judge(&answer, row.attempts.saturating_add(1), now);
        let recorded =
            delivery::record(&self.db, &self.instance.id, &row, &answer, &verdict, now).await;
        let outcome = match verdict {
            Verdict::Succeeded => "succeeded",
            Verdict::Retry(_) => "retried",
            Verdict::Failed | Verdict::Gone => "failed",
        };
        self.metrics.observe_webhook_delivery(outcome);
        tracing::info!(
            endpoint = row.endpoint_id,
            event = row.event_id,
            delivery = row.id,
            webhook_id = %row.webhook_id,
            status = answer.status,
            outcome,
            took_ms = answer.took.as_millis() as u64,
            error = answer.error.as_deref(),
            "webhook delivery"
        );
        match recorded {
            Ok(Some(reason)) => tracing::warn!(
                endpoint = row.endpoint_id,
                reason = ?reason,
                "webhook endpoint disabled"
            ),
            Ok(None) => {}
            Err(e) => {
                tracing::error!(delivery = row.id, error = %e, "a webhook outcome could not be recorded")
            }
        }
    }

    /// Builds the signed request of a delivery and sends it.
    async fn send(&self, row: &webhook_delivery::Model) -> anyhow::Result<Answer> {
        let endpoint = webhook_endpoint::Entity::find_by_id(row.endpoint_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the endpoint is gone"))?;
        let body = match (&row.payload, row.event_id) {
            (Some(payload), _) => payload.clone(),
            (None, Some(event_id)) => {
                let event = event::Entity::find_by_id(event_id)
                    .one(&self.db)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("the event is gone"))?;
                crate::events::Event::from(event).payload().to_string()
            }
            (None, None) => anyhow::bail!("a delivery without event or payload"),
        };
        let now = Utc::now();
        let keys = endpoints::signing_keys(&self.cipher, &endpoint, now)?;
        let timestamp = now.timestamp();
        let signature = signature::header(&keys, &row.webhook_id, timestamp, &body);
        Ok(self
            .sender
            .post(&endpoint.url, &row.webhook_id, timestamp, &signature, body)
            .await)
    }
}
