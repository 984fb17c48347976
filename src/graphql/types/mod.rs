//! GraphQL object types, each converted from a storage model so that columns
//! are exposed one by one, on purpose.

mod enums;
mod node;
mod organisation;
mod people;
mod recruiting;

pub use enums::*;
pub use node::Node;
pub use organisation::{Category, Company, DocumentCategory, Position, Subsidiary};
pub use people::{ApiToken, DocumentPermission, RecruitingRole, User, Viewer};
pub use recruiting::{Application, Candidate};

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};

use super::loaders::Loaders;
use crate::error::ApiError;

/// Loads one value through the request's DataLoader.
pub(crate) async fn load<K>(
    ctx: &Context<'_>,
    key: K,
) -> Result<Option<<Loaders as Loader<K>>::Value>, ApiError>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    Loaders: Loader<K, Error = super::loaders::LoadError>,
{
    let loader = ctx
        .data::<DataLoader<Loaders>>()
        .map_err(|_| ApiError::Unauthenticated)?;
    loader
        .load_one(key)
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))
}

/// Loads a row a foreign key points to; its absence is a broken invariant.
pub(crate) async fn load_required<K>(
    ctx: &Context<'_>,
    key: K,
    what: &'static str,
) -> Result<<Loaders as Loader<K>>::Value, ApiError>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + std::fmt::Debug + 'static,
    Loaders: Loader<K, Error = super::loaders::LoadError>,
{
    let shown = format!("{key:?}");
    load(ctx, key)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("dangling reference to {what} {shown}")))
}
