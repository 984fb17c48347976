//! `GET /metrics`: Prometheus text exposition format.

use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::db;

pub async fn render(state: web::Data<AppState>) -> HttpResponse {
    let (in_use, idle, max) = db::pool_figures(&state.db, state.settings.db_max_connections);
    state.metrics.set_pool(in_use, idle, max);
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
