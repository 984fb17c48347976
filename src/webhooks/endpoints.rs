//! Webhook endpoints: a company's receivers, managed by its recruiting
//! admins. The secret is shown once, when made; stored, it is sealed with
//! the server's key (as SMTP passwords are) and bound to its endpoint.

use chrono::{DateTime, Utc};
use entity::{event, webhook_delivery, webhook_endpoint};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, Select, Set,
};
use serde_json::{Value, json};

use super::address;
use super::signature;
use crate::access::Actor;
use crate::audit::{self, Change};
use crate::error::{ApiError, ApiResult};
use crate::events::EventType;
use crate::graphql::ids::Kind;
use crate::mail::secrets::Cipher;

/// Longest description accepted.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// How long the secret before a rotation still signs.
pub const ROTATION_OVERLAP: chrono::Duration = chrono::Duration::hours(24);

/// Most events one replay delivers again.
pub const MAX_REPLAY: u64 = 10_000;

/// The `type` of the message `sendTestWebhook` sends.
pub const TEST_TYPE: &str = "webhook.test";

/// What an admin gives for a new endpoint.
pub struct NewEndpoint {
    pub url: String,
    pub event_types: Vec<String>,
    pub description: Option<String>,
}

/// A change; `None` leaves a value as it is.
#[derive(Default)]
pub struct EndpointChange {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub description: Option<String>,
    /// `true` turns a disabled endpoint on again, from the next event on.
    pub enabled: Option<bool>,
}

/// The owner a secret is sealed for.
pub fn owner(endpoint_id: i64) -> String {
    format!("webhook_endpoint:{endpoint_id}")
}

/// The event types an endpoint receives.
pub fn event_types(endpoint: &webhook_endpoint::Model) -> Vec<String> {
    serde_json::from_str(&endpoint.event_types).unwrap_or_default()
}

/// Checks the event type names: known, at least one, each once.
fn parse_event_types(names: &[String]) -> ApiResult<String> {
    if names.is_empty() {
        return Err(ApiError::validation(
            "eventTypes",
            "eventTypes: name at least one event type",
        ));
    }
    let mut kept: Vec<&str> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let Some(known) = EventType::parse(name.trim()) else {
            let shown: String = name.chars().take(64).collect();
            return Err(ApiError::validation(
                format!("eventTypes.{i}"),
                format!(
                    "unknown event type `{shown}`; known types: {}",
                    EventType::ALL.map(EventType::name).join(", ")
                ),
            ));
        };
        if !kept.contains(&known.name()) {
            kept.push(known.name());
        }
    }
    Ok(json!(kept).to_string())
}

