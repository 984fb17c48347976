//! One delivery: its row, the HTTP request that carries it, how the answer
//! is judged, and the record of each attempt.
//!
//! Rules from the Standard Webhooks specification 1.0 ("Deliverability and
//! reliability", "Delivery success and failure"): any 2xx is success; a
//! redirect is a failure and is not followed; 410 Gone disables the
//! endpoint; a `Retry-After` (RFC 9110 §10.2.3: seconds or an HTTP date)
//! on 429 or 503 sets the next attempt; other answers, timeouts and
//! connection errors are retried on [`SCHEDULE`].

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entity::{webhook_attempt, webhook_delivery, webhook_endpoint};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait as _,
    QueryFilter as _, QuerySelect as _, Set,
};

use super::address;
use crate::events::{EventType, NewEvent};
use crate::graphql::ids::Kind;

pub const PENDING: &str = "PENDING";
pub const SENDING: &str = "SENDING";
pub const SUCCEEDED: &str = "SUCCEEDED";
pub const FAILED: &str = "FAILED";

/// The wait before each attempt: immediately, then 5 s, 5 min, 30 min, 2 h,
/// 5 h, 10 h, 14 h, 20 h and 24 h (the specification's example schedule,
/// about three days in all).
pub const SCHEDULE: [Duration; 10] = [
    Duration::ZERO,
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(14 * 3600),
    Duration::from_secs(20 * 3600),
    Duration::from_secs(24 * 3600),
];

/// How long one attempt may take, answer included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Bytes of an answer read, and kept as an excerpt; the rest is never read.
pub const MAX_ANSWER_BYTES: usize = 4096;

/// Characters of an answer shown in an attempt's error.
const EXCERPT_CHARS: usize = 200;

/// The longest wait a `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// An endpoint failing for this long without a success is disabled.
pub const DISABLE_AFTER: chrono::Duration = chrono::Duration::days(5);

/// Rows per INSERT.
const INSERT_CHUNK: usize = 500;

/// The `webhook-id` of an event: the same on every retry and replay, so
/// receivers can use it to process an event once.
pub fn webhook_id(event_id: i64) -> String {
    format!("evt_{event_id}")
}

/// A delivery to queue now.
pub fn new_row(
    endpoint: &webhook_endpoint::Model,
    event_id: Option<i64>,
    event_type: String,
    payload: Option<String>,
    now: DateTime<Utc>,
) -> webhook_delivery::ActiveModel {
    let id = match event_id {
        Some(id) => webhook_id(id),
        None => format!("test_{}", crate::mail::outbox::token()),
    };
    webhook_delivery::ActiveModel {
        endpoint_id: Set(endpoint.id),
        company_id: Set(endpoint.company_id),
        event_id: Set(event_id),
        event_type: Set(event_type),
        webhook_id: Set(id),
        payload: Set(payload),
        status: Set(PENDING.into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_by: Set(None),
        created_at: Set(now),
        last_attempt_at: Set(None),
        ..Default::default()
    }
}

/// Inserts deliveries in chunks.
pub async fn insert(
    txn: &impl ConnectionTrait,
    rows: Vec<webhook_delivery::ActiveModel>,
) -> Result<(), DbErr> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        webhook_delivery::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// What a receiver answered, or why it did not.
#[derive(Debug, Default)]
pub struct Answer {
    pub status: Option<u16>,
    pub retry_after: Option<Duration>,
    pub error: Option<String>,
    pub took: Duration,
}

/// The outcome of an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Succeeded,
    /// Failed; the next attempt is due then.
    Retry(DateTime<Utc>),
    /// Failed for the last time.
    Failed,
    /// 410 Gone: the receiver wants no more; the endpoint is disabled.
    Gone,
}

