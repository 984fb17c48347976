//! Webhook endpoints, their deliveries and each delivery's attempts.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{webhook_attempt, webhook_delivery, webhook_endpoint};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};
use tokio::sync::OnceCell;

use crate::error::ApiError;
use crate::graphql::ids::Kind;
use crate::graphql::state::db;
use crate::webhooks::{delivery, endpoints};

/// A receiver of the company's events, signed as the Standard Webhooks
/// specification describes. Recruiting admins only.
pub struct WebhookEndpoint(pub webhook_endpoint::Model);

#[Object]
impl WebhookEndpoint {
    pub async fn id(&self) -> ID {
        Kind::WebhookEndpoint.id(self.0.id)
    }
    async fn url(&self) -> &str {
        &self.0.url
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The event types delivered (`candidate.created`, `message.sent` …).
    async fn event_types(&self) -> Vec<String> {
        endpoints::event_types(&self.0)
    }
    /// False after a 410 Gone, after 5 days of failures, or by an admin.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    /// Until then, deliveries are signed with the secret before the last
    /// rotation too.
    async fn previous_secret_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0
            .previous_secret_until
            .filter(|until| *until > Utc::now())
    }
    /// Since when every attempt failed, while none succeeded since.
    async fn failing_since(&self) -> Option<DateTime<Utc>> {
        self.0.failing_since
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Where a delivery stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookDeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// Being sent now.
    Sending,
    /// A 2xx answer was received.
    Succeeded,
    /// Given up: every attempt of the schedule failed, or the receiver
    /// answered 410 Gone.
    Failed,
}

impl WebhookDeliveryStatus {
    pub fn stored(self) -> &'static str {
        match self {
            Self::Pending => delivery::PENDING,
            Self::Sending => delivery::SENDING,
            Self::Succeeded => delivery::SUCCEEDED,
            Self::Failed => delivery::FAILED,
        }
    }

    fn from_stored(status: &str) -> Self {
        match status {
            delivery::SENDING => Self::Sending,
            delivery::SUCCEEDED => Self::Succeeded,
            delivery::FAILED => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// One attempt to deliver.
#[derive(SimpleObject)]
pub struct WebhookAttempt {
    attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status, when it answered.
    status_code: Option<i32>,
    /// From sending the request to the end of the answer (at most 10 s).
    duration_ms: i32,
    /// Why it failed: the status and the start of the answer, a timeout, a
    /// refused connection or address.
    error: Option<String>,
}

/// One event (or test message) for one endpoint.
pub struct WebhookDelivery {
    page: Arc<DeliveryPage>,
    at: usize,
}

struct DeliveryPage {
    rows: Vec<webhook_delivery::Model>,
    attempts: OnceCell<HashMap<i64, Vec<webhook_attempt::Model>>>,
}

impl WebhookDelivery {
    /// Deliveries shown together: their attempts are read in one query.
    pub fn page(rows: Vec<webhook_delivery::Model>) -> Vec<Self> {
        let len = rows.len();
        let page = Arc::new(DeliveryPage {
            rows,
            attempts: OnceCell::new(),
        });
        (0..len)
            .map(|at| Self {
                page: page.clone(),
                at,
            })
            .collect()
    }

    pub fn new(row: webhook_delivery::Model) -> Self {
        let mut page = Self::page(vec![row]);
        page.swap_remove(0)
    }

    fn row(&self) -> &webhook_delivery::Model {
        &self.page.rows[self.at]
    }
}

#[Object]
impl WebhookDelivery {
    pub async fn id(&self) -> ID {
        Kind::WebhookDelivery.id(self.row().id)
    }
    async fn endpoint_id(&self) -> ID {
        Kind::WebhookEndpoint.id(self.row().endpoint_id)
    }
    /// The `webhook-id` header: `evt_<n>` for an event, the same on every
    /// retry and replay; `test_…` for a test message.
    async fn webhook_id(&self) -> &str {
        &self.row().webhook_id
    }
    /// The payload's `type`.
    async fn event_type(&self) -> &str {
        &self.row().event_type
    }
    async fn status(&self) -> WebhookDeliveryStatus {
        WebhookDeliveryStatus::from_stored(&self.row().status)
    }
    async fn attempt_count(&self) -> i32 {
        self.row().attempts
    }
    /// When the next attempt is due, while the delivery is pending.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.row().status == delivery::PENDING).then_some(self.row().next_attempt_at)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row().created_at
    }
    /// Every attempt, oldest first.
    async fn attempts(&self, ctx: &Context<'_>) -> Result<Vec<WebhookAttempt>, ApiError> {
        let all = self
            .page
            .attempts
            .get_or_try_init(|| async {
                let ids: Vec<i64> = self.page.rows.iter().map(|r| r.id).collect();
                let rows = webhook_attempt::Entity::find()
                    .filter(webhook_attempt::Column::DeliveryId.is_in(ids))
                    .order_by_asc(webhook_attempt::Column::Id)
                    .all(db(ctx)?)
                    .await?;
                let mut by_delivery: HashMap<i64, Vec<webhook_attempt::Model>> = HashMap::new();
                for row in rows {
                    by_delivery.entry(row.delivery_id).or_default().push(row);
                }
                Ok::<_, ApiError>(by_delivery)
            })
            .await?;
        Ok(all
            .get(&self.row().id)
            .map(|rows| {
                rows.iter()
                    .map(|a| WebhookAttempt {
                        attempted_at: a.attempted_at,
                        status_code: a.status_code,
                        duration_ms: a.duration_ms,
                        error: a.error.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
}
