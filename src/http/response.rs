//! Writing responses: JSON in the GraphQL response shape, errors with their
//! `extensions.code`, for every endpoint alike.

use actix_web::HttpResponse;
use actix_web::http::header;
use async_graphql::{ErrorExtensionValues, ServerError, Value};

use crate::error::ApiError;

/// An error response with `status`, in the shape of a GraphQL response.
pub(super) fn error_response(status: actix_web::http::StatusCode, err: &ApiError) -> HttpResponse {
    let mut error = ServerError::new(err.to_string(), None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", Value::from(err.code()));
    if let ApiError::Validation { field, .. } = err {
        ext.set("field", Value::from(field.as_str()));
    }
    error.extensions = Some(ext);
    json(status, &async_graphql::Response::from_errors(vec![error]))
}

/// `response` as JSON, never cached.
pub(super) fn json(
    status: actix_web::http::StatusCode,
    response: &async_graphql::Response,
) -> HttpResponse {
    match serde_json::to_vec(response) {
        Ok(body) => HttpResponse::build(status)
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .content_type("application/json")
            .body(body),
        Err(err) => {
            tracing::error!(error = %err, "cannot serialise a GraphQL response");
            HttpResponse::InternalServerError().finish()
        }
    }
}
