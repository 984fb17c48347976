use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::access::{ContextExt as _, Require};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::state::{db, mail, settings};
use crate::graphql::types::{WebhookDelivery, WebhookEndpoint};
use crate::webhooks::endpoints::{self, EndpointChange, NewEndpoint};

#[derive(Default)]
pub struct WebhooksMutation;

#[derive(InputObject)]
struct CreateWebhookEndpointInput {
    /// An `https://` (or `http://`) URL without credentials, on a public
    /// address.
    url: String,
    /// The event types to deliver (`candidate.created`, `message.sent` …).
    event_types: Vec<String>,
    description: Option<String>,
}

#[derive(SimpleObject)]
struct CreateWebhookEndpointPayload {
    endpoint: WebhookEndpoint,
    /// The signing secret (`whsec_…`), shown only now.
    secret: String,
}

#[derive(InputObject)]
struct UpdateWebhookEndpointInput {
    id: ID,
    url: Option<String>,
    event_types: Option<Vec<String>>,
    description: Option<String>,
    /// `false` stops deliveries; `true` resumes them with the events
    /// committed from then on (replay the ones in between).
    enabled: Option<bool>,
}

#[derive(SimpleObject)]
struct UpdateWebhookEndpointPayload {
    endpoint: WebhookEndpoint,
}

#[derive(InputObject)]
struct WebhookEndpointIdInput {
    id: ID,
}

#[derive(SimpleObject)]
struct DeleteWebhookEndpointPayload {
    deleted_id: ID,
}

#[derive(SimpleObject)]
struct RotateWebhookSecretPayload {
    endpoint: WebhookEndpoint,
    /// The new secret, shown only now. The previous one signs too for 24 hours.
    secret: String,
}

#[derive(InputObject)]
struct ReplayWebhookEventsInput {
    endpoint_id: ID,
    /// Events that occurred at or after this time are delivered again.
    since: DateTime<Utc>,
}

#[derive(SimpleObject)]
struct ReplayWebhookEventsPayload {
    /// Deliveries queued.
    queued: u64,
}

#[derive(InputObject)]
struct SendTestWebhookInput {
    endpoint_id: ID,
}

#[derive(SimpleObject)]
struct SendTestWebhookPayload {
    delivery: WebhookDelivery,
}

#[Object]
impl WebhooksMutation {
    /// Adds a receiver of the company's events from now on. Recruiting
    /// admins only.
    #[graphql(guard = "Require::Admin")]
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookEndpointInput,
    ) -> Result<CreateWebhookEndpointPayload, ApiError> {
        let (endpoint, secret) = endpoints::create(
            db(ctx)?,
            ctx.actor()?,
            &mail(ctx)?.cipher,
            settings(ctx)?.smtp_allow_private_hosts,
            NewEndpoint {
                url: input.url,
                event_types: input.event_types,
                description: input.description,
            },
            Utc::now(),
        )
        .await?;
        Ok(CreateWebhookEndpointPayload {
            endpoint: WebhookEndpoint(endpoint),
            secret,
        })
    }

    /// Changes an endpoint. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        input: UpdateWebhookEndpointInput,
    ) -> Result<UpdateWebhookEndpointPayload, ApiError> {
        let id = decode(&input.id, Kind::WebhookEndpoint, "id")?;
        let endpoint = endpoints::update(
            db(ctx)?,
            ctx.actor()?,
            settings(ctx)?.smtp_allow_private_hosts,
            id,
            EndpointChange {
                url: input.url,
                event_types: input.event_types,
                description: input.description,
                enabled: input.enabled,
            },
            Utc::now(),
        )
        .await?;
        Ok(UpdateWebhookEndpointPayload {
            endpoint: WebhookEndpoint(endpoint),
        })
    }

    /// Deletes an endpoint and its deliveries. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn delete_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        input: WebhookEndpointIdInput,
    ) -> Result<DeleteWebhookEndpointPayload, ApiError> {
        let id = decode(&input.id, Kind::WebhookEndpoint, "id")?;
        endpoints::delete(db(ctx)?, ctx.actor()?, id).await?;
        Ok(DeleteWebhookEndpointPayload {
            deleted_id: input.id,
        })
    }

    /// Replaces the signing secret; deliveries carry signatures of both the
    /// new and the previous one for 24 hours. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        input: WebhookEndpointIdInput,
    ) -> Result<RotateWebhookSecretPayload, ApiError> {
        let id = decode(&input.id, Kind::WebhookEndpoint, "id")?;
        let (endpoint, secret) =
            endpoints::rotate_secret(db(ctx)?, ctx.actor()?, &mail(ctx)?.cipher, id, Utc::now())
                .await?;
        Ok(RotateWebhookSecretPayload {
            endpoint: WebhookEndpoint(endpoint),
            secret,
        })
    }

    /// Delivers the endpoint's events since a time again, with the same
    /// `webhook-id`s as before. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn replay_webhook_events(
        &self,
        ctx: &Context<'_>,
        input: ReplayWebhookEventsInput,
    ) -> Result<ReplayWebhookEventsPayload, ApiError> {
        let id = decode(&input.endpoint_id, Kind::WebhookEndpoint, "endpointId")?;
        let queued = endpoints::replay(db(ctx)?, ctx.actor()?, id, input.since, Utc::now()).await?;
        Ok(ReplayWebhookEventsPayload { queued })
    }

    /// Sends a signed `webhook.test` message to the endpoint. Recruiting
    /// admins only.
    #[graphql(guard = "Require::Admin")]
    async fn send_test_webhook(
        &self,
        ctx: &Context<'_>,
        input: SendTestWebhookInput,
    ) -> Result<SendTestWebhookPayload, ApiError> {
        let id = decode(&input.endpoint_id, Kind::WebhookEndpoint, "endpointId")?;
        let delivery = endpoints::send_test(db(ctx)?, ctx.actor()?, id, Utc::now()).await?;
        Ok(SendTestWebhookPayload {
            delivery: WebhookDelivery::new(delivery),
        })
    }
}
