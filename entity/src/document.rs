//! A stored file: a candidate's document or a template attachment.

use crate::enums::DocumentSource;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    /// `None` for documents that belong to templates rather than a candidate.
    pub candidate_id: Option<i64>,
    pub document_category_id: Option<i64>,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content; blobs are stored once per digest.
    pub sha256: String,
    pub blob_key: String,
    pub uploaded_by_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub source: DocumentSource,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
