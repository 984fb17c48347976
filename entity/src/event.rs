//! One change that integrations and screens are told about, written in the
//! same transaction as the change.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    /// Increases in commit order: a consumer's cursor.
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    /// `message.sent`, `candidate.created` …
    pub event_type: String,
    /// The GraphQL type of the subject (`Message`, `Interview` …).
    pub subject_type: String,
    pub subject_id: i64,
    /// 1, 2, 3 … per subject.
    pub sequence: i64,
    pub occurred_at: DateTimeUtc,
    /// The payload's `data` object as JSON: ids and states, never personal data.
    #[sea_orm(column_type = "Text")]
    pub data: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
