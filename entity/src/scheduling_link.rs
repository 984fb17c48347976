//! A link a candidate books an interview through, without an account.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scheduling_links")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub application_id: i64,
    /// The user who created the link; the interview is scheduled in their name.
    pub created_by_id: i64,
    /// Hex SHA-256 of the link's token.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// The random input the token is derived from with the server's key.
    pub salt: String,
    /// The users who take part, as a JSON array of IDs.
    #[sea_orm(column_type = "Text")]
    pub participant_ids: String,
    pub duration_minutes: i32,
    pub window_from: DateTimeUtc,
    pub window_to: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// Where the interview takes place; a location, a video link or both.
    #[sea_orm(column_type = "Text", nullable)]
    pub location: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub video_link: Option<String>,
    /// The template of the invitation sent on booking; the standard one when
    /// absent.
    pub template_id: Option<i64>,
    /// The interview booked through the link.
    pub interview_id: Option<i64>,
    /// The candidate cancelled their booking: the link opens no more.
    pub closed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
