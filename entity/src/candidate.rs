//! A person who applies to a company.

use crate::enums::Gender;
use sea_orm::entity::prelude::*;
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "candidates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub first_name: String,
    pub last_name: String,
    /// Lower-cased; unique within a company.
    pub email: String,
    pub gender: Gender,
    pub preferred_language: Option<String>,
    pub phone: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When the candidate reported one of our messages as spam (a
    /// feedback-loop complaint, RFC 5965): bulk sends leave them out.
    pub complained_at: Option<DateTimeUtc>,
    /// When the candidate was anonymised (GDPR Art. 17): their names and
    /// addresses are gone, the row stays for the company's statistics.
    pub erased_at: Option<DateTimeUtc>,
    /// The version of the candidate's privacy-page link: raising it
    /// revokes every link issued before.
    pub privacy_link_version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
