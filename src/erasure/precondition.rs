//! Who may be erased, checked right after the candidate's row is locked so
//! that nothing the check reads changes before the erasure commits.

use entity::candidate;
use sea_orm::DatabaseTransaction;

use crate::error::ApiResult;

/// Why an erasure runs, and so what it requires of the candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precondition {
    /// A recruiting admin asked for it (a data subject's request, GDPR
    /// Art. 17): nothing beyond the candidate existing.
    Explicit,
}

impl Precondition {
    /// Refuses (`CONFLICT`) when the candidate may not be erased for this
    /// reason.
    pub async fn check(
        self,
        _txn: &DatabaseTransaction,
        _candidate: &candidate::Model,
    ) -> ApiResult<()> {
        match self {
            Precondition::Explicit => Ok(()),
        }
    }
}
