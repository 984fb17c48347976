//! A legal entity of a company, with its own recruiting email settings.

use crate::enums::SmtpSecurity;
use sea_orm::entity::prelude::*;
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subsidiaries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub name: String,
    pub email_address: Option<String>,
    pub email_display_name: Option<String>,
    /// Send through the subsidiary's own SMTP server instead of the default transport.
    pub use_custom_smtp: bool,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<i32>,
    pub smtp_security: SmtpSecurity,
    pub smtp_username: Option<String>,
    /// AES-GCM ciphertext; the clear password is never stored.
    pub smtp_password_encrypted: Option<String>,
    pub created_at: DateTimeUtc,
    /// Days a candidate is kept after their last application to one of the
    /// subsidiary's positions was rejected or withdrawn.
    pub retention_days_after_close: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
