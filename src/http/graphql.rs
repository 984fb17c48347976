//! `POST /graphql`: authenticate the bearer token, then run the operation.

use std::time::Instant;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::MultipartOptions;
use async_graphql::{ErrorExtensionValues, ServerError, Value};
use futures_util::StreamExt as _;

use crate::access::authenticate;
use crate::app::AppState;
use crate::error::ApiError;
use crate::graphql::errors;

/// Largest JSON body: generous for any query with variables, small enough that
/// a flood of huge bodies cannot exhaust memory.
const MAX_JSON_BYTES: usize = 1024 * 1024;
/// Room in a multipart body (uploads) for the form beside the file, whose own
/// limit is `RECRUITMAIL_MAX_ATTACHMENT_BYTES`.
const MULTIPART_OVERHEAD_BYTES: usize = 1024 * 1024;

pub async fn execute(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let multipart = content_type
        .as_deref()
        .is_some_and(|ct| ct.starts_with("multipart/"));
    let max_file = state.settings.max_attachment_bytes;
    let limit = if multipart {
        max_file + MULTIPART_OVERHEAD_BYTES
    } else {
        MAX_JSON_BYTES
    };
    let body = match read_bounded(&req, payload, limit).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let options = MultipartOptions::default()
        .max_file_size(max_file)
        .max_num_files(20);
    let mut request =
        match async_graphql::http::receive_body(content_type, &body[..], options).await {
            Ok(request) => request,
            Err(async_graphql::ParseRequestError::PayloadTooLarge) => {
                return error_response(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &ApiError::PayloadTooLarge(format!(
                        "an uploaded file is larger than {max_file} bytes"
                    )),
                );
            }
            Err(err) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    &ApiError::validation("body", format!("not a GraphQL request: {err}")),
                );
            }
        };
    if let Some(peer) = req.peer_addr() {
        request = request.data(crate::intake::ClientAddress(peer.ip()));
    }
    match bearer_token(&req) {
        Ok(None) => {}
        Ok(Some(token)) => match authenticate(&state.db, &state.actors, token).await {
            Ok(actor) => request = request.data(actor),
            Err(err) => return error_response(StatusCode::OK, &err),
        },
        Err(err) => return error_response(StatusCode::OK, &err),
    }
    let started = Instant::now();
    let operation = errors::operation_name(&request).map(str::to_owned);
    let response = errors::execute(&state.schema, request).await;
    state
        .metrics
        .observe_operation(operation.as_deref(), response.is_err(), started.elapsed());
    json(StatusCode::OK, &response)
}

/// Reads the body, refusing it as soon as it is known to exceed `limit`: from
/// `Content-Length` before reading anything, or while streaming.
async fn read_bounded(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, HttpResponse> {
    let too_large = || {
        error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            &ApiError::PayloadTooLarge(format!("this request body is limited to {limit} bytes")),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(1024).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            error_response(
                StatusCode::BAD_REQUEST,
                &ApiError::validation("body", "the request body could not be read"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The token of an `Authorization: Bearer …` header (RFC 6750 §2.1), if any.
fn bearer_token(req: &HttpRequest) -> Result<Option<&str>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::Unauthenticated)?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Ok(Some(token.trim())),
        _ => Err(ApiError::Unauthenticated),
    }
}

fn error_response(status: actix_web::http::StatusCode, err: &ApiError) -> HttpResponse {
    let mut error = ServerError::new(err.to_string(), None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", Value::from(err.code()));
    if let ApiError::Validation { field, .. } = err {
        ext.set("field", Value::from(field.as_str()));
    }
    error.extensions = Some(ext);
    json(status, &async_graphql::Response::from_errors(vec![error]))
}

fn json(status: actix_web::http::StatusCode, response: &async_graphql::Response) -> HttpResponse {
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
