//! A named set of access rights that users are assigned.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recruiting_roles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub name: String,
    /// Recruiting admins manage settings, templates, categories, SMTP and roles.
    pub is_admin: bool,
    pub candidates_access: bool,
    pub messages_access: bool,
    pub interviews_access: bool,
    pub bulk_email_access: bool,
    /// Hiring-manager roles see only the positions their holders are assigned to.
    pub assigned_positions_only: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
