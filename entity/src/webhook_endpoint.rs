//! A company's webhook receiver, with its sealed signing secrets.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    #[sea_orm(column_type = "Text")]
    pub url: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// The event types delivered, as a JSON array of names.
    #[sea_orm(column_type = "Text")]
    pub event_types: String,
    /// The `whsec_` secret, sealed with the server's key.
    #[sea_orm(column_type = "Text")]
    pub secret_sealed: String,
    /// The secret before the last rotation, still signing until
    /// `previous_secret_until`.
    #[sea_orm(column_type = "Text", nullable)]
    pub previous_secret_sealed: Option<String>,
    pub previous_secret_until: Option<DateTimeUtc>,
    pub enabled: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub disabled_reason: Option<String>,
    /// The last event id whose deliveries exist.
    pub cursor: i64,
    /// The first failed attempt since the last success.
    pub failing_since: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
