//! Legal holds: a candidate whose data must be kept (a lawsuit, an
//! authority's request, GDPR Art. 17(3)(e): "for the establishment,
//! exercise or defence of legal claims") is never anonymised by
//! retention, and an admin's erasure of them is refused until the hold is
//! released.
//!
//! The reason is stored with the hold, for the admins who decide about it;
//! it is free text that may name people, so the audit trail records only
//! its length.

use chrono::{DateTime, Utc};
use entity::{candidate, candidate_legal_hold, user};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, Set,
};

use crate::access::Actor;
use crate::audit::{self, Change};
use crate::candidates;
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventType, NewEvent};
use crate::graphql::ids::Kind;

/// Why a hold is set: non-empty, at most [`Reason::MAX_CHARS`] characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    pub const MAX_CHARS: usize = 1000;

    /// Accepts trimmed text; line breaks and tabs are kept, other control
    /// characters refused.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("a legal hold needs a reason".into());
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        if trimmed
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err("must not contain control characters".into());
        }
        Ok(Self(trimmed.to_owned()))
    }
}

/// Sets (with `Some(reason)`) or releases (`None`) the legal hold of
/// candidate `id`, with the candidate's row locked so that an erasure
/// under way finishes first (and one that starts later sees the hold).
/// Setting it again replaces the reason and keeps the time it began.
/// Returns the candidate.
pub async fn set(
    db: &impl crate::db::Writable,
    actor: &Actor,
    id: i64,
    reason: Option<Reason>,
    now: DateTime<Utc>,
) -> ApiResult<candidate::Model> {
    crate::db::write_transaction!(db, |txn| {
        let row = candidates::locked(txn, actor, id).await?;
        if reason.is_some() && row.erased_at.is_some() {
            return Err(ApiError::conflict(
                "this candidate is anonymised; nothing personal is left to hold",
            ));
        }
        let existing = candidate_legal_hold::Entity::find_by_id(row.id)
            .one(txn)
            .await?;
        let change = match (reason.clone(), existing) {
            (None, None) => return Ok(row),
            (None, Some(old)) => {
                candidate_legal_hold::Entity::delete_by_id(old.candidate_id)
                    .exec(txn)
                    .await?;
                Change::new("candidate.legal_hold_released")
                    .on("Candidate", row.id)
                    .with("heldSince", old.since.to_rfc3339())
            }
            (Some(reason), existing) => {
                let length = reason.0.chars().count();
                match existing {
                    Some(old) => {
                        let mut hold = old.into_active_model();
                        hold.reason = Set(reason.0);
                        hold.set_by_user_id = Set(Some(actor.user_id));
                        hold.update(txn).await?;
                    }
                    None => {
                        candidate_legal_hold::ActiveModel {
                            candidate_id: Set(row.id),
                            company_id: Set(row.company_id),
                            since: Set(now),
                            reason: Set(reason.0),
                            set_by_user_id: Set(Some(actor.user_id)),
                        }
                        .insert(txn)
                        .await?;
                    }
                }
                Change::new("candidate.legal_hold_set")
                    .on("Candidate", row.id)
                    .with("reasonLength", length)
            }
        };
        audit::record(txn, row.company_id, Some(actor), change, now).await?;
        let event = NewEvent::new(
            row.company_id,
            EventType::CandidateUpdated,
            Kind::Candidate,
            row.id,
        )
        .with("changed", vec!["legalHold"]);
        events::append(txn, vec![event], now).await?;
        Ok(row)
    })
}

/// Whether candidate `id` is held: erasure refuses an admin's request then.
pub async fn is_held(db: &impl ConnectionTrait, id: i64) -> ApiResult<bool> {
    Ok(candidate_legal_hold::Entity::find_by_id(id)
        .one(db)
        .await?
        .is_some())
}

/// The holds of the candidates `ids` of `company_id`, with the users who
/// set them, in two statements.
pub async fn of_candidates(
    db: &impl ConnectionTrait,
    company_id: i64,
    ids: impl IntoIterator<Item = i64>,
) -> ApiResult<Vec<(candidate_legal_hold::Model, Option<user::Model>)>> {
    let holds = candidate_legal_hold::Entity::find()
        .filter(candidate_legal_hold::Column::CompanyId.eq(company_id))
        .filter(candidate_legal_hold::Column::CandidateId.is_in(ids))
        .all(db)
        .await?;
    let setters: Vec<i64> = holds.iter().filter_map(|h| h.set_by_user_id).collect();
    let users = if setters.is_empty() {
        Vec::new()
    } else {
        user::Entity::find()
            .filter(user::Column::CompanyId.eq(company_id))
            .filter(user::Column::Id.is_in(setters))
            .all(db)
            .await?
    };
    Ok(holds
        .into_iter()
        .map(|hold| {
            let by = users
                .iter()
                .find(|u| Some(u.id) == hold.set_by_user_id)
                .cloned();
            (hold, by)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_checked() {
        assert!(Reason::parse("  ").is_err());
        assert!(Reason::parse("Lawsuit 12 O 34/26\nLandgericht").is_ok());
        assert!(Reason::parse("a\u{7}b").is_err());
        assert!(Reason::parse(&"x".repeat(Reason::MAX_CHARS + 1)).is_err());
    }
}
