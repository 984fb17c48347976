//! A stored file content and how many documents use it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "blobs")]
pub struct Model {
    /// The blob store's key, `sha256/xx/<digest>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub blob_key: String,
    pub sha256: String,
    pub size_bytes: i64,
    /// Documents that name this content.
    pub reference_count: i64,
    /// Set when the count reached zero: the content is to be deleted from
    /// the store, and the row goes once it is.
    pub unreferenced_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
