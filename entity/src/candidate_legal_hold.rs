//! A legal hold on a candidate: while it stands, retention never anonymises
//! them and an admin's erasure is refused.

use sea_orm::entity::prelude::*;
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "candidate_legal_holds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub candidate_id: i64,
    pub company_id: i64,
    pub since: DateTimeUtc,
    /// Why the data must be kept (a lawsuit, an authority's request).
    pub reason: String,
    /// `None` once the user who set it is deleted.
    pub set_by_user_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
