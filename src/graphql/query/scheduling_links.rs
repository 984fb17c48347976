use async_graphql::{Context, ID, Object};
use chrono::Utc;

use crate::access::{ContextExt as _, Require, Section};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::input::parse;
use crate::graphql::state::{count_public_scheduling, db};
use crate::graphql::types::{PublicSchedulingLink, SchedulingLink, SchedulingSettings};
use crate::interviews::parse_time_zone;
use crate::scheduling::{booking, links, rules};

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

    /// The scheduling links of an application, newest first, with what was
    /// booked through them (their tokens are never shown again). Needs the
    /// INTERVIEWS section.
    #[graphql(guard = "Require::Section(Section::Interviews)")]
    async fn scheduling_links(
        &self,
        ctx: &Context<'_>,
        application_id: ID,
    ) -> Result<Vec<SchedulingLink>, ApiError> {
        let id = decode(&application_id, Kind::Application, "applicationId")?;
        let rows = links::of_application(db(ctx)?, ctx.actor()?, id).await?;
        Ok(rows.iter().map(SchedulingLink::new).collect())
    }

    /// The company's rules for self-scheduling.
    async fn scheduling_settings(&self, ctx: &Context<'_>) -> Result<SchedulingSettings, ApiError> {
        let actor = ctx.actor()?;
        Ok(rules::rules(db(ctx)?, actor.company_id).await?.into())
    }
}
