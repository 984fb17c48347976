//! Thin actix-web adapters: they translate HTTP to calls and back, and hold no
//! business rules.

mod exports;
mod files;
pub mod graphiql;
mod graphql;
mod health;
mod inbound;
mod metrics;
mod negotiate;
mod public_pages;
mod request;
mod response;
pub mod subscriptions;

use actix_web::web;

/// Registers every route of the server.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/graphql")
            .route(web::post().to(graphql::execute))
            .route(web::get().to(graphql::get)),
    )
    .route("/inbound/{slug}", web::post().to(inbound::receive))
    .route("/files/{document}", web::get().to(files::serve))
    .route("/exports/{export}", web::get().to(exports::serve))
    .route("/healthz", web::get().to(health::check))
    .route("/metrics", web::get().to(metrics::render))
    .configure(graphiql::configure)
    .configure(public_pages::configure);
}
