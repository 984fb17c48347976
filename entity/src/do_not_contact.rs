//! An address a company must not write to, kept only as a keyed hash.

use crate::enums::DoNotContactReason;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "do_not_contact")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    /// Hex HMAC-SHA-256 of the lower-cased, trimmed address under a key
    /// derived from the server's secret key; unique within a company.
    pub address_hash: String,
    pub reason: DoNotContactReason,
    /// The user who added the address; `None` when the person asked
    /// themselves, a report added it, or the user was deleted since.
    pub created_by_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
