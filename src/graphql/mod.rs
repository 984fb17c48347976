//! The GraphQL API: one schema, built once at start, merged from per-feature
//! roots. It knows nothing of HTTP: the caller passes the request's actor in.

pub mod batch;
pub mod errors;
pub mod ids;
mod input;
pub mod introspection;
pub mod limits;
mod mutation;
pub mod pagination;
mod query;
pub mod state;
mod subscription;
pub mod types;

use std::sync::Arc;

use async_graphql::Schema;
use sea_orm::DatabaseConnection;

pub use mutation::MutationRoot;
pub use query::QueryRoot;
pub use subscription::{LiveActor, SubscriptionRoot};

use crate::access::ActorCache;
use crate::events::hub::Hub;
use crate::mail::Mail;
use crate::settings::Settings;

/// The application's schema type.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Largest complexity accepted: lists count as `first` × their selection, so a
/// full page of candidates with applications, positions and categories fits,
/// and a page of pages of pages does not.
pub const MAX_COMPLEXITY: usize = 10_000;

/// Builds the schema with its limits and extensions; call once per process.
///
/// Depth is not limited here: async-graphql counts introspection's type
/// references as depth, which refuses every standard introspection query.
/// [`limits::check`] bounds the depth of data and the shape of introspection
/// instead, before this schema sees the request.
pub fn build(
    db: DatabaseConnection,
    settings: Arc<Settings>,
    actors: Arc<ActorCache>,
    mail: Arc<Mail>,
    hub: Arc<Hub>,
) -> AppSchema {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot,
    )
    .data(db)
    .data(Arc::new(crate::intake::FormLimits::new(&settings)))
    .data(Arc::new(
        crate::scheduling::public_limits::SchedulingLimits::new(&settings),
    ))
    .data(Arc::new(crate::privacy::limits::PrivacyLimits::new(
        &settings,
    )))
    .data(settings)
    .data(actors)
    .data(mail)
    .data(hub)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(32)
    .limit_directives(20)
    .finish()
}

/// The schema's SDL, as `recruitmail export-schema` prints it.
pub fn sdl() -> String {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot,
    )
    .finish()
    .sdl()
}
