//! Rate limits of the public application form: per client address and per
//! company form, each a GCRA limiter (`governor`) whose keys are forgotten
//! once they are idle, so a flood of addresses cannot grow memory for good.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{ApiError, ApiResult};
use crate::settings::Settings;

/// Keys kept before idle ones are dropped.
const PRUNE_ABOVE: usize = 10_000;

/// The caller's network address, as the HTTP layer saw it.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub IpAddr);

pub struct FormLimits {
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    by_form: DefaultKeyedRateLimiter<i64>,
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
        }
    }

    /// Counts one submission from `address`.
    pub fn check_address(&self, address: IpAddr) -> ApiResult<()> {
        let result = self.by_address.check_key(&address);
        if self.by_address.len() > PRUNE_ABOVE {
            self.by_address.retain_recent();
        }
        result.map_err(|_| {
            ApiError::RateLimited("too many applications from this address; try again later".into())
        })
    }

    /// Counts one submission to the form of `company`.
    pub fn check_form(&self, company: i64) -> ApiResult<()> {
        let result = self.by_form.check_key(&company);
        if self.by_form.len() > PRUNE_ABOVE {
            self.by_form.retain_recent();
        }
        result.map_err(|_| {
            ApiError::RateLimited(
                "this form takes too many applications at once; try again in a minute".into(),
            )
        })
    }
}
