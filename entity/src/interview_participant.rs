//! An employee taking part in an interview, with their answer to the
//! calendar invitation they were sent.

use crate::enums::ParticipantResponse;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interview_participants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub interview_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    /// Their calendar's answer (iTIP REPLY, RFC 5546 §3.2.3); asked again
    /// when the interview moves.
    pub response: ParticipantResponse,
    pub responded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