/// Judges an answer, after `attempts` attempts in all (this one included).
pub fn judge(answer: &Answer, attempts: i32, now: DateTime<Utc>) -> Verdict {
    match answer.status {
        Some(status) if (200..300).contains(&status) => return Verdict::Succeeded,
        Some(410) => return Verdict::Gone,
        _ => {}
    }
    let Some(wait) = usize::try_from(attempts)
        .ok()
        .and_then(|done| SCHEDULE.get(done))
    else {
        return Verdict::Failed;
    };
    let wait = match (answer.status, answer.retry_after) {
        (Some(429 | 503), Some(asked)) => asked.min(MAX_RETRY_AFTER),
        _ => with_jitter(*wait),
    };
    Verdict::Retry(now + chrono::Duration::from_std(wait).unwrap_or_default())
}

/// Adds up to a tenth to waits of minutes and more, so that the retries of
/// many deliveries that failed together do not all come back together.
fn with_jitter(wait: Duration) -> Duration {
    if wait < Duration::from_secs(60) {
        return wait;
    }
    let most = wait.as_millis() as u64 / 10;
    wait + Duration::from_millis(rand::random_range(0..=most))
}

/// A `Retry-After` value: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) is an RFC 5322 date.
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// The HTTP client of deliveries: no redirects, no proxies, the guarded
/// resolver, rustls on ring with the public roots.
pub struct Sender {
    client: reqwest013::Client,
    allow_private: bool,
}

impl Sender {
    pub fn new(allow_private: bool) -> anyhow::Result<Self> {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let client = reqwest013::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest013::redirect::Policy::none())
            // A proxy would connect where the resolver cannot look.
            .no_proxy()
            .dns_resolver(address::GuardedResolver { allow_private })
            // The whole attempt is bounded by `post`, answer included.
            .connect_timeout(TIMEOUT)
            .pool_max_idle_per_host(8)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("recruitmail-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            allow_private,
        })
    }

    /// Posts `body` with the Standard Webhooks headers and reads at most
    /// [`MAX_ANSWER_BYTES`] of the answer, all within [`TIMEOUT`].
    pub async fn post(
        &self,
        url: &str,
        webhook_id: &str,
        timestamp: i64,
        signature: &str,
        body: String,
    ) -> Answer {
        let started = Instant::now();
        let mut answer = match tokio::time::timeout(
            TIMEOUT,
            self.try_post(url, webhook_id, timestamp, signature, body),
        )
        .await
        {
            Ok(Ok(answer)) => answer,
            Ok(Err(error)) => Answer {
                error: Some(error),
                ..Answer::default()
            },
            Err(_) => Answer {
                error: Some(format!("no complete answer within {} s", TIMEOUT.as_secs())),
                ..Answer::default()
            },
        };
        answer.took = started.elapsed();
        answer
    }

    async fn try_post(
        &self,
        url: &str,
        webhook_id: &str,
        timestamp: i64,
        signature: &str,
        body: String,
    ) -> Result<Answer, String> {
        let parsed = address::parse(url)?;
        // A URL naming an address is connected to without the resolver.
        if !self.allow_private
            && address::literal_ip(&parsed).is_some_and(crate::network::is_private)
        {
            return Err(address::PRIVATE.into());
        }
        let mut response = self
            .client
            .post(parsed)
            .header("content-type", "application/json")
            .header("webhook-id", webhook_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, Utc::now()));
        let mut excerpt: Vec<u8> = Vec::new();
        while excerpt.len() < MAX_ANSWER_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = MAX_ANSWER_BYTES - excerpt.len();
                    excerpt.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                Ok(None) | Err(_) => break,
            }
        }
        // Dropping the response closes a connection whose answer was not
        // read to its end, rather than reading the rest.
        drop(response);
        let error = (!(200..300).contains(&status)).then(|| {
            let text: String = String::from_utf8_lossy(&excerpt)
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .take(EXCERPT_CHARS)
                .collect();
            let text = text.trim();
            if text.is_empty() {
                format!("HTTP {status}")
            } else {
                format!("HTTP {status}: {text}")
            }
        });
        Ok(Answer {
            status: Some(status),
            retry_after,
            error,
            took: Duration::ZERO,
        })
    }
}

/// An error with its causes, which name what went wrong (a refused
/// connection, a private address, a certificate).
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = inner.source();
    }
    text
}

/// Why an endpoint was disabled, in its `webhook_endpoint.disabled` event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisableReason {
    Gone,
    Failing,
}

