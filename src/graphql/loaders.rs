//! DataLoaders: nested lists are fetched in one query per level, not per row.
//!
//! A [`Loaders`] is made per request, bound to the caller's company and position
//! scope, so batching never crosses tenants and a hiring manager's nested lists
//! are limited the same way as top-level ones.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{
    application, candidate, position, position_hiring_manager, recruiting_category, subsidiary,
    user,
};
use sea_orm::{
    ColumnTrait as _, DatabaseConnection, DbErr, EntityTrait as _, QueryFilter as _,
    QueryOrder as _,
};

use crate::access::PositionScope;

/// Batch loader state for one request.
pub struct Loaders {
    db: DatabaseConnection,
    company_id: i64,
    positions: PositionScope,
}

impl Loaders {
    pub fn new(
        db: DatabaseConnection,
        company_id: i64,
        positions: PositionScope,
    ) -> DataLoader<Self> {
        DataLoader::new(
            Self {
                db,
                company_id,
                positions,
            },
            tokio::spawn,
        )
    }
}

/// Loader errors must be cloneable to be shared by every waiting key.
pub type LoadError = Arc<DbErr>;

/// Declares a key newtype loading one row of an entity by id, within the company.
macro_rules! by_id {
    ($key:ident, $module:ident) => {
        #[doc = concat!("Loads one `", stringify!($module), "` row by id.")]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub i64);

        impl Loader<$key> for Loaders {
            type Value = $module::Model;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let rows = $module::Entity::find()
                    .filter($module::Column::Id.is_in(keys.iter().map(|k| k.0)))
                    .filter($module::Column::CompanyId.eq(self.company_id))
                    .all(&self.db)
                    .await?;
                Ok(rows.into_iter().map(|row| ($key(row.id), row)).collect())
            }
        }
    };
}

by_id!(CandidateId, candidate);
by_id!(PositionId, position);
by_id!(CategoryId, recruiting_category);
by_id!(SubsidiaryId, subsidiary);
by_id!(UserId, user);

/// The applications of one candidate that the caller may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ApplicationsOfCandidate(pub i64);

impl Loader<ApplicationsOfCandidate> for Loaders {
    type Value = Vec<application::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ApplicationsOfCandidate],
    ) -> Result<HashMap<ApplicationsOfCandidate, Self::Value>, Self::Error> {
        let mut query = application::Entity::find()
            .filter(application::Column::CandidateId.is_in(keys.iter().map(|k| k.0)))
            .filter(application::Column::CompanyId.eq(self.company_id))
            .order_by_asc(application::Column::Id);
        if let PositionScope::Assigned(ids) = &self.positions {
            query = query.filter(application::Column::PositionId.is_in(ids.iter().copied()));
        }
        let mut grouped: HashMap<_, Vec<_>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in query.all(&self.db).await? {
            grouped
                .entry(ApplicationsOfCandidate(row.candidate_id))
                .or_default()
                .push(row);
        }
        Ok(grouped)
    }
}

/// The hiring managers assigned to one position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HiringManagersOfPosition(pub i64);

impl Loader<HiringManagersOfPosition> for Loaders {
    type Value = Vec<user::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[HiringManagersOfPosition],
    ) -> Result<HashMap<HiringManagersOfPosition, Self::Value>, Self::Error> {
        let links = position_hiring_manager::Entity::find()
            .filter(position_hiring_manager::Column::PositionId.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        let users: HashMap<i64, user::Model> = user::Entity::find()
            .filter(user::Column::Id.is_in(links.iter().map(|l| l.user_id)))
            .filter(user::Column::CompanyId.eq(self.company_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let mut grouped: HashMap<_, Vec<_>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for link in links {
            if let Some(user) = users.get(&link.user_id) {
                grouped
                    .entry(HiringManagersOfPosition(link.position_id))
                    .or_default()
                    .push(user.clone());
            }
        }
        Ok(grouped)
    }
}
