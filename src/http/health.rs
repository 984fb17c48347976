//! `GET /healthz`: 200 when the database answers, 503 otherwise.

use actix_web::{HttpResponse, web};
use sea_orm::ConnectionTrait as _;

use crate::app::AppState;

pub async fn check(state: web::Data<AppState>) -> HttpResponse {
    match state.db.execute_unprepared("SELECT 1").await {
        Ok(_) => HttpResponse::Ok().json(serde_json::json!({ "status": "ok", "database": "ok" })),
        Err(err) => {
            tracing::warn!(error = %err, "health check: database unavailable");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({ "status": "unavailable", "database": "unavailable" }))
        }
    }
}
