//! A candidate's application to one position.

use crate::enums::{ApplicationSource, ApplicationStatus};
use sea_orm::entity::prelude::*;
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub candidate_id: i64,
    pub position_id: i64,
    pub source: ApplicationSource,
    pub status: ApplicationStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When the application was rejected or withdrawn; `None` while it is
    /// open. Retention counts its period from here.
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
