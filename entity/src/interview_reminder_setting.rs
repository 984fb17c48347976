//! A company's reminders before interviews: to the candidate from a
//! template, and to the participants, each some hours before the start.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interview_reminder_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub company_id: i64,
    pub candidate_template_id: Option<i64>,
    /// `None`: no reminder to the candidate.
    pub candidate_hours_before: Option<i32>,
    /// `None`: no reminder to the participants.
    pub participant_hours_before: Option<i32>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
