//! An invitation email sent for an interview, and the candidate's answer.

use crate::enums::{InvitationMethod, InvitationStatus};
use sea_orm::entity::prelude::*;
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub interview_id: i64,
    pub message_id: Option<i64>,
    /// The interview's SEQUENCE this invitation carried.
    pub sequence: i32,
    pub method: InvitationMethod,
    pub status: InvitationStatus,
    pub responded_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// A free-form invitation's subject as written, placeholders and all.
    #[sea_orm(column_type = "Text", nullable)]
    pub subject_source: Option<String>,
    /// A free-form invitation's HTML body as written.
    #[sea_orm(column_type = "Text", nullable)]
    pub body_source: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
