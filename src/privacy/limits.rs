//! The rate limit of the privacy page's public operations: the scheduling
//! page's limiter and setting, counted apart, so that a candidate booking
//! an interview and one using their privacy page do not share a budget.

use std::net::IpAddr;

use crate::error::ApiResult;
use crate::scheduling::public_limits::SchedulingLimits;
use crate::settings::Settings;

#[derive(Debug)]
pub struct PrivacyLimits(SchedulingLimits);

impl PrivacyLimits {
    pub fn new(settings: &Settings) -> Self {
        Self(SchedulingLimits::new(settings))
    }

    /// Counts one request from `address`.
    pub fn check(&self, address: IpAddr) -> ApiResult<()> {
        self.0.check(address)
    }
}
