//! A user's hours on one date, replacing their weekly hours (none: a day off).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "availability_overrides")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub user_id: i64,
    /// The date in the user's time zone.
    pub date: Date,
    /// `[start, end]` minutes after midnight, as JSON; empty for a day off.
    #[sea_orm(column_type = "Text")]
    pub spans: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
