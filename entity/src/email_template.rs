//! A named email template; its text lives in per-language variants.

use sea_orm::entity::prelude::*;

use crate::enums::StarterKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_templates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub name: String,
    /// Only interview-related templates may use interview placeholders.
    pub interview_related: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Which starter template this is, when `createStarterTemplates` (or
    /// `bootstrap`) made it; unique per company.
    pub starter_kind: Option<StarterKind>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
