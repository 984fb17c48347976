//! A document attached to a message.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message_attachments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub message_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub document_id: i64,
    /// Order of the attachment within the message.
    pub position: i32,
    /// The part's Content-ID (RFC 2392) without angle brackets, when the
    /// received message's HTML may show it through a `cid:` URL.
    pub content_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
