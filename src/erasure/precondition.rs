//! Who may be erased, checked right after the candidate's row is locked so
//! that nothing the check reads changes before the erasure commits.

use chrono::{DateTime, Utc};
use entity::candidate;
use sea_orm::DatabaseTransaction;

use crate::error::{ApiError, ApiResult};
use crate::retention::{legal_hold, rule};

/// Why an erasure runs, and so what it requires of the candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precondition {
    /// A recruiting admin asked for it (a data subject's request, GDPR
    /// Art. 17): the candidate must not be on legal hold (Art. 17(3)(e):
    /// data kept for legal claims is exempt until the hold is released).
    Explicit,
    /// The daily retention run: the candidate's retention must have ended
    /// at `due_at`. Checked again here, under the lock, because a legal
    /// hold or a new application may have come since the run read its
    /// batch; either wins.
    Retention { due_at: DateTime<Utc> },
}

impl Precondition {
    /// Refuses (`CONFLICT`) when the candidate may not be erased for this
    /// reason.
    pub async fn check(
        self,
        txn: &DatabaseTransaction,
        candidate: &candidate::Model,
    ) -> ApiResult<()> {
        match self {
            Precondition::Explicit => {
                if legal_hold::is_held(txn, candidate.id).await? {
                    return Err(ApiError::conflict(
                        "this candidate is on legal hold; release the hold \
                         (setCandidateLegalHold) before erasing",
                    ));
                }
                Ok(())
            }
            Precondition::Retention { due_at } => {
                if rule::is_due(txn, candidate.id, due_at).await? {
                    Ok(())
                } else {
                    Err(ApiError::conflict(
                        "this candidate's retention has not ended (an open \
                         application, a legal hold, or a recent change)",
                    ))
                }
            }
        }
    }
}
