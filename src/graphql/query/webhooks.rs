use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::{webhook_delivery, webhook_endpoint};

use crate::access::{ContextExt as _, Require};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::pagination::{Conn, Page, fetch_page, paginate};
use crate::graphql::state::{db, max_page_size};
use crate::graphql::types::{WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint};
use crate::webhooks::endpoints;

#[derive(Default)]
pub struct WebhooksQuery;

/// Narrows `webhookDeliveries`; all given conditions must hold.
#[derive(InputObject, Default)]
struct WebhookDeliveriesFilter {
    status: Option<WebhookDeliveryStatus>,
    /// Created at or after this time.
    since: Option<DateTime<Utc>>,
}

#[Object]
impl WebhooksQuery {
    /// The company's webhook endpoints, oldest first. Recruiting admins only.
    #[graphql(
        guard = "Require::Admin",
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn webhook_endpoints(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<WebhookEndpoint>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let select = endpoints::visible(ctx.actor()?);
        paginate(
            db(ctx)?,
            select,
            webhook_endpoint::Column::Id,
            page,
            |rows| rows.into_iter().map(WebhookEndpoint).collect(),
        )
        .await
    }

    /// One endpoint. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<WebhookEndpoint, ApiError> {
        let id = decode(&id, Kind::WebhookEndpoint, "id")?;
        Ok(WebhookEndpoint(
            endpoints::find(db(ctx)?, ctx.actor()?, id).await?,
        ))
    }

    /// An endpoint's deliveries, oldest first, each with its attempts.
    /// Recruiting admins only.
    #[graphql(
        guard = "Require::Admin",
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        endpoint_id: ID,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<WebhookDeliveriesFilter>,
    ) -> Result<Conn<WebhookDelivery>, ApiError> {
        let id = decode(&endpoint_id, Kind::WebhookEndpoint, "endpointId")?;
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let filter = filter.unwrap_or_default();
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let endpoint = endpoints::find(db, actor, id).await?;
        let select = endpoints::deliveries(
            endpoint.id,
            filter.status.map(WebhookDeliveryStatus::stored),
            filter.since,
        );
        let rows = fetch_page(db, select, webhook_delivery::Column::Id, page).await?;
        let nodes = WebhookDelivery::page(rows.rows);
        Ok(rows.shape.into_connection(nodes))
    }
}
