//! Rate limits of the public application form: per client address and per
//! company form, each a GCRA limiter (`governor`) whose keys are forgotten
//! once they are idle, so a flood of addresses cannot grow memory for good.
//!
//! An IPv6 client is counted by its /64, the block one subscriber usually
//! holds, so rotating addresses within it does not reset the count. The
//! limits are kept per process: instances behind one load balancer each
//! allow the configured rate.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{ApiError, ApiResult};
use crate::settings::Settings;

/// Keys kept before idle ones are dropped.
const PRUNE_ABOVE: usize = 10_000;
/// Checks between two prunings: each walks every key.
const PRUNE_EVERY: u64 = 1024;

/// The caller's network address, as the HTTP layer saw it.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub IpAddr);

pub struct FormLimits {
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    by_form: DefaultKeyedRateLimiter<i64>,
    checks: AtomicU64,
}

impl std::fmt::Debug for FormLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormLimits").finish_non_exhaustive()
    }
}

impl FormLimits {
    pub fn new(settings: &Settings) -> Self {
        let per = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        Self {
            by_address: RateLimiter::keyed(Quota::per_hour(per(settings.form_rate_per_address))),
            by_form: RateLimiter::keyed(Quota::per_minute(per(settings.form_rate_per_key))),
            checks: AtomicU64::new(0),
        }
    }

    /// Counts one submission from `address`.
    pub fn check_address(&self, address: IpAddr) -> ApiResult<()> {
        let result = self.by_address.check_key(&subscriber(address));
        self.prune();
        result.map_err(|_| {
            ApiError::RateLimited("too many applications from this address; try again later".into())
        })
    }

    /// Counts one submission to the form of `company`.
    pub fn check_form(&self, company: i64) -> ApiResult<()> {
        let result = self.by_form.check_key(&company);
        self.prune();
        result.map_err(|_| {
            ApiError::RateLimited(
                "this form takes too many applications at once; try again in a minute".into(),
            )
        })
    }

    fn prune(&self) {
        if !self
            .checks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(PRUNE_EVERY)
        {
            return;
        }
        if self.by_address.len() > PRUNE_ABOVE {
            self.by_address.retain_recent();
        }
        if self.by_form.len() > PRUNE_ABOVE {
            self.by_form.retain_recent();
        }
    }
}

/// The key a client is counted under: an IPv4 address (also when written as
/// IPv4-mapped IPv6), or an IPv6 address's /64.
pub fn subscriber(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_counted_by_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(subscriber(a), subscriber(b));
        assert_ne!(subscriber(a), subscriber(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(subscriber(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }
}
