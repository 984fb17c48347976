//! Retention periods and legal holds.

use async_graphql::{Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{candidate_legal_hold, user};

use super::{Subsidiary, User};
use crate::access::Require;
use crate::retention::settings;

/// How long candidates are kept before the daily retention run anonymises
/// them (see `Candidate.retainUntil`).
pub struct RetentionSettings(pub settings::RetentionSettings);

#[Object]
impl RetentionSettings {
    /// Days a candidate with no application (entered by hand, or made from
    /// received mail) is kept after their last activity: the later of the
    /// last change to their record and the newest message in their thread.
    async fn days_without_application(&self) -> i32 {
        self.0.days_without_application
    }
    /// Each subsidiary's period after a candidate's applications closed.
    async fn subsidiaries(&self) -> Vec<SubsidiaryRetention> {
        self.0
            .subsidiaries
            .iter()
            .map(|row| SubsidiaryRetention {
                days_after_close: row.retention_days_after_close,
                subsidiary: Subsidiary(row.clone()),
            })
            .collect()
    }
}

/// One subsidiary's retention period.
#[derive(SimpleObject)]
pub struct SubsidiaryRetention {
    subsidiary: Subsidiary,
    /// Days a candidate is kept after the last of their applications was
    /// rejected or withdrawn, when that application was to one of the
    /// subsidiary's positions (with applications at several subsidiaries,
    /// the latest end counts).
    days_after_close: i32,
}

/// A legal hold: the candidate's data must be kept.
pub struct LegalHold {
    pub hold: candidate_legal_hold::Model,
    pub set_by: Option<user::Model>,
}

#[Object]
impl LegalHold {
    /// When the hold began.
    async fn since(&self) -> DateTime<Utc> {
        self.hold.since
    }
    /// Why the data is kept. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn reason(&self) -> &str {
        &self.hold.reason
    }
    /// Who set (or last changed) the hold; `null` once that user is deleted.
    async fn set_by(&self) -> Option<User> {
        self.set_by.clone().map(User::one)
    }
}
