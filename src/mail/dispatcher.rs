//! Delivers the outbox: claims due messages, sends them through the right
//! transport, and records the outcome.
//!
//! A claim is one statement that moves due messages to SENDING with a lease
//! and counts the attempt. On PostgreSQL it skips rows another instance holds
//! (`FOR UPDATE SKIP LOCKED`), so several `serve` instances never claim the
//! same message; SQLite has one writer at a time. A message whose lease runs
//! out (its instance died mid-send) is claimed again. Outcomes are written
//! only by the claim that made them (same attempt number, still SENDING).
//!
//! Every method takes `now`, so tests drive the clock.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Utc};
use entity::enums::{MessageStatus, RecipientKind};
use entity::{company, document, message, message_attachment, message_recipient, subsidiary};
use futures_util::future::join_all;
use rand::Rng as _;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait as _, DatabaseBackend, DatabaseConnection, EntityTrait as _, QueryFilter as _,
    Statement,
};

use super::compose::{AttachedFile, Envelope, compose};
use super::email_settings::smtp_config;
use super::outbox::Addressee;
use super::secrets::Cipher;
use super::smtp::{SmtpConfig, describe};
use super::smtp_pool::SmtpPool;
use crate::blobs::BlobStore;
use crate::settings::Settings;

/// Most messages one claim takes.
pub const CLAIM_SIZE: u64 = 500;
/// Most claims one tick makes, so a tick ends even while mail keeps arriving.
const CLAIMS_PER_TICK: usize = 50;
/// How long a claim holds a message before another instance may take it.
pub const LEASE: Duration = Duration::from_secs(120);
/// Attempts before a message that keeps failing temporarily is given up.
pub const MAX_ATTEMPTS: i32 = 8;
/// The first retry waits about this long; each further one twice as long.
const FIRST_RETRY: Duration = Duration::from_secs(30);
const LONGEST_RETRY: Duration = Duration::from_secs(3600);

/// What one tick did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tick {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
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
    channels: Mutex<HashMap<ChannelKey, Arc<Channel>>>,
    /// Ticks of one instance do not overlap: a slow tick makes the next skip.
    running: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher").finish_non_exhaustive()
    }
}

enum Outcome {
    Sent,
    Retry(String),
    Fail(String),
}

/// What delivering one message needs besides its row.
struct Parts {
    recipients: Vec<message_recipient::Model>,
    attachments: Vec<AttachedFile>,
}

impl Dispatcher {
    pub fn new(
        db: DatabaseConnection,
        blobs: BlobStore,
        cipher: Cipher,
        settings: Arc<Settings>,
    ) -> Self {
        Self {
            db,
            blobs,
            cipher,
            settings,
            channels: Mutex::new(HashMap::new()),
            running: tokio::sync::Mutex::new(()),
        }
    }

    /// Sends what is due at `now`. Returns at once if a tick is still running.
    pub async fn tick(&self, now: DateTime<Utc>) -> anyhow::Result<Tick> {
        let Ok(_running) = self.running.try_lock() else {
            return Ok(Tick::default());
        };
        self.promote_scheduled(now).await?;
        let started = Instant::now();
        let mut tick = Tick::default();
        for _ in 0..CLAIMS_PER_TICK {
            let claimed = self.claim(now, CLAIM_SIZE).await?;
            if claimed.is_empty() {
                break;
            }
            let clock = || now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
            let claim_started = Instant::now();
            let outcomes = self.deliver_all(&claimed).await?;
            let mut sent = Vec::new();
            for (row, outcome) in claimed.iter().zip(outcomes) {
                match outcome {
                    Outcome::Sent => {
                        tick.sent += 1;
                        sent.push(row);
                    }
                    Outcome::Retry(error) => {
                        tick.retried += 1;
                        self.record(row, Outcome::Retry(error), clock()).await?;
                    }
                    Outcome::Fail(error) => {
                        tick.failed += 1;
                        self.record(row, Outcome::Fail(error), clock()).await?;
                    }
                }
            }
            self.record_sent(&sent, clock()).await?;
            tracing::debug!(
                messages = claimed.len(),
                millis = claim_started.elapsed().as_millis() as u64,
                "claim delivered and recorded"
            );
        }
        Ok(tick)
    }

