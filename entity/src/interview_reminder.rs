//! A reminder queued for an interview: unique per interview, recipient and
//! start time, so it is queued once however often the job runs.

use crate::enums::ReminderRecipient;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interview_reminders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub interview_id: i64,
    pub recipient: ReminderRecipient,
    /// The start the reminder was for: a moved interview gets a new one.
    pub starts_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
