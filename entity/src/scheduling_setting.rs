//! A company's rules for self-scheduling, where they differ from the defaults.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scheduling_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub company_id: i64,
    /// A booking can be moved or cancelled through its link until this many
    /// hours before the interview.
    pub change_deadline_hours: i32,
    /// No slot offered through a link starts sooner than this after now.
    pub minimum_notice_hours: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
