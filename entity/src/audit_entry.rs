//! One entry of a company's audit trail: who did what to which record, with
//! the hash of the entry before it. IDs only, never candidates' names or
//! addresses, so it outlives erasure.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    /// Position in the company's chain, from 1 without gaps.
    pub seq: i64,
    pub at: DateTimeUtc,
    /// `None` for the server's own jobs.
    pub actor_user_id: Option<i64>,
    /// The API token the change was made with, when there was one.
    pub actor_token_id: Option<i64>,
    /// What happened, e.g. `email_template.updated`.
    pub action: String,
    pub subject_kind: Option<String>,
    pub subject_id: Option<i64>,
    /// JSON: counts, IDs, and before/after values of settings, secrets masked.
    #[sea_orm(column_type = "Text")]
    pub details: String,
    /// Hex SHA-256 of the previous entry (64 zeros for the first).
    pub prev_hash: String,
    /// Hex SHA-256 of this entry's content and `prev_hash`.
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
