//! Delivers the outbox: claims due messages, sends them through the right
//! transport, and records each outcome.
//!
//! Every write of a message row goes through `message_state`. A claim is one
//! statement that moves due messages to SENDING under this instance's name
//! (`instances`); several `serve` instances never claim the same message,
//! and when an instance stops beating, whatever its claims held is claimed
//! again by one that is alive, within seconds. Outcomes are written as they
//! come in — each write takes every outcome that arrived while the previous
//! one was being written, so a message is recorded SENT within one database
//! write of its server's reply — and only while the claim still holds. A
//! message is sent twice only if its instance dies between the server's 250
//! reply and that write, or if a connection fails after the message was
//! handed over (then whether the server took it is unknown, and it is tried
//! again after the usual wait with the same Message-ID).
//!
//! Claims and records take the caller's clock (`now`, advanced by the time
//! spent), so tests drive time; the Date header is the machine's time.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Utc};
use entity::enums::RecipientKind;
use entity::{
    company, document, message, message_attachment, message_content, message_recipient, subsidiary,
};
use futures_util::StreamExt as _;
use rand::Rng as _;
use sea_orm::{ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _};

use super::compose::{AttachedFile, CalendarPart, Envelope, compose};
use super::email_settings::smtp_config;
use super::message_state::{self, Outcome};
use super::outbox::Addressee;
use super::secrets::Cipher;
use super::smtp::{SmtpConfig, describe};
use super::smtp_pool::SmtpPool;
use crate::blobs::BlobStore;
use crate::instances::{BEAT_EVERY, Instance};
use crate::metrics::Metrics;
use crate::settings::Settings;

/// Most messages one claim takes.
pub const CLAIM_SIZE: u64 = 500;
/// Most claims one tick makes, so a tick ends even while mail keeps arriving.
const CLAIMS_PER_TICK: usize = 50;
/// How long a claim holds a message before another instance may take it.
pub const LEASE: Duration = Duration::from_secs(600);
/// Attempts before a message that keeps failing temporarily is given up:
/// with retries at most an hour apart, about two days of outage.
pub const MAX_ATTEMPTS: i32 = 56;
/// The first retry waits about this long; each further one twice as long.
const FIRST_RETRY: Duration = Duration::from_secs(30);
const LONGEST_RETRY: Duration = Duration::from_secs(3600);
/// Most outcomes one write records.
const RECORD_AT_MOST: usize = 256;
/// How often a claim reports the progress of the bulk sends it delivers.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// What one tick did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tick {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    /// Claimed but not started before the claim's time ran out; queued again.
    pub released: usize,
}

/// Where a message goes out.
enum Channel {
    Smtp(Box<SmtpPool>),
    /// `.eml` files in a folder: the default transport of embedded mode.
    Files(PathBuf),
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum ChannelKey {
    Default,
    /// A subsidiary's own server; the configuration is part of the key, so a
    /// change of settings opens a fresh pool.
    Own(i64, SmtpConfig),
}

/// The outbox's delivery side, shared by the scheduler and tests.
pub struct Dispatcher {
    db: DatabaseConnection,
    blobs: BlobStore,
    cipher: Cipher,
    settings: Arc<Settings>,
    instance: Instance,
    channels: Mutex<HashMap<ChannelKey, Arc<Channel>>>,
    /// Ticks of one instance do not overlap: a slow tick makes the next skip.
    running: tokio::sync::Mutex<()>,
    /// Set at shutdown: no delivery starts any more.
    stopping: AtomicBool,
    /// When this instance last wrote its heartbeat.
    last_beat: Mutex<Option<Instant>>,
    /// Where delivery outcomes are counted, once the application says.
    metrics: OnceLock<Arc<Metrics>>,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher").finish_non_exhaustive()
    }
}

/// How delivering one message went.
enum Delivery {
    Sent,
    /// Delivered, but the server refused some copies (CC, BCC).
    SentWithRefusals(String),
    /// A temporary failure: try again later.
    Retry(String),
    /// Not attempted (its server was found unreachable for another message):
    /// try again later without counting an attempt.
    Postpone(String),
    /// A permanent failure: give up now.
    Fail(String),
    /// Not attempted: the claim ran out of time, or the instance is stopping.
    Release,
}

