//! What a candidate asked for through their privacy page.

use crate::enums::PrivacyRequestKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "privacy_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    /// `None` once the candidate was deleted (as an erasure does).
    pub candidate_id: Option<i64>,
    pub kind: PrivacyRequestKind,
    pub created_at: DateTimeUtc,
    /// When a user marked it answered; `None` while it is open.
    pub resolved_at: Option<DateTimeUtc>,
    pub resolved_by_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
