//! A user's own weekly working hours.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "working_hours")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    pub company_id: i64,
    /// IANA time zone the hours are in.
    pub time_zone: String,
    /// Seven lists (Monday first) of `[start, end]` minutes after midnight, as JSON.
    #[sea_orm(column_type = "Text")]
    pub weekly: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