/// The outcome to record for a delivery of `row`.
fn settle(row: &message::Model, delivery: Delivery) -> Outcome {
    let attempt = row.attempts + 1;
    match delivery {
        Delivery::Sent => Outcome::Sent(None),
        Delivery::SentWithRefusals(note) => Outcome::Sent(Some(note)),
        Delivery::Retry(error) if attempt >= MAX_ATTEMPTS => {
            Outcome::Fail(format!("{error} (given up after {MAX_ATTEMPTS} attempts)"))
        }
        Delivery::Retry(error) => Outcome::Retry {
            error,
            retry_after: retry_delay(attempt),
            attempted: true,
        },
        Delivery::Postpone(error) => Outcome::Retry {
            error,
            retry_after: retry_delay(row.attempts.max(1)),
            attempted: false,
        },
        Delivery::Fail(error) => Outcome::Fail(error),
        Delivery::Release => Outcome::Release,
    }
}

/// One line per delivery outcome, naming the message by its id and
/// Message-ID, never by its recipients.
fn log_outcome(row: &message::Model, outcome: &Outcome) {
    let message_id = row.message_id_header.as_deref().unwrap_or_default();
    match outcome {
        Outcome::Sent(note) => {
            tracing::info!(
                message = row.id,
                message_id,
                refused = note.is_some(),
                "message sent"
            )
        }
        Outcome::Retry { error, .. } => {
            tracing::info!(message = row.id, message_id, error = %error, "message to be retried")
        }
        Outcome::Fail(error) => {
            tracing::warn!(message = row.id, message_id, error = %error, "message failed")
        }
        Outcome::Release => {}
    }
}

/// Messages claimed together, with what delivering them needs.
struct Claim {
    rows: Vec<message::Model>,
    data: ClaimData,
    claimed_at: Instant,
}

/// A document to attach, read from the blob store only when its message is sent.
#[derive(Clone)]
struct AttachmentRef {
    file_name: String,
    content_type: String,
    blob_key: String,
}

/// What delivering one message needs besides its row.
#[derive(Default)]
struct Parts {
    content: Option<message_content::Model>,
    recipients: Vec<message_recipient::Model>,
    attachments: Vec<AttachmentRef>,
    missing_attachment: bool,
}

/// The rows a claim's deliveries look up.
#[derive(Default)]
struct ClaimData {
    parts: HashMap<i64, Parts>,
    companies: HashMap<i64, company::Model>,
    subsidiaries: HashMap<i64, subsidiary::Model>,
}

impl Dispatcher {
    pub fn new(
        db: DatabaseConnection,
        blobs: BlobStore,
        cipher: Cipher,
        settings: Arc<Settings>,
        instance: Instance,
    ) -> Self {
        Self {
            db,
            blobs,
            cipher,
            settings,
            instance,
            channels: Mutex::new(HashMap::new()),
            running: tokio::sync::Mutex::new(()),
            stopping: AtomicBool::new(false),
            last_beat: Mutex::new(None),
            metrics: OnceLock::new(),
        }
    }

    /// Sends what is due at `now`. Returns at once if a tick is still running
    /// or the dispatcher is stopping.
    pub async fn tick(&self, now: DateTime<Utc>) -> anyhow::Result<Tick> {
        let Ok(_running) = self.running.try_lock() else {
            return Ok(Tick::default());
        };
        if self.stopping.load(Ordering::Acquire) {
            return Ok(Tick::default());
        }
        let outcome = self.tick_claims(now).await;
        if outcome.is_err() {
            // Claims of a tick that stopped on an error would otherwise wait
            // for their lease: this instance is alive, so nobody takes them.
            if let Err(e) = message_state::release_all(&self.db, &self.instance).await {
                tracing::warn!(error = %e, "claims of a failed delivery round could not be released");
            }
        }
        outcome
    }

    async fn tick_claims(&self, now: DateTime<Utc>) -> anyhow::Result<Tick> {
        let beat_due = self
            .last_beat
            .lock()
            .map(|last| last.is_none_or(|at| at.elapsed() >= BEAT_EVERY))
            .unwrap_or(true);
        if beat_due {
            self.beat(now).await?;
        }
        let started = Instant::now();
        let clock = || now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
        message_state::promote_scheduled(&self.db, clock()).await?;
        let mut tick = Tick::default();
        let mut next = Some(self.claim_with_data(clock()).await?);
        for round in 1..=CLAIMS_PER_TICK {
            let Some(current) = next.take().filter(|c| !c.rows.is_empty()) else {
                break;
            };
            // The next claim is read while this one is delivered, so the
            // connections do not idle between claims.
            let (_, following) = futures_util::future::try_join(
                self.deliver_claim(&current, &clock, &mut tick),
                async {
                    if round < CLAIMS_PER_TICK && !self.stopping.load(Ordering::Acquire) {
                        self.claim_with_data(clock()).await.map(Some)
                    } else {
                        Ok(None)
                    }
                },
            )
            .await?;
            next = following;
        }
        if let Some(unstarted) = next.filter(|c| !c.rows.is_empty()) {
            // Claimed in the last round, not delivered in this tick.
            let released: Vec<_> = unstarted
                .rows
                .iter()
                .map(|row| (row, Outcome::Release))
                .collect();
            tick.released +=
                message_state::record(&self.db, &self.instance, &released, false, clock())
                    .await?
                    .released;
        }
        self.close_idle_connections().await;
        Ok(tick)
    }