    /// Scheduled messages whose time has come join the queue.
    async fn promote_scheduled(&self, now: DateTime<Utc>) -> anyhow::Result<()> {
        message::Entity::update_many()
            .col_expr(message::Column::Status, Expr::value(MessageStatus::Queued))
            .filter(message::Column::Status.eq(MessageStatus::Scheduled))
            .filter(message::Column::ScheduledAt.lte(now))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Moves up to `limit` due messages to SENDING under a lease and returns
    /// them. Due: QUEUED and past `next_attempt_at`, or SENDING with an expired
    /// lease.
    pub async fn claim(
        &self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> anyhow::Result<Vec<message::Model>> {
        let backend = self.db.get_database_backend();
        let lock = match backend {
            DatabaseBackend::Postgres => "FOR UPDATE SKIP LOCKED",
            _ => "",
        };
        let (p1, p2, p3) = match backend {
            DatabaseBackend::Postgres => ("$1", "$2", "$3"),
            _ => ("?", "?", "?"),
        };
        let sql = format!(
            "UPDATE messages SET status = 'SENDING', lease_until = {p1}, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM messages \
               WHERE direction = 'OUTBOUND' \
               AND ((status = 'QUEUED' AND next_attempt_at <= {p2}) \
                 OR (status = 'SENDING' AND lease_until < {p2b})) \
               ORDER BY next_attempt_at, id LIMIT {p3} {lock}) \
             RETURNING *",
            p2b = if backend == DatabaseBackend::Postgres {
                "$2"
            } else {
                "?"
            },
        );
        let lease_until = now + chrono::Duration::from_std(LEASE)?;
        let mut values: Vec<sea_orm::Value> = vec![lease_until.into(), now.into()];
        if backend != DatabaseBackend::Postgres {
            values.push(now.into());
        }
        values.push((limit as i64).into());
        let statement = Statement::from_sql_and_values(backend, sql, values);
        let mut rows = message::Entity::find()
            .from_raw_sql(statement)
            .all(&self.db)
            .await?;
        rows.sort_by_key(|r| (r.next_attempt_at, r.id));
        Ok(rows)
    }

    async fn deliver_all(&self, claimed: &[message::Model]) -> anyhow::Result<Vec<Outcome>> {
        let mut parts = self.load_parts(claimed).await?;
        let companies: HashMap<i64, company::Model> = company::Entity::find()
            .filter(company::Column::Id.is_in(claimed.iter().map(|m| m.company_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let subsidiaries: HashMap<i64, subsidiary::Model> = subsidiary::Entity::find()
            .filter(subsidiary::Column::Id.is_in(claimed.iter().filter_map(|m| m.subsidiary_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let deliveries = claimed.iter().map(|row| {
            let parts = parts.remove(&row.id);
            let company = companies.get(&row.company_id);
            let subsidiary = row.subsidiary_id.and_then(|id| subsidiaries.get(&id));
            async move {
                match (parts, company) {
                    (Some(parts), Some(company)) => {
                        self.deliver(row, parts, company, subsidiary).await
                    }
                    _ => Outcome::Fail("the message's company or parts are missing".into()),
                }
            }
        });
        Ok(join_all(deliveries).await)
    }

    /// Recipients and attachment contents of `claimed`, in a few statements.
    async fn load_parts(
        &self,
        claimed: &[message::Model],
    ) -> anyhow::Result<HashMap<i64, Result<Parts, String>>> {
        let ids: Vec<i64> = claimed.iter().map(|m| m.id).collect();
        let mut recipients: HashMap<i64, Vec<message_recipient::Model>> = HashMap::new();
        for r in message_recipient::Entity::find()
            .filter(message_recipient::Column::MessageId.is_in(ids.clone()))
            .all(&self.db)
            .await?
        {
            recipients.entry(r.message_id).or_default().push(r);
        }
        let links = message_attachment::Entity::find()
            .filter(message_attachment::Column::MessageId.is_in(ids.clone()))
            .all(&self.db)
            .await?;
        let documents: HashMap<i64, document::Model> = document::Entity::find()
            .filter(document::Column::Id.is_in(links.iter().map(|l| l.document_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|d| (d.id, d))
            .collect();
        let mut contents = HashMap::new();
        for d in documents.values() {
            if !contents.contains_key(&d.blob_key) {
                let content = self.blobs.get(&d.blob_key).await;
                contents.insert(d.blob_key.clone(), content);
            }
        }
        let mut attachments: HashMap<i64, Result<Vec<(i32, AttachedFile)>, String>> =
            HashMap::new();
        for link in links {
            let entry = attachments
                .entry(link.message_id)
                .or_insert_with(|| Ok(Vec::new()));
            let Ok(files) = entry else { continue };
            let file =
                documents
                    .get(&link.document_id)
                    .and_then(|d| match contents.get(&d.blob_key) {
                        Some(Ok(content)) => Some(Ok(AttachedFile {
                            file_name: d.file_name.clone(),
                            content_type: d.content_type.clone(),
                            content: content.clone(),
                        })),
                        Some(Err(e)) => Some(Err(format!("attachment {}: {e}", d.file_name))),
                        None => None,
                    });
            match file {
                Some(Ok(file)) => files.push((link.position, file)),
                Some(Err(e)) => *entry = Err(e),
                None => *entry = Err("an attachment's document is missing".into()),
            }
        }
        Ok(ids
            .into_iter()
            .map(|id| {
                let attached = attachments.remove(&id).unwrap_or_else(|| Ok(Vec::new()));
                let parts = attached.map(|mut files| {
                    files.sort_by_key(|(position, _)| *position);
                    Parts {
                        recipients: recipients.remove(&id).unwrap_or_default(),
                        attachments: files.into_iter().map(|(_, f)| f).collect(),
                    }
                });
                (id, parts)
            })
            .collect())
    }

    async fn deliver(
        &self,
        row: &message::Model,
        parts: Result<Parts, String>,
        company: &company::Model,
        subsidiary: Option<&subsidiary::Model>,
    ) -> Outcome {
        // A blob that cannot be read now may be readable later (a store outage).
        let parts = match parts {
            Ok(parts) => parts,
            Err(e) => return Outcome::Retry(e),
        };
        let channel = match self.channel(subsidiary) {
            Ok(channel) => channel,
            Err(e) => return Outcome::Fail(e),
        };
        let pick = |kind| {
            parts
                .recipients
                .iter()
                .filter(|r| r.kind == kind)
                .map(|r| Addressee {
                    address: r.address.clone(),
                    name: r.name.clone(),
                })
                .collect::<Vec<_>>()
        };
        let envelope = Envelope {
            from: Addressee {
                address: row.from_address.clone(),
                name: row.from_name.clone(),
            },
            reply_to: row.reply_token.as_ref().map(|token| Addressee {
                address: format!(
                    "{}-jobs+{token}@{}",
                    company.slug,
                    self.settings.inbound_domain.as_str()
                ),
                name: row.from_name.clone(),
            }),
            to: pick(RecipientKind::To),
            cc: pick(RecipientKind::Cc),
            bcc: pick(RecipientKind::Bcc),
            subject: row.subject.clone(),
            message_id: row.message_id_header.clone().unwrap_or_default(),
            date: SystemTime::now(),
            text: row.text_body.clone(),
            html: row.html_body.clone(),
            attachments: parts.attachments,
        };
        let email = match compose(&envelope) {
            Ok(email) => email,
            Err(e) => return Outcome::Fail(format!("the message cannot be built: {e}")),
        };
        match channel.as_ref() {
            Channel::Smtp(pool) => {
                match pool
                    .send(&email.envelope().clone(), &email.formatted())
                    .await
                {
                    Ok(_) => Outcome::Sent,
                    Err(e) if e.is_permanent() => Outcome::Fail(describe(&e)),
                    Err(e) => Outcome::Retry(describe(&e)),
                }
            }
            Channel::Files(dir) => match write_eml(dir, row, &email.formatted()).await {
                Ok(()) => Outcome::Sent,
                Err(e) => Outcome::Retry(format!("cannot write to the outbox folder: {e}")),
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
            (Some((_, config)), _) => {
                Channel::Smtp(Box::new(SmtpPool::new(config, extra_root, concurrency)?))
            }
            (None, Some(url)) => Channel::Smtp(Box::new(SmtpPool::new(
                SmtpConfig::from_url(url)?,
                extra_root,
                concurrency,
            )?)),
            (None, None) => Channel::Files(self.settings.data_dir.join("outbox")),
        };
        if let ChannelKey::Own(id, _) = &key {
            // A subsidiary's earlier settings have no further use.
            channels.retain(|k, _| !matches!(k, ChannelKey::Own(other, _) if other == id));
        }
        let channel = Arc::new(channel);
        channels.insert(key, channel.clone());
        Ok(channel)
    }

    /// Marks delivered messages SENT, one statement per attempt number (the
    /// claim's check, as in [`Self::record`]). They share the time the
    /// claim's deliveries ended.
    async fn record_sent(
        &self,
        rows: &[&message::Model],
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let mut by_attempt: HashMap<i32, Vec<i64>> = HashMap::new();
        for row in rows {
            by_attempt.entry(row.attempts).or_default().push(row.id);
        }
        for (attempts, ids) in by_attempt {
            message::Entity::update_many()
                .filter(message::Column::Id.is_in(ids))
                .filter(message::Column::Status.eq(MessageStatus::Sending))
                .filter(message::Column::Attempts.eq(attempts))
                .col_expr(message::Column::Status, Expr::value(MessageStatus::Sent))
                .col_expr(message::Column::SentAt, Expr::value(Some(now)))
                .col_expr(
                    message::Column::LeaseUntil,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(
                    message::Column::LastError,
                    Expr::value(Option::<String>::None),
                )
                .exec(&self.db)
                .await?;
        }
        Ok(())
    }

    /// Writes the outcome of this claim's attempt, unless the message has
    /// since been claimed again.
    async fn record(
        &self,
        row: &message::Model,
        outcome: Outcome,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let update = message::Entity::update_many()
            .filter(message::Column::Id.eq(row.id))
            .filter(message::Column::Status.eq(MessageStatus::Sending))
            .filter(message::Column::Attempts.eq(row.attempts))
            .col_expr(
                message::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
        let update = match outcome {
            Outcome::Sent => update
                .col_expr(message::Column::Status, Expr::value(MessageStatus::Sent))
                .col_expr(message::Column::SentAt, Expr::value(Some(now)))
                .col_expr(
                    message::Column::LastError,
                    Expr::value(Option::<String>::None),
                ),
            Outcome::Retry(error) if row.attempts < MAX_ATTEMPTS => update
                .col_expr(message::Column::Status, Expr::value(MessageStatus::Queued))
                .col_expr(
                    message::Column::NextAttemptAt,
                    Expr::value(Some(now + retry_delay(row.attempts))),
                )
                .col_expr(message::Column::LastError, Expr::value(Some(error))),
            Outcome::Retry(error) | Outcome::Fail(error) => update
                .col_expr(message::Column::Status, Expr::value(MessageStatus::Failed))
                .col_expr(message::Column::LastError, Expr::value(Some(error))),
        };
        update.exec(&self.db).await?;
        Ok(())
    }
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
