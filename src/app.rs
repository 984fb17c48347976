//! The application: built from settings, served until stopped. Tests build the
//! same application on port 0 against their own database.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use sea_orm::DatabaseConnection;

use crate::access::ActorCache;
use crate::graphql::{self, AppSchema};
use crate::metrics::Metrics;
use crate::settings::Settings;
use crate::{db, http};

/// What every HTTP handler shares; cloned cheaply per worker.
pub struct AppState {
    pub db: DatabaseConnection,
    pub schema: AppSchema,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    /// Recently authenticated callers; also in the schema's data, so that
    /// mutations changing rights can clear it.
    pub actors: Arc<ActorCache>,
}

/// A built, not yet running, server.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Connects to the database, applies migrations, builds the schema once and
    /// binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let metrics = Arc::new(Metrics::new());
        let db = db::connect(&settings, metrics.clone()).await?;
        db::migrate(&db).await?;
        Self::with_database(settings, db, metrics)
    }

    /// Builds on an already migrated connection.
    pub fn with_database(
        settings: Settings,
        db: DatabaseConnection,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Self> {
        let settings = Arc::new(settings);
        let actors = Arc::new(ActorCache::default());
        let schema = graphql::build(db.clone(), settings.clone(), actors.clone());
        let state = web::Data::new(AppState {
            db,
            schema,
            settings: settings.clone(),
            metrics,
            actors,
        });
        let listener = TcpListener::bind(settings.listen)
            .with_context(|| format!("RECRUITMAIL_LISTEN: cannot listen on {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let shared = state.clone();
        let server =
            HttpServer::new(move || App::new().app_data(shared.clone()).configure(http::routes))
                .listen(listener)?
                .run();
        Ok(Self {
            port,
            server,
            state,
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Shared state, for tests that look inside (database, metrics).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until the process receives Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        tracing::info!(port = self.port, "recruitmail is listening");
        self.server.await.context("HTTP server failed")
    }
}
