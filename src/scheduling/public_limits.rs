//! The rate limit of the public scheduling operations: per client address
//! (an IPv6 client by its /64, as the application form counts it), a GCRA
//! limiter (`governor`) whose idle keys are forgotten so that a flood of
//! addresses cannot grow memory for good. A guessed token costs the same
//! as a real one, which bounds how fast tokens can be tried.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{ApiError, ApiResult};
use crate::intake::rate_limit::subscriber;
use crate::settings::Settings;

/// Keys kept before idle ones are dropped.
const PRUNE_ABOVE: usize = 10_000;
/// Checks between two prunings: each walks every key.
const PRUNE_EVERY: u64 = 1024;

pub struct SchedulingLimits {
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    checks: AtomicU64,
}

impl std::fmt::Debug for SchedulingLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchedulingLimits").finish_non_exhaustive()
    }
}

impl SchedulingLimits {
    pub fn new(settings: &Settings) -> Self {
        let rate = NonZeroU32::new(settings.scheduling_rate_per_address).unwrap_or(NonZeroU32::MIN);
        Self {
            by_address: RateLimiter::keyed(Quota::per_minute(rate)),
            checks: AtomicU64::new(0),
        }
    }

    /// Counts one request from `address`.
    pub fn check(&self, address: IpAddr) -> ApiResult<()> {
        let result = self.by_address.check_key(&subscriber(address));
        if self
            .checks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(PRUNE_EVERY)
            && self.by_address.len() > PRUNE_ABOVE
        {
            self.by_address.retain_recent();
        }
        result.map_err(|_| {
            ApiError::RateLimited(
                "too many requests from this address; try again in a minute".into(),
            )
        })
    }
}
