//! A customer company: the tenant that owns every other row.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "companies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// Lower-case DNS label naming the company's inbound address `<slug>-jobs@…`.
    #[sea_orm(unique)]
    pub slug: String,
    /// Secret that authorises `POST /inbound/{slug}`.
    #[sea_orm(unique)]
    pub inbound_token: String,
    /// Public key that career pages send with `submitApplication`.
    #[sea_orm(unique)]
    pub form_key: String,
    /// BCP 47 tag used when a candidate has no preferred language.
    pub default_language: String,
    /// IANA time zone of the company's defaults (working hours); `UTC`
    /// until an admin sets it.
    pub default_time_zone: String,
    pub created_at: DateTimeUtc,
    /// The document category that received files (mail attachments, the
    /// form's other documents) and uploads without a category are filed in;
    /// `None` means "Other documents", made when first needed.
    pub received_document_category_id: Option<i64>,
    /// Days a candidate with no application is kept after their last activity.
    pub retention_days_without_application: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
