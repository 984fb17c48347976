//! A user's calendar outside recruitmail: an iCalendar feed or an uploaded file.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "external_calendars")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub user_id: i64,
    /// `FEED` or `UPLOAD`.
    pub kind: String,
    /// A feed's URL, sealed with the server's key: it often carries a token.
    #[sea_orm(column_type = "Text", nullable)]
    pub url_sealed: Option<String>,
    /// A feed's URL without path or query, safe to show.
    #[sea_orm(column_type = "Text", nullable)]
    pub url_hint: Option<String>,
    /// An upload's file name.
    #[sea_orm(column_type = "Text", nullable)]
    pub file_name: Option<String>,
    /// Validators of the last good answer, for conditional GET.
    #[sea_orm(column_type = "Text", nullable)]
    pub etag: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_modified: Option<String>,
    pub next_fetch_at: Option<DateTimeUtc>,
    /// A fetch in progress holds the row until then.
    pub claimed_until: Option<DateTimeUtc>,
    pub claim: Option<String>,
    pub last_attempt_at: Option<DateTimeUtc>,
    pub last_success_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// When the stored intervals were read from the calendar's content.
    pub read_at: Option<DateTimeUtc>,
    pub interval_count: i32,
    /// Whether a cap cut the reading short.
    pub truncated: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
