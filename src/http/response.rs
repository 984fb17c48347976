//! Writing responses: JSON in the GraphQL response shape, errors with their
//! `extensions.code`, for every endpoint alike.

use actix_web::HttpResponse;
use actix_web::http::header;
use async_graphql::{ErrorExtensionValues, ServerError, Value};

use super::negotiate::ResponseType;
use crate::error::ApiError;

/// Whether `response` reports a request error: the operation was not
/// executed, because its document did not parse or validate, a limit refused
/// it, or its variables did not coerce. async-graphql answers those with
/// `data: null` and errors without a `path`; an error raised while executing
/// always has the path of its field.
pub(super) fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// An error response with `status`, in the shape of a GraphQL response.
pub(super) fn error_response(status: actix_web::http::StatusCode, err: &ApiError) -> HttpResponse {
    json(status, &error_body(err))
}

/// A GraphQL response holding `err` alone, with its `extensions.code`.
pub(super) fn error_body(err: &ApiError) -> async_graphql::Response {
    let mut error = ServerError::new(err.to_string(), None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", Value::from(err.code()));
    if let ApiError::Validation { field, .. } = err {
        ext.set("field", Value::from(field.as_str()));
    }
    error.extensions = Some(ext);
    async_graphql::Response::from_errors(vec![error])
}

/// `response` as JSON, never cached.
pub(super) fn json(
    status: actix_web::http::StatusCode,
    response: &async_graphql::Response,
) -> HttpResponse {
    typed(status, response, ResponseType::Json)
}

/// `response` as `kind`, never cached. A request error of
/// `application/graphql-response+json` (the operation was not executed) has
/// no `data` entry, as the GraphQL over HTTP specification says; the GraphQL
/// specification (§7.1.2) leaves `data` out in that case too, but answers in
/// `application/json` keep their `"data": null` for today's clients.
pub(super) fn typed(
    status: actix_web::http::StatusCode,
    response: &async_graphql::Response,
    kind: ResponseType,
) -> HttpResponse {
    let body = if kind == ResponseType::GraphqlResponse && is_request_error(response) {
        serde_json::to_value(response).and_then(|mut value| {
            if let serde_json::Value::Object(map) = &mut value {
                map.remove("data");
            }
            serde_json::to_vec(&value)
        })
    } else {
        serde_json::to_vec(response)
    };
    match body {
        Ok(body) => HttpResponse::build(status)
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .content_type(kind.content_type())
            .body(body),
        Err(err) => {
            tracing::error!(error = %err, "cannot serialise a GraphQL response");
            HttpResponse::InternalServerError().finish()
        }
    }
}
