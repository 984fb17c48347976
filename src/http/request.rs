//! Reading requests: bounded bodies and bearer tokens.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, web};
use futures_util::StreamExt as _;

use crate::error::ApiError;

/// Reads the body, refusing it as soon as it is known to exceed `limit`: from
/// `Content-Length` before reading anything, or while streaming. A refusal
/// comes with its status, for the caller to answer in its own media type.
pub(super) async fn read_bounded(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, (StatusCode, ApiError)> {
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::PayloadTooLarge(format!("this request body is limited to {limit} bytes")),
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
            (
                StatusCode::BAD_REQUEST,
                ApiError::validation("body", "the request body could not be read"),
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
pub(super) fn bearer_token(req: &HttpRequest) -> Result<Option<&str>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::Unauthenticated)?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Ok(Some(token.trim())),
        _ => Err(ApiError::Unauthenticated),
    }
}