impl DisableReason {
    fn code(self) -> &'static str {
        match self {
            Self::Gone => "GONE",
            Self::Failing => "FAILING",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Self::Gone => "the receiver answered 410 Gone",
            Self::Failing => "every delivery failed for 5 days",
        }
    }
}

/// An attempt to record.
pub struct Outcome {
    pub delivery: webhook_delivery::Model,
    pub answer: Answer,
    pub verdict: Verdict,
    pub at: DateTime<Utc>,
}

/// Writes attempts and their consequences in one transaction: each
/// delivery's new state (only while this instance's claim holds it), the
/// endpoints' failing periods, and their disabling with an event. Attempts
/// that finished together are written together, so the database takes one
/// commit for them rather than one each. Returns the endpoints disabled now.
pub async fn record(
    db: &DatabaseConnection,
    instance_id: &str,
    outcomes: &[Outcome],
) -> Result<Vec<(i64, DisableReason)>, DbErr> {
    if outcomes.is_empty() {
        return Ok(Vec::new());
    }
    let attempts: Vec<webhook_attempt::ActiveModel> = outcomes
        .iter()
        .map(|o| webhook_attempt::ActiveModel {
            delivery_id: Set(o.delivery.id),
            attempted_at: Set(o.at),
            status_code: Set(o.answer.status.map(i32::from)),
            duration_ms: Set(i32::try_from(o.answer.took.as_millis()).unwrap_or(i32::MAX)),
            error: Set(o.answer.error.clone()),
            ..Default::default()
        })
        .collect();
    let mut endpoint_ids: Vec<i64> = outcomes.iter().map(|o| o.delivery.endpoint_id).collect();
    endpoint_ids.sort_unstable();
    endpoint_ids.dedup();
    crate::db::write_transaction!(db, |txn| {
        // Deliveries removed with their endpoint meanwhile take no attempt.
        let present: Vec<i64> = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::Id)
            .filter(webhook_delivery::Column::Id.is_in(outcomes.iter().map(|o| o.delivery.id)))
            .into_tuple()
            .all(txn)
            .await?;
        let kept: Vec<webhook_attempt::ActiveModel> = attempts
            .iter()
            .filter(|a| present.contains(a.delivery_id.as_ref()))
            .cloned()
            .collect();
        if !kept.is_empty() {
            webhook_attempt::Entity::insert_many(kept)
                .exec_without_returning(txn)
                .await?;
        }
        for outcome in outcomes {
            let (status, next) = match outcome.verdict {
                Verdict::Succeeded => (SUCCEEDED, outcome.delivery.next_attempt_at),
                Verdict::Retry(at) => (PENDING, at),
                Verdict::Failed | Verdict::Gone => (FAILED, outcome.delivery.next_attempt_at),
            };
            webhook_delivery::Entity::update_many()
                .col_expr(webhook_delivery::Column::Status, Expr::value(status))
                .col_expr(
                    webhook_delivery::Column::Attempts,
                    Expr::col(webhook_delivery::Column::Attempts).add(1),
                )
                .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(next))
                .col_expr(
                    webhook_delivery::Column::LastAttemptAt,
                    Expr::value(outcome.at),
                )
                .col_expr(
                    webhook_delivery::Column::ClaimedBy,
                    Expr::value(Option::<String>::None),
                )
                .filter(webhook_delivery::Column::Id.eq(outcome.delivery.id))
                .filter(webhook_delivery::Column::Status.eq(SENDING))
                .filter(webhook_delivery::Column::ClaimedBy.eq(instance_id))
                .exec(txn)
                .await?;
        }
        let endpoints = webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::Id.is_in(endpoint_ids.clone()))
            .all(txn)
            .await?;
        let mut disabled = Vec::new();
        for endpoint in endpoints {
            let mine: Vec<&Outcome> = outcomes
                .iter()
                .filter(|o| o.delivery.endpoint_id == endpoint.id)
                .collect();
            let Some(last) = mine.last() else { continue };
            let gone = mine.iter().any(|o| o.verdict == Verdict::Gone);
            let succeeded = mine.iter().any(|o| o.verdict == Verdict::Succeeded);
            let first_failure = mine
                .iter()
                .filter(|o| o.verdict != Verdict::Succeeded)
                .map(|o| o.at)
                .min();
            let reason = if gone {
                Some(DisableReason::Gone)
            } else if succeeded {
                if endpoint.failing_since.is_some() {
                    set_failing_since(txn, endpoint.id, None).await?;
                }
                None
            } else {
                match (endpoint.failing_since, first_failure) {
                    (Some(since), _) if last.at - since >= DISABLE_AFTER => {
                        Some(DisableReason::Failing)
                    }
                    (None, Some(first)) => {
                        set_failing_since(txn, endpoint.id, Some(first)).await?;
                        None
                    }
                    _ => None,
                }
            };
            if let Some(reason) = reason
                && disable_endpoint(txn, &endpoint, reason, last.at).await?
            {
                disabled.push((endpoint.id, reason));
            }
        }
        Ok(disabled)
    })
}

