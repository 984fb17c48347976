//! `POST /graphql`: read the request, authenticate the bearer token, run the
//! operation, and answer in the media type the client accepts.

use std::time::Instant;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::MultipartOptions;

use super::negotiate::{self, RequestBody, ResponseType};
use super::request::{bearer_token, read_bounded};
use super::response::{error_body, is_request_error, typed};
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

/// Runs one GraphQL operation posted as JSON or as a multipart upload.
///
/// Status codes follow the GraphQL over HTTP specification for the response
/// type the client accepts: `application/json` answers 200 to every request
/// it could read (errors in the body, as it always has), while
/// `application/graphql-response+json` answers 400 to a request that was not
/// executed and 401 to an unknown token. Bodies that cannot be read are 400,
/// 413 or 415 in both.
pub async fn execute(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let Some(kind) = negotiate::response_type(&req) else {
        return typed(
            StatusCode::NOT_ACCEPTABLE,
            &error_body(&ApiError::validation(
                "Accept",
                format!(
                    "this endpoint answers in application/json or {}",
                    ResponseType::GRAPHQL_RESPONSE
                ),
            )),
            ResponseType::Json,
        );
    };
    let refuse = |status: StatusCode, err: ApiError| typed(status, &error_body(&err), kind);
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Some(body_type) = negotiate::request_body(content_type.as_deref()) else {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::validation(
                "Content-Type",
                "a GraphQL request is posted as application/json (UTF-8), or as multipart/form-data to upload files",
            ),
        );
    };
    let max_file = state.settings.max_attachment_bytes;
    let limit = match body_type {
        RequestBody::Multipart => max_file + MULTIPART_OVERHEAD_BYTES,
        RequestBody::Json => MAX_JSON_BYTES,
    };
    let body = match read_bounded(&req, payload, limit).await {
        Ok(body) => body,
        Err((status, err)) => return refuse(status, err),
    };
    let options = MultipartOptions::default()
        .max_file_size(max_file)
        .max_num_files(20);
    let mut request =
        match async_graphql::http::receive_body(content_type, &body[..], options).await {
            Ok(request) => request,
            Err(async_graphql::ParseRequestError::PayloadTooLarge) => {
                return refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ApiError::PayloadTooLarge(format!(
                        "an uploaded file is larger than {max_file} bytes"
                    )),
                );
            }
            Err(err) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    ApiError::validation("body", format!("not a GraphQL request: {err}")),
                );
            }
        };
    // GraphQL over HTTP, §Request Parameters: `query` is required. A body
    // without one is not a GraphQL request, like a body that is not JSON.
    if request.query.trim().is_empty() {
        return refuse(
            StatusCode::BAD_REQUEST,
            ApiError::validation("query", "the request has no query"),
        );
    }
    if let Some(peer) = req.peer_addr() {
        request = request.data(crate::intake::ClientAddress(peer.ip()));
    }
    // RFC 6750 §3.1: an unknown token is 401 — where the status speaks.
    let unauthenticated = |err: ApiError| match kind {
        ResponseType::Json => refuse(StatusCode::OK, err),
        ResponseType::GraphqlResponse => {
            let mut response = refuse(StatusCode::UNAUTHORIZED, err);
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
            response
        }
    };
    match bearer_token(&req) {
        Ok(None) => {}
        Ok(Some(token)) => match authenticate(&state.db, &state.actors, token).await {
            Ok(actor) => request = request.data(actor),
            Err(err) => return unauthenticated(err),
        },
        Err(err) => return unauthenticated(err),
    }
    let started = Instant::now();
    let operation = errors::operation_name(&request).map(str::to_owned);
    let response = errors::execute(&state.schema, request).await;
    state
        .metrics
        .observe_operation(operation.as_deref(), response.is_err(), started.elapsed());
    let status = if kind == ResponseType::GraphqlResponse && is_request_error(&response) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    typed(status, &response, kind)
}

/// `GET /graphql`: a WebSocket for subscriptions when the GET asks to be
/// upgraded (see [`super::subscriptions`]), else the playground for a
/// browser. A GET that carries a
/// `query` parameter from anything but a browser page load is a GraphQL
/// request over GET, which this server does not execute (the GraphQL over
/// HTTP specification makes GET optional, and a GET must never run a
/// mutation): it gets 405 with `Allow: POST` (RFC 9110 §15.5.6) rather than
/// a page of HTML it cannot read.
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    if super::subscriptions::is_upgrade(&req) {
        return super::subscriptions::serve(state, req, payload).await;
    }
    let wants_page = req
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("text/html"));
    let has_query =
        web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
            .is_ok_and(|params| params.contains_key("query"));
    if has_query && !wants_page {
        let kind = negotiate::response_type(&req).unwrap_or(ResponseType::Json);
        let mut response = typed(
            StatusCode::METHOD_NOT_ALLOWED,
            &error_body(&ApiError::validation(
                "method",
                "GraphQL requests are posted: POST /graphql with a JSON body",
            )),
            kind,
        );
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return Ok(response);
    }
    Ok(super::graphiql::page().await)
}
