//! `POST /graphql`: authenticate the bearer token, then run the operation.

use std::time::Instant;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::MultipartOptions;

use super::request::{bearer_token, read_bounded};
use super::response::{error_response, json};
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
