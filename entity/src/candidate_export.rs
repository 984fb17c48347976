//! An archive of one candidate's data, requested for them (GDPR Art. 15
//! and 20), built in the background and kept for a week.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "candidate_exports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub candidate_id: i64,
    /// The user who asked for it; `None` once that user is deleted.
    pub requested_by_id: Option<i64>,
    /// QUEUED, BUILDING, READY, FAILED or EXPIRED.
    pub status: String,
    /// Why a FAILED build failed.
    #[sea_orm(column_type = "Text", nullable)]
    pub failure_reason: Option<String>,
    /// Where the archive is stored while it is READY.
    pub blob_key: Option<String>,
    pub size_bytes: Option<i64>,
    /// The instance building it (see `crate::instances` in the server).
    pub claimed_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub ready_at: Option<DateTimeUtc>,
    pub expires_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
