//! `GET /metrics`: Prometheus text exposition format.

use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::db;

pub async fn render(state: web::Data<AppState>) -> HttpResponse {
    let (in_use, idle, max) = db::pool_figures(&state.db, state.settings.db_max_connections);
    state.metrics.set_pool(in_use, idle, max);
    let now = chrono::Utc::now();
    match crate::mail::messages::outbox_figures(&state.db, now).await {
        Ok(mut figures) => {
            figures.instances_alive = crate::instances::alive(&state.db, now)
                .await
                .ok()
                .and_then(|n| i64::try_from(n).ok())
                .unwrap_or(0);
            state.metrics.set_outbox(&figures);
        }
        // The other figures are still worth serving.
        Err(e) => tracing::warn!(error = %e, "the outbox figures could not be read"),
    }
    match state.metrics.render() {
        Ok(text) => HttpResponse::Ok()
            .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
            .body(text),
        Err(err) => {
            tracing::error!(error = %err, "cannot render metrics");
            HttpResponse::InternalServerError().finish()
        }
    }
}
