use async_graphql::{Context, Object};
use chrono::Utc;

use crate::access::ContextExt as _;
use crate::error::ApiError;
use crate::graphql::input::parse;
use crate::graphql::state::{count_public_scheduling, db};
use crate::graphql::types::{PublicSchedulingLink, SchedulingSettings};
use crate::interviews::parse_time_zone;
use crate::scheduling::{booking, rules};

#[derive(Default)]
pub struct SchedulingLinksQuery;

#[Object]
impl SchedulingLinksQuery {
    /// The page of a scheduling link, for the candidate holding its token:
    /// the position, the duration and the free slots in `timeZone`, and the
    /// booked interview once there is one. Needs no bearer token;
    /// rate-limited per client address. An unknown, expired or cancelled
    /// link is NOT_FOUND.
    async fn scheduling_link(
        &self,
        ctx: &Context<'_>,
        token: String,
        #[graphql(desc = "IANA zone the slots are shown in, e.g. `Europe/Paris`.")]
        time_zone: String,
    ) -> Result<PublicSchedulingLink, ApiError> {
        count_public_scheduling(ctx)?;
        let zone = parse(&time_zone, "timeZone", parse_time_zone)?;
        let view = booking::view(db(ctx)?, &token, zone, Utc::now()).await?;
        Ok(PublicSchedulingLink::new(view, zone))
    }

    /// The company's rules for self-scheduling.
    async fn scheduling_settings(&self, ctx: &Context<'_>) -> Result<SchedulingSettings, ApiError> {
        let actor = ctx.actor()?;
        Ok(rules::rules(db(ctx)?, actor.company_id).await?.into())
    }
}
