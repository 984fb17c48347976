//! `GET /healthz`: 200 when the database takes a write, 503 otherwise.
//!
//! The check writes, not only reads: a database that answers reads but
//! refuses writes (a read-only or full disk, a standby server) cannot queue
//! a message or file a reply, so an instance in front of it is not healthy.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use sea_orm::ConnectionTrait as _;
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, Query};

use crate::app::AppState;

pub async fn check(state: web::Data<AppState>) -> HttpResponse {
    let probe = Query::update()
        .table(Alias::new("health_checks"))
        .value(Alias::new("checked_at"), Utc::now())
        .and_where(Expr::col(Alias::new("id")).eq(1))
        .to_owned();
    match state.db.execute(&probe).await {
        Ok(_) => HttpResponse::Ok().json(serde_json::json!({ "status": "ok", "database": "ok" })),
        Err(err) => {
            tracing::warn!(error = %err, "health check: the database does not take writes");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({ "status": "unavailable", "database": "unavailable" }))
        }
    }
}