    /// Closes pooled SMTP connections that have idled too long to be reused.
    async fn close_idle_connections(&self) {
        let pools: Vec<Arc<Channel>> = match self.channels.lock() {
            Ok(channels) => channels.values().cloned().collect(),
            Err(_) => return,
        };
        let now = Instant::now();
        for channel in pools {
            if let Channel::Smtp(pool) = &*channel {
                pool.close_idle(now).await;
            }
        }
    }

    /// Counts delivery outcomes in `metrics` from now on.
    pub fn report_to(&self, metrics: Arc<Metrics>) {
        self.metrics.set(metrics).ok();
    }

    /// The transport a message of this claim leaves by, as metrics name it.
    fn transport_of(&self, row: &message::Model, data: &ClaimData) -> &'static str {
        let own = row
            .subsidiary_id
            .and_then(|id| data.subsidiaries.get(&id))
            .is_some_and(|s| s.use_custom_smtp);
        match (own, &self.settings.smtp_relay) {
            (true, _) => "subsidiary_smtp",
            (false, Some(_)) => "relay_smtp",
            (false, None) => "outbox_folder",
        }
    }

    /// The database the dispatcher writes to.
    pub fn database(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Writes this instance's heartbeat: its claims stay its own while it
    /// beats. `serve` beats on its own schedule, whatever a delivery round
    /// is doing; a tick beats too when no beat was written lately (in tests,
    /// which call ticks directly).
    pub async fn beat(&self, now: DateTime<Utc>) -> anyhow::Result<()> {
        self.instance.beat(&self.db, now).await?;
        if let Ok(mut last) = self.last_beat.lock() {
            *last = Some(Instant::now());
        }
        Ok(())
    }

    /// Stops at a clean shutdown: no new delivery starts, the running ones
    /// finish and are recorded, and every message claimed but not started is
    /// back in the queue at once, for another instance to send.
    pub async fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        tracing::info!("delivery is stopping");
        let _finished = self.running.lock().await;
        match message_state::release_all(&self.db, &self.instance).await {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "claimed messages were put back in the queue"),
            Err(e) => {
                tracing::warn!(error = %e, "claimed messages could not be put back in the queue")
            }
        }
    }

    /// Moves up to `limit` due messages to SENDING under this instance's
    /// claim (see `message_state::claim`).
    pub async fn claim(
        &self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> anyhow::Result<Vec<message::Model>> {
        let lease = chrono::Duration::from_std(LEASE)?;
        message_state::claim(&self.db, &self.instance, now, lease, limit).await
    }

    /// Claims due messages and reads what delivering them needs.
    async fn claim_with_data(&self, now: DateTime<Utc>) -> anyhow::Result<Claim> {
        let claimed_at = Instant::now();
        let rows = self.claim(now, CLAIM_SIZE).await?;
        let data = self.claim_data(&rows).await?;
        Ok(Claim {
            rows,
            data,
            claimed_at,
        })
    }

    /// Delivers a claim with bounded concurrency (so only the messages being
    /// sent are composed in memory), recording outcomes as they come in.
    async fn deliver_claim(
        &self,
        claim: &Claim,
        clock: &impl Fn() -> DateTime<Utc>,
        tick: &mut Tick,
    ) -> anyhow::Result<()> {
        let claimed = claim.rows.as_slice();
        let data = &claim.data;
        // Counted from the claim, not from the start of delivery: a claim
        // read ahead waits for the one before it.
        let deadline = claim.claimed_at + LEASE / 2;
        // A server that refused a connection in this claim is not tried again
        // for its other messages until a later claim.
        let unreachable: Mutex<HashSet<Option<i64>>> = Mutex::new(HashSet::new());
        let in_flight = self.settings.smtp_concurrency.saturating_mul(2).max(2);
        // Indices rather than references keep the stream's closure free of
        // lifetimes, which the spawned tick future needs.
        let mut outcomes = futures_util::stream::iter(0..claimed.len())
            .map(|i| {
                let row = &claimed[i];
                let data = &data;
                let unreachable = &unreachable;
                async move {
                    if Instant::now() > deadline || self.stopping.load(Ordering::Acquire) {
                        return (row, Delivery::Release);
                    }
                    let skip = unreachable
                        .lock()
                        .map(|u| u.contains(&row.subsidiary_id))
                        .unwrap_or(false);
                    if skip {
                        return (
                            row,
                            Delivery::Postpone("the mail server was unreachable".into()),
                        );
                    }
                    let (outcome, reachable) = self.deliver(row, data).await;
                    if !reachable && let Ok(mut u) = unreachable.lock() {
                        u.insert(row.subsidiary_id);
                    }
                    (row, outcome)
                }
            })
            .buffer_unordered(in_flight);
        // Deliveries and the writes recording them run side by side. The
        // queue between them is short: when the database is slow, deliveries
        // wait for it rather than pile up messages that left but are not yet
        // recorded — each would be sent again after a crash.
        let (done, mut outcomes_in) =
            tokio::sync::mpsc::channel(self.settings.smtp_concurrency.max(1));
        let deliveries = async move {
            while let Some(item) = outcomes.next().await {
                if done.send(item).await.is_err() {
                    break;
                }
            }
            Ok(())
        };
        let recorder = async {
            let mut batches = HashSet::new();
            let mut last_progress = Instant::now();
            // Group commit: each write takes what arrived while the previous
            // one was written, so an outcome waits for at most one write.
            while let Some(first) = outcomes_in.recv().await {
                let mut group = vec![first];
                while group.len() < RECORD_AT_MOST {
                    match outcomes_in.try_recv() {
                        Ok(item) => group.push(item),
                        Err(_) => break,
                    }
                }
                let settled: Vec<(&message::Model, Outcome)> = group
                    .into_iter()
                    .map(|(row, delivery)| (row, settle(row, delivery)))
                    .collect();
                batches.extend(settled.iter().filter_map(|(row, _)| row.batch_id));
                let progress = last_progress.elapsed() >= PROGRESS_EVERY;
                let recorded =
                    message_state::record(&self.db, &self.instance, &settled, progress, clock())
                        .await?;
                if progress {
                    last_progress = Instant::now();
                }
                for (row, outcome) in &settled {
                    log_outcome(row, outcome);
                    let counted = match outcome {
                        Outcome::Sent(_) => Some("sent"),
                        Outcome::Retry {
                            attempted: true, ..
                        } => Some("retried"),
                        Outcome::Fail(_) => Some("failed"),
                        Outcome::Retry { .. } | Outcome::Release => None,
                    };
                    if let (Some(outcome), Some(metrics)) = (counted, self.metrics.get()) {
                        metrics.observe_delivery(self.transport_of(row, data), outcome);
                    }
                }
                tick.sent += recorded.sent;
                tick.retried += recorded.retried;
                tick.failed += recorded.failed;
                tick.released += recorded.released;
            }
            message_state::report_progress(&self.db, batches.into_iter().collect(), clock()).await
        };
        // A failed write stops the claim; the tick then puts back in the
        // queue what was not recorded, as a crash would.
        futures_util::future::try_join(deliveries, recorder).await?;
        Ok(())
    }

    /// Recipients, attachment references, companies and subsidiaries of a
    /// claim, in a few statements. Attachment contents are read per message.
    async fn claim_data(&self, claimed: &[message::Model]) -> anyhow::Result<ClaimData> {
        if claimed.is_empty() {
            // An idle tick: nothing to look up.
            return Ok(ClaimData::default());
        }
        let ids: Vec<i64> = claimed.iter().map(|m| m.id).collect();
        let mut parts: HashMap<i64, Parts> = HashMap::new();
        for c in message_content::Entity::find()
            .filter(message_content::Column::MessageId.is_in(ids.clone()))
            .all(&self.db)
            .await?
        {
            let id = c.message_id;
            parts.entry(id).or_default().content = Some(c);
        }
        for r in message_recipient::Entity::find()
            .filter(message_recipient::Column::MessageId.is_in(ids.clone()))
            .all(&self.db)
            .await?
        {
            parts.entry(r.message_id).or_default().recipients.push(r);
        }
        let mut links = message_attachment::Entity::find()
            .filter(message_attachment::Column::MessageId.is_in(ids))
            .all(&self.db)
            .await?;
        links.sort_by_key(|l| (l.message_id, l.position));
        let documents: HashMap<i64, document::Model> = document::Entity::find()
            .filter(document::Column::Id.is_in(links.iter().map(|l| l.document_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|d| (d.id, d))
            .collect();
        for link in links {
            let entry = parts.entry(link.message_id).or_default();
            match documents.get(&link.document_id) {
                Some(d) => entry.attachments.push(AttachmentRef {
                    file_name: d.file_name.clone(),
                    content_type: d.content_type.clone(),
                    blob_key: d.blob_key.clone(),
                }),
                None => entry.missing_attachment = true,
            }
        }
        let companies = company::Entity::find()
            .filter(company::Column::Id.is_in(claimed.iter().map(|m| m.company_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let subsidiaries = subsidiary::Entity::find()
            .filter(subsidiary::Column::Id.is_in(claimed.iter().filter_map(|m| m.subsidiary_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        Ok(ClaimData {
            parts,
            companies,
            subsidiaries,
        })
    }

    /// Sends one message; also says whether its server could be reached.
    async fn deliver(&self, row: &message::Model, data: &ClaimData) -> (Delivery, bool) {
        let parts = data.parts.get(&row.id);
        let Some(company) = data.companies.get(&row.company_id) else {
            return (Delivery::Fail("the message's company is gone".into()), true);
        };
        let Some(content) = parts.and_then(|p| p.content.as_ref()) else {
            return (Delivery::Fail("the message has no content".into()), true);
        };
        if parts.is_some_and(|p| p.missing_attachment) {
            return (
                Delivery::Fail("an attached document was deleted".into()),
                true,
            );
        }
        let subsidiary = row.subsidiary_id.and_then(|id| data.subsidiaries.get(&id));
        // Settings that cannot be used now (a password sealed under another
        // key, an unreadable CA) may be corrected: retry rather than fail.
        let channel = match self.channel(subsidiary) {
            Ok(channel) => channel,
            Err(e) => return (Delivery::Retry(e), true),
        };
        let mut attachments = Vec::new();
        for a in parts.map(|p| p.attachments.as_slice()).unwrap_or_default() {
            match self.blobs.get(&a.blob_key).await {
                Ok(content) => attachments.push(AttachedFile {
                    file_name: a.file_name.clone(),
                    content_type: a.content_type.clone(),
                    content,
                }),
                // The store may be back later.
                Err(e) => {
                    return (
                        Delivery::Retry(format!("attachment {}: {e}", a.file_name)),
                        true,
                    );
                }
            }
        }
        let pick = |kind| {
            parts
                .map(|p| p.recipients.as_slice())
                .unwrap_or_default()
                .iter()
                .filter(|r| r.kind == kind)
                .map(|r| Addressee {
                    address: r.address.clone(),
                    name: r.name.clone(),
                })
                .collect::<Vec<_>>()
        };
        // The candidate's address comes first in the SMTP envelope: it must be
        // accepted; refused copies are reported on the message.
        let primary = parts
            .map(|p| {
                p.recipients
                    .iter()
                    .filter(|r| r.kind == RecipientKind::To)
                    .count()
            })
            .unwrap_or(0);
        let envelope = Envelope {
            from: Addressee {
                address: row.from_address.clone(),
                name: row.from_name.clone(),
            },
            reply_to: row.reply_token.as_ref().map(|token| Addressee {
                address: crate::companies::reply_address(
                    &company.slug,
                    token,
                    self.settings.inbound_domain.as_str(),
                ),
                name: row.from_name.clone(),
            }),
            to: pick(RecipientKind::To),
            cc: pick(RecipientKind::Cc),
            bcc: pick(RecipientKind::Bcc),
            subject: row.subject.clone(),
            message_id: row.message_id_header.clone().unwrap_or_default(),
            date: SystemTime::now(),
            text: content.text_body.clone(),
            html: content.html_body.clone(),
            attachments,
            calendar: match (&row.calendar_method, &content.calendar) {
                (Some(method), Some(text)) => Some(CalendarPart {
                    method: method.clone(),
                    text: text.clone(),
                }),
                _ => None,
            },
            auto_submitted: row.auto_submitted.clone(),
            in_reply_to: row.in_reply_to.clone(),
            references: row.references_header.clone(),
        };
        let email = match compose(&envelope) {
            Ok(email) => email,
            Err(e) => {
                return (
                    Delivery::Fail(format!("the message cannot be built: {e}")),
                    true,
                );
            }
        };
        match channel.as_ref() {
            Channel::Smtp(pool) => match pool
                .send(email.envelope(), primary, &email.formatted())
                .await
            {
                Ok(refused) if refused.is_empty() => (Delivery::Sent, true),
                Ok(refused) => (Delivery::SentWithRefusals(refusals(&refused)), true),
                Err(e) if e.is_permanent() => (Delivery::Fail(describe(&e)), true),
                Err(e) => {
                    let reachable = !e.is_unreachable();
                    (Delivery::Retry(describe(&e)), reachable)
                }
            },
            Channel::Files(dir) => match write_eml(dir, row, &email.formatted()).await {
                Ok(()) => (Delivery::Sent, true),
                Err(e) => (
                    Delivery::Retry(format!("cannot write to the outbox folder: {e}")),
                    true,
                ),
            },
        }
    }

    /// The channel for a subsidiary's messages, opened on first use.
    fn channel(&self, subsidiary: Option<&subsidiary::Model>) -> Result<Arc<Channel>, String> {
        let own = match subsidiary {
            Some(s) => smtp_config(&self.cipher, s)
                .map_err(|e| format!("{e}; enter the SMTP password again"))?
                .map(|config| (s.id, config)),
            None => None,
        };
        let key = match &own {
            Some((id, config)) => ChannelKey::Own(*id, config.clone()),
            None => ChannelKey::Default,
        };
        let mut channels = self
            .channels
            .lock()
            .map_err(|_| "the transport table is unavailable".to_owned())?;
        if let Some(channel) = channels.get(&key) {
            return Ok(channel.clone());
        }
        let concurrency = self.settings.smtp_concurrency;
        let extra_root = self.settings.smtp_ca_pem.as_deref();
        let channel = match (own, &self.settings.smtp_relay) {
            (Some((_, config)), _) => Channel::Smtp(Box::new(SmtpPool::new(
                config,
                extra_root,
                concurrency,
                !self.settings.smtp_allow_private_hosts,
            )?)),
            (None, Some(url)) => Channel::Smtp(Box::new(SmtpPool::new(
                SmtpConfig::from_url(url)?,
                extra_root,
                concurrency,
                false,
            )?)),
            (None, None) => Channel::Files(outbox_dir(&self.settings)),
        };
        if let ChannelKey::Own(id, _) = &key {
            // A subsidiary's earlier settings have no further use.
            channels.retain(|k, _| !matches!(k, ChannelKey::Own(other, _) if other == id));
        }
        let channel = Arc::new(channel);
        channels.insert(key, channel.clone());
        Ok(channel)
    }
}

/// The note on a message some of whose copies were refused.
fn refusals(refused: &[(String, String)]) -> String {
    let list: Vec<String> = refused
        .iter()
        .map(|(address, reply)| format!("{address}: {reply}"))
        .collect();
    format!(
        "delivered, but the server refused copies to {}",
        list.join("; ")
    )
}

/// Exponential backoff with jitter: attempt n waits between half and all of
/// 30 s × 2ⁿ⁻¹ (at most an hour), so messages that failed together do not all
/// come back at the same second.
pub fn retry_delay(attempt: i32) -> chrono::Duration {
    let exponent = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(16);
    let full = FIRST_RETRY
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(LONGEST_RETRY);
    let half = full / 2;
    let jitter = rand::rng().random_range(0..=half.as_millis() as u64);
    chrono::Duration::from_std(half + Duration::from_millis(jitter)).unwrap_or_default()
}

/// The folder the default outbox writes `.eml` files to, when no SMTP
/// server is configured.
pub fn outbox_dir(settings: &Settings) -> PathBuf {
    settings.data_dir.join("outbox")
}

/// Writes one `.eml` file atomically: a reader never sees half a message.
async fn write_eml(
    dir: &std::path::Path,
    row: &message::Model,
    bytes: &[u8],
) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let name = format!("{}-{}.eml", row.created_at.format("%Y%m%dT%H%M%S"), row.id);
    let partial = dir.join(format!(".{name}.partial"));
    tokio::fs::write(&partial, bytes).await?;
    tokio::fs::rename(&partial, dir.join(name)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_with_jitter_and_a_ceiling() {
        for attempt in 1..=12 {
            let full = (30i64 << (attempt - 1)).min(3600);
            let delay = retry_delay(attempt).num_milliseconds();
            assert!(
                delay >= full * 500 && delay <= full * 1000,
                "{attempt}: {delay}"
            );
        }
    }
}
