//! One bulk send; its progress is counted from its messages.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub created_by_id: Option<i64>,
    /// Makes a retried bulk send return the first result.
    pub idempotency_key: Option<String>,
    pub total: i32,
    /// The candidates left out of the send and why, as a JSON array of
    /// `{"candidateId": n, "reason": "COMPLAINED"}`.
    #[sea_orm(column_type = "Text", nullable)]
    pub skipped: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
