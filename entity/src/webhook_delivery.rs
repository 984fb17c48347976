//! One event (or test message) to deliver to one endpoint.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub endpoint_id: i64,
    pub company_id: i64,
    /// The event delivered; none for a test message.
    pub event_id: Option<i64>,
    pub event_type: String,
    /// The `webhook-id` header: the same on every retry and replay of an event.
    pub webhook_id: String,
    /// The body of a test message; an event's body is built from the event.
    #[sea_orm(column_type = "Text", nullable)]
    pub payload: Option<String>,
    /// `PENDING`, `SENDING`, `SUCCEEDED` or `FAILED`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// The instance sending it, while `SENDING`.
    pub claimed_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub last_attempt_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