fn parse_description(text: Option<String>) -> ApiResult<String> {
    let text = text.unwrap_or_default().trim().to_owned();
    if text.chars().count() > MAX_DESCRIPTION_CHARS || text.chars().any(char::is_control) {
        return Err(ApiError::validation(
            "description",
            format!("description: one line of at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    Ok(text)
}

/// Checks a URL's form and where it resolves to.
async fn parse_url(text: &str, allow_private: bool) -> ApiResult<String> {
    let url = address::parse(text).map_err(|e| ApiError::validation("url", format!("url: {e}")))?;
    address::check_reachable(&url, allow_private)
        .await
        .map_err(|e| ApiError::validation("url", format!("url: {e}")))?;
    Ok(url.to_string())
}

/// The newest event id: where a new or re-enabled endpoint starts.
pub async fn last_event_id(db: &impl ConnectionTrait) -> Result<i64, sea_orm::DbErr> {
    let last: Option<Option<i64>> = event::Entity::find()
        .select_only()
        .column_as(event::Column::Id.max(), "last")
        .into_tuple()
        .one(db)
        .await?;
    Ok(last.flatten().unwrap_or(0))
}

/// Endpoints of the actor's company, oldest first.
pub fn visible(actor: &Actor) -> Select<webhook_endpoint::Entity> {
    webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::CompanyId.eq(actor.company_id))
        .order_by_asc(webhook_endpoint::Column::Id)
}

/// One endpoint of the actor's company.
pub async fn find(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<webhook_endpoint::Model> {
    visible(actor)
        .filter(webhook_endpoint::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("webhook endpoint"))
}

/// Makes an endpoint that receives events committed from now on; returns it
/// with its secret, which is never shown again.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    cipher: &Cipher,
    allow_private: bool,
    input: NewEndpoint,
    now: DateTime<Utc>,
) -> ApiResult<(webhook_endpoint::Model, String)> {
    let event_types = parse_event_types(&input.event_types)?;
    let description = parse_description(input.description)?;
    let url = parse_url(&input.url, allow_private).await?;
    let secret = signature::new_secret();
    let company_id = actor.company_id;
    let endpoint = crate::db::write_transaction!(db, |txn| {
        let cursor = last_event_id(txn).await?;
        let row = webhook_endpoint::ActiveModel {
            company_id: Set(company_id),
            url: Set(url.clone()),
            description: Set(description.clone()),
            event_types: Set(event_types.clone()),
            secret_sealed: Set(String::new()),
            previous_secret_sealed: Set(None),
            previous_secret_until: Set(None),
            enabled: Set(true),
            disabled_reason: Set(None),
            cursor: Set(cursor),
            failing_since: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        let sealed = cipher.seal(&owner(row.id), &secret);
        let mut row = row.into_active_model();
        row.secret_sealed = Set(sealed);
        let row = row.update(txn).await?;
        let change = Change::new("webhook_endpoint.created")
            .on("WebhookEndpoint", row.id)
            .with("after", audited(&row));
        audit::record(txn, company_id, Some(actor), change, now).await?;
        Ok::<_, ApiError>(row)
    })?;
    Ok((endpoint, secret))
}

/// An endpoint's settings as the audit trail records them: the URL without
/// its query (where receivers often put a token), never the secret.
fn audited(row: &webhook_endpoint::Model) -> Value {
    let url = match url::Url::parse(&row.url) {
        Ok(mut url) => {
            if url.query().is_some() {
                url.set_query(Some("…"));
            }
            let _ = url.set_password(None);
            url.to_string()
        }
        Err(_) => String::new(),
    };
    json!({
        "url": url,
        "description": row.description,
        "eventTypes": row.event_types,
        "enabled": row.enabled,
    })
}

/// Changes an endpoint's URL, types, description or state.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    allow_private: bool,
    id: i64,
    change: EndpointChange,
    now: DateTime<Utc>,
) -> ApiResult<webhook_endpoint::Model> {
    let event_types = change
        .event_types
        .as_deref()
        .map(parse_event_types)
        .transpose()?;
    let description = change
        .description
        .map(|d| parse_description(Some(d)))
        .transpose()?;
    let url = match &change.url {
        Some(url) => Some(parse_url(url, allow_private).await?),
        None => None,
    };
    crate::db::write_transaction!(db, |txn| {
        let current = find(txn, actor, id).await?;
        let before = audited(&current);
        let was_enabled = current.enabled;
        let mut row = current.into_active_model();
        if let Some(url) = &url {
            row.url = Set(url.clone());
        }
        if let Some(types) = &event_types {
            row.event_types = Set(types.clone());
        }
        if let Some(description) = &description {
            row.description = Set(description.clone());
        }
        match change.enabled {
            Some(true) if !was_enabled => {
                row.enabled = Set(true);
                row.disabled_reason = Set(None);
                row.failing_since = Set(None);
                row.cursor = Set(last_event_id(txn).await?);
            }
            Some(false) if was_enabled => {
                row.enabled = Set(false);
                row.disabled_reason = Set(Some("disabled by an admin".into()));
            }
            _ => {}
        }
        row.updated_at = Set(now);
        let row = row.update(txn).await?;
        audit::setting_changed(
            txn,
            actor,
            "webhook_endpoint.updated",
            ("WebhookEndpoint", row.id),
            before,
            audited(&row),
        )
        .await?;
        Ok::<_, ApiError>(row)
    })
}

/// Deletes an endpoint with its deliveries.
pub async fn delete(db: &DatabaseConnection, actor: &Actor, id: i64) -> ApiResult<()> {
    crate::db::write_transaction!(db, |txn| {
        let endpoint = find(txn, actor, id).await?;
        webhook_endpoint::Entity::delete_by_id(endpoint.id)
            .exec(txn)
            .await?;
        let change = Change::new("webhook_endpoint.deleted")
            .on("WebhookEndpoint", endpoint.id)
            .with("before", audited(&endpoint));
        audit::record(txn, actor.company_id, Some(actor), change, Utc::now()).await?;
        Ok::<_, ApiError>(())
    })
}

/// Replaces the secret; the old one keeps signing for [`ROTATION_OVERLAP`],
/// so receivers can switch without losing a delivery.
pub async fn rotate_secret(
    db: &DatabaseConnection,
    actor: &Actor,
    cipher: &Cipher,
    id: i64,
    now: DateTime<Utc>,
) -> ApiResult<(webhook_endpoint::Model, String)> {
    let secret = signature::new_secret();
    let endpoint = crate::db::write_transaction!(db, |txn| {
        let current = find(txn, actor, id).await?;
        let sealed = cipher.seal(&owner(current.id), &secret);
        let previous = current.secret_sealed.clone();
        let mut row = current.into_active_model();
        row.previous_secret_sealed = Set(Some(previous));
        row.previous_secret_until = Set(Some(now + ROTATION_OVERLAP));
        row.secret_sealed = Set(sealed);
        row.updated_at = Set(now);
        let row = row.update(txn).await?;
        let change = Change::new("webhook_endpoint.secret_rotated").on("WebhookEndpoint", row.id);
        audit::record(txn, actor.company_id, Some(actor), change, now).await?;
        Ok::<_, ApiError>(row)
    })?;
    Ok((endpoint, secret))
}

/// The HMAC keys that sign a delivery at `now`: the current secret's, and
/// the previous one's while a rotation lasts.
pub fn signing_keys(
    cipher: &Cipher,
    endpoint: &webhook_endpoint::Model,
    now: DateTime<Utc>,
) -> Result<Vec<Vec<u8>>, crate::mail::secrets::OpenError> {
    let mut sealed = vec![endpoint.secret_sealed.as_str()];
    if let (Some(previous), Some(until)) = (
        endpoint.previous_secret_sealed.as_deref(),
        endpoint.previous_secret_until,
    ) && until > now
    {
        sealed.push(previous);
    }
    sealed
        .into_iter()
        .map(|s| {
            let secret = cipher.open(&owner(endpoint.id), s)?;
            signature::key(&secret).ok_or(crate::mail::secrets::OpenError)
        })
        .collect()
}

/// Queues the endpoint's events since `since` once more, with their own
/// `webhook-id`s, so a receiver that lost them (or was down longer than the
/// retries last) can catch up. Returns how many were queued.
pub async fn replay(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    crate::db::write_transaction!(db, |txn| {
        let endpoint = find(txn, actor, id).await?;
        let types = event_types(&endpoint);
        let select = event::Entity::find()
            .filter(event::Column::CompanyId.eq(endpoint.company_id))
            .filter(event::Column::OccurredAt.gte(since))
            // Later events reach the endpoint through the fan-out.
            .filter(event::Column::Id.lte(endpoint.cursor))
            .filter(event::Column::EventType.is_in(types.clone()));
        let events: Vec<(i64, String)> = select
            .select_only()
            .column(event::Column::Id)
            .column(event::Column::EventType)
            .order_by_asc(event::Column::Id)
            .limit(MAX_REPLAY + 1)
            .into_tuple()
            .all(txn)
            .await?;
        if events.len() as u64 > MAX_REPLAY {
            return Err(ApiError::validation(
                "since",
                format!("since: more than {MAX_REPLAY} events; replay from a later time"),
            ));
        }
        let count = events.len() as u64;
        let rows: Vec<webhook_delivery::ActiveModel> = events
            .into_iter()
            .map(|(event_id, event_type)| {
                super::delivery::new_row(&endpoint, Some(event_id), event_type, None, now)
            })
            .collect();
        super::delivery::insert(txn, rows).await?;
        Ok::<_, ApiError>(count)
    })
}

/// Queues a `webhook.test` message for the endpoint, delivered like any
/// event (signed, retried, listed). A disabled endpoint takes none.
pub async fn send_test(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> ApiResult<webhook_delivery::Model> {
    crate::db::write_transaction!(db, |txn| {
        let endpoint = find(txn, actor, id).await?;
        if !endpoint.enabled {
            return Err(ApiError::conflict(
                "the endpoint is disabled; enable it with updateWebhookEndpoint first",
            ));
        }
        let payload = json!({
            "type": TEST_TYPE,
            "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": { "endpointId": Kind::WebhookEndpoint.id(endpoint.id).0 },
        })
        .to_string();
        let row =
            super::delivery::new_row(&endpoint, None, TEST_TYPE.to_owned(), Some(payload), now);
        Ok::<_, ApiError>(row.insert(txn).await?)
    })
}

/// One delivery of the actor's company.
pub async fn find_delivery(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<webhook_delivery::Model> {
    webhook_delivery::Entity::find_by_id(id)
        .filter(webhook_delivery::Column::CompanyId.eq(actor.company_id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("webhook delivery"))
}

/// Deliveries of one endpoint, oldest first, optionally of one status and
/// created at or after a time.
pub fn deliveries(
    endpoint_id: i64,
    status: Option<&str>,
    since: Option<DateTime<Utc>>,
) -> Select<webhook_delivery::Entity> {
    let mut select = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
        .order_by_asc(webhook_delivery::Column::Id);
    if let Some(status) = status {
        select = select.filter(webhook_delivery::Column::Status.eq(status));
    }
    if let Some(since) = since {
        select = select.filter(webhook_delivery::Column::CreatedAt.gte(since));
    }
    select
}
