use std::collections::HashSet;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::Utc;

use crate::access::{ContextExt as _, Require};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::state::db;
use crate::graphql::types::{Candidate, RetentionSettings};
use crate::retention::legal_hold::{self, Reason};
use crate::retention::settings::{self, Days, SettingsChange};

#[derive(Default)]
pub struct RetentionMutation;

#[derive(InputObject)]
struct UpdateRetentionSettingsInput {
    /// Days to keep a candidate with no application after their last
    /// activity, 1 to 3650; unchanged when not given.
    days_without_application: Option<i32>,
    /// Periods of the subsidiaries named; the others keep theirs.
    subsidiaries: Option<Vec<SubsidiaryRetentionInput>>,
}

#[derive(InputObject)]
struct SubsidiaryRetentionInput {
    subsidiary_id: ID,
    /// Days to keep a candidate after their last application closed, 1 to 3650.
    days_after_close: i32,
}

#[derive(SimpleObject)]
struct RetentionSettingsPayload {
    retention_settings: RetentionSettings,
}

#[derive(InputObject)]
struct SetCandidateLegalHoldInput {
    id: ID,
    /// `true` sets (or updates) the hold, `false` releases it.
    hold: bool,
    /// Why the data must be kept; required when setting, at most 1000
    /// characters. Stored with the hold; the audit trail keeps its length only.
    reason: Option<String>,
}

#[derive(SimpleObject)]
struct SetCandidateLegalHoldPayload {
    /// The candidate, whose `legalHold` is the hold now in place.
    candidate: Candidate,
}

#[Object]
impl RetentionMutation {
    /// Changes how long candidates are kept; recorded in the audit trail
    /// (`retention_settings.updated`). Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn update_retention_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateRetentionSettingsInput,
    ) -> Result<RetentionSettingsPayload, ApiError> {
        let days_without_application = input
            .days_without_application
            .map(Days::parse)
            .transpose()
            .map_err(|m| ApiError::validation("daysWithoutApplication", m))?;
        let mut days_after_close = Vec::new();
        let mut seen = HashSet::new();
        for (at, entry) in input.subsidiaries.unwrap_or_default().iter().enumerate() {
            let field = |name: &str| format!("subsidiaries.{at}.{name}");
            let id = decode(
                &entry.subsidiary_id,
                Kind::Subsidiary,
                &field("subsidiaryId"),
            )?;
            if !seen.insert(id) {
                return Err(ApiError::validation(
                    field("subsidiaryId"),
                    "names a subsidiary a second time",
                ));
            }
            let days = Days::parse(entry.days_after_close)
                .map_err(|m| ApiError::validation(field("daysAfterClose"), m))?;
            days_after_close.push((id, days));
        }
        let change = SettingsChange {
            days_without_application,
            days_after_close,
        };
        let saved = settings::update(db(ctx)?, ctx.actor()?, change).await?;
        Ok(RetentionSettingsPayload {
            retention_settings: RetentionSettings(saved),
        })
    }

    /// Sets or releases a candidate's legal hold: while it stands, the
    /// daily retention run leaves the candidate alone and `eraseCandidate`
    /// is refused (`CONFLICT`). Recorded in the audit trail
    /// (`candidate.legal_hold_set` / `candidate.legal_hold_released`).
    /// Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn set_candidate_legal_hold(
        &self,
        ctx: &Context<'_>,
        input: SetCandidateLegalHoldInput,
    ) -> Result<SetCandidateLegalHoldPayload, ApiError> {
        let id = decode(&input.id, Kind::Candidate, "id")?;
        let reason = match (input.hold, input.reason.as_deref()) {
            (true, Some(text)) => {
                Some(Reason::parse(text).map_err(|m| ApiError::validation("reason", m))?)
            }
            (true, None) => {
                return Err(ApiError::validation(
                    "reason",
                    "a legal hold needs a reason",
                ));
            }
            (false, None) => None,
            (false, Some(_)) => {
                return Err(ApiError::validation(
                    "reason",
                    "only a hold being set takes a reason",
                ));
            }
        };
        let row = legal_hold::set(db(ctx)?, ctx.actor()?, id, reason, Utc::now()).await?;
        Ok(SetCandidateLegalHoldPayload {
            candidate: Candidate::one(row),
        })
    }
}
