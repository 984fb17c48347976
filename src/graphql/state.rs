//! Shared values resolvers read from the schema's context.

use std::net::IpAddr;
use std::sync::Arc;

use async_graphql::Context;
use sea_orm::DatabaseConnection;

use crate::access::ActorCache;
use crate::error::ApiError;
use crate::mail::Mail;
use crate::settings::Settings;

fn missing(what: &str) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("{what} missing from the GraphQL context"))
}

pub fn db<'a>(ctx: &Context<'a>) -> Result<&'a DatabaseConnection, ApiError> {
    ctx.data::<DatabaseConnection>()
        .map_err(|_| missing("database"))
}

pub fn settings<'a>(ctx: &Context<'a>) -> Result<&'a Settings, ApiError> {
    ctx.data::<Arc<Settings>>()
        .map(|s| s.as_ref())
        .map_err(|_| missing("settings"))
}

pub fn max_page_size(ctx: &Context<'_>) -> Result<usize, ApiError> {
    settings(ctx).map(|s| s.max_page_size)
}

/// Forgets cached callers after a change to users, roles, assignments, tokens
/// or hiring managers, so the change applies to the very next request.
pub fn rights_changed(ctx: &Context<'_>) {
    if let Ok(actors) = ctx.data::<Arc<ActorCache>>() {
        actors.clear();
    }
}

pub fn mail<'a>(ctx: &Context<'a>) -> Result<&'a Mail, ApiError> {
    ctx.data::<Arc<Mail>>()
        .map(|m| m.as_ref())
        .map_err(|_| missing("mail"))
}

/// Counts one call of a privacy-page operation against the caller's
/// address; `RATE_LIMITED` once it is over the rate.
pub fn count_public_privacy(ctx: &Context<'_>) -> Result<(), ApiError> {
    use crate::privacy::limits::PrivacyLimits;
    count_public(ctx, "privacy limits", PrivacyLimits::check)
}

/// Counts one call of a public scheduling operation against the caller's
/// address; `RATE_LIMITED` once it is over the rate.
pub fn count_public_scheduling(ctx: &Context<'_>) -> Result<(), ApiError> {
    use crate::scheduling::public_limits::SchedulingLimits;
    count_public(ctx, "scheduling limits", SchedulingLimits::check)
}

/// Counts one call against the caller's address in the limiter `L`.
fn count_public<L: Send + Sync + 'static>(
    ctx: &Context<'_>,
    what: &str,
    check: fn(&L, IpAddr) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let limits = ctx.data::<Arc<L>>().map_err(|_| missing(what))?;
    match ctx.data_opt::<crate::intake::ClientAddress>() {
        Some(crate::intake::ClientAddress(address)) => check(limits, *address),
        None => Ok(()),
    }
}