async fn set_failing_since(
    txn: &impl ConnectionTrait,
    endpoint_id: i64,
    since: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::FailingSince, Expr::value(since))
        .filter(webhook_endpoint::Column::Id.eq(endpoint_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Disables an endpoint that is enabled, appending `webhook_endpoint.disabled`;
/// false when it was disabled already.
async fn disable_endpoint(
    txn: &sea_orm::DatabaseTransaction,
    endpoint: &webhook_endpoint::Model,
    reason: DisableReason,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let changed = webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::Enabled, Expr::value(false))
        .col_expr(
            webhook_endpoint::Column::DisabledReason,
            Expr::value(Some(reason.text().to_owned())),
        )
        .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_endpoint::Column::Id.eq(endpoint.id))
        .filter(webhook_endpoint::Column::Enabled.eq(true))
        .exec(txn)
        .await?;
    if changed.rows_affected == 0 {
        return Ok(false);
    }
    crate::events::append(
        txn,
        vec![
            NewEvent::new(
                endpoint.company_id,
                EventType::WebhookEndpointDisabled,
                Kind::WebhookEndpoint,
                endpoint.id,
            )
            .with("reason", reason.code()),
        ],
        now,
    )
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: Option<u16>, retry_after: Option<u64>) -> Answer {
        Answer {
            status,
            retry_after: retry_after.map(Duration::from_secs),
            ..Answer::default()
        }
    }

    #[test]
    fn answers_are_judged_as_the_specification_suggests() {
        let now = Utc::now();
        let secs = |s: i64| now + chrono::Duration::seconds(s);
        assert_eq!(judge(&answer(Some(204), None), 1, now), Verdict::Succeeded);
        assert_eq!(judge(&answer(Some(410), None), 1, now), Verdict::Gone);
        assert_eq!(
            judge(&answer(Some(500), None), 1, now),
            Verdict::Retry(secs(5))
        );
        assert_eq!(
            judge(&answer(Some(302), None), 1, now),
            Verdict::Retry(secs(5))
        );
        assert_eq!(judge(&answer(None, None), 1, now), Verdict::Retry(secs(5)));
        assert_eq!(
            judge(&answer(Some(429), Some(7)), 1, now),
            Verdict::Retry(secs(7))
        );
        assert_eq!(
            judge(&answer(Some(503), Some(10 * 86_400)), 1, now),
            Verdict::Retry(secs(86_400))
        );
        // Retry-After on another status is not a reason to wait less or more.
        assert_eq!(
            judge(&answer(Some(500), Some(60)), 1, now),
            Verdict::Retry(secs(5))
        );
        match judge(&answer(Some(500), None), 2, now) {
            Verdict::Retry(at) => {
                assert!(at >= secs(300) && at <= secs(330), "{at}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(judge(&answer(Some(500), None), 10, now), Verdict::Failed);
        assert_eq!(judge(&answer(Some(429), Some(1)), 10, now), Verdict::Failed);
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let now = DateTime::parse_from_rfc3339("2026-12-06T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Sun, 06 Dec 2026 12:01:30 GMT", now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            retry_after("Sun, 06 Dec 2026 11:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-5", now), None);
    }
}
