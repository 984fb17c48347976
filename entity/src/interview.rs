//! A scheduled interview for one application.

use crate::enums::InterviewStatus;
use sea_orm::entity::prelude::*;
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interviews")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub application_id: i64,
    pub title: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// IANA time zone the interview is presented in.
    pub time_zone: String,
    pub location: Option<String>,
    pub video_link: Option<String>,
    pub status: InterviewStatus,
    /// iCalendar SEQUENCE (RFC 5545 §3.8.7.4): raised by each update sent.
    pub sequence: i32,
    /// iCalendar UID, stable for the interview's life.
    #[sea_orm(unique)]
    pub uid: String,
    pub created_by_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The calendar event's ORGANIZER, fixed by the first invitation sent.
    pub organizer_address: Option<String>,
    pub organizer_name: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
