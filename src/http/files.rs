//! `GET /files/{document}?…`: a document's bytes, for a browser tab opened
//! from a signed link (see [`crate::documents::links`]); no bearer header.
//!
//! The body is streamed from the blob store. Single byte ranges are served
//! as RFC 9110 §14 describes (206 with `Content-Range`, 416 when the range
//! starts beyond the end); a request for several ranges gets the whole file
//! with 200, which RFC 9110 §14.2 allows (a server may ignore `Range`), and
//! which keeps a thousand-part request from costing a thousand reads.
//! Every refusal is the same 403, whatever its reason. Behind nginx the
//! bytes can be left to it (`RECRUITMAIL_FILES_ACCEL_REDIRECT`, see
//! [`ACCEL_REDIRECT`]): this endpoint then only decides.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ByteRangeSpec, Range};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::ID;

use super::response::error_response;
use crate::app::AppState;
use crate::documents::links::{self, Disposition, Signer};
use crate::documents::opening::{self, Opened};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};

/// Every answer carries these: the file is never sniffed into another type,
/// never runs scripts or plugins in our origin (`sandbox`, CSP Level 3), is
/// kept in no shared cache, and its signed URL is not sent on as a referrer.
fn hardened(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut builder = HttpResponse::build(status);
    builder
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox"))
        .insert_header((header::CACHE_CONTROL, "private"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    builder
}

/// nginx's internal redirect: with `RECRUITMAIL_FILES_ACCEL_REDIRECT` set,
/// the link is checked here and nginx sends the blob from its `internal`
/// location, with `sendfile` and its own `Range` handling, so the bytes
/// never pass through this process. nginx keeps `Content-Type` and
/// `Content-Disposition` of this answer; the other hardening headers are
/// sent too, for the location to copy (`$upstream_http_…`).
const ACCEL_REDIRECT: &str = "x-accel-redirect";

pub(super) fn refused() -> HttpResponse {
    let mut response = error_response(
        StatusCode::FORBIDDEN,
        &ApiError::forbidden("this link is not valid, or no longer"),
    );
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static("sandbox"),
    );
    response
}

pub async fn serve(
    state: web::Data<AppState>,
    req: HttpRequest,
    document: web::Path<String>,
) -> HttpResponse {
    let Ok(document_id) = decode(&ID(document.into_inner()), Kind::Document, "document") else {
        return refused();
    };
    let Ok(presented) = links::parse(document_id, req.query_string()) else {
        return refused();
    };
    let signer = Signer::new(&state.settings.secret_key);
    let opened = match opening::open(&state.db, &signer, &presented, chrono::Utc::now()).await {
        Ok(Some(opened)) => opened,
        Ok(None) => return refused(),
        Err(err) => {
            tracing::error!(error = ?err, "a document link could not be checked");
            return error_response(StatusCode::SERVICE_UNAVAILABLE, &err);
        }
    };
    respond(&state, &req, opened).await
}

/// What part of the file a request asks for.
#[derive(Debug, PartialEq, Eq)]
enum Wanted {
    Whole,
    /// Bytes `first..=last`.
    Part(u64, u64),
    Unsatisfiable,
}

/// Reads `Range` (and `If-Range`) against a file of `size` bytes with
/// `etag`. A malformed header, another unit, several ranges, or an
/// `If-Range` naming another version all mean the whole file (RFC 9110
/// §13.1.5, §14.2).
fn wanted(req: &HttpRequest, size: u64, etag: &str) -> Wanted {
    let Some(raw) = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Wanted::Whole;
    };
    if let Some(if_range) = req.headers().get(header::IF_RANGE)
        && if_range.as_bytes() != etag.as_bytes()
    {
        return Wanted::Whole;
    }
    let Ok(Range::Bytes(specs)) = raw.parse::<Range>() else {
        return Wanted::Whole;
    };
    match specs.as_slice() {
        [one] => single(one, size),
        _ => Wanted::Whole,
    }
}

fn single(spec: &ByteRangeSpec, size: u64) -> Wanted {
    match spec.to_satisfiable_range(size) {
        Some((first, last)) => Wanted::Part(first, last),
        None => Wanted::Unsatisfiable,
    }
}

async fn respond(state: &AppState, req: &HttpRequest, opened: Opened) -> HttpResponse {
    let Opened {
        document,
        disposition,
    } = opened;
    // The content is addressed by its digest, so the digest is a strong
    // validator (RFC 9110 §8.8.3).
    let file = Served {
        blob_key: &document.blob_key,
        size: u64::try_from(document.size_bytes).unwrap_or_default(),
        etag: format!("\"{}\"", document.sha256),
        content_type: &document.content_type,
        file_name: &document.file_name,
        disposition,
    };
    serve_blob(state, req, file).await
}

/// A stored file to send, with what its headers say.
pub(super) struct Served<'a> {
    pub blob_key: &'a str,
    pub size: u64,
    /// A strong validator (RFC 9110 §8.8.3), quoted: it must change
    /// whenever the content under `blob_key` does.
    pub etag: String,
    pub content_type: &'a str,
    pub file_name: &'a str,
    pub disposition: Disposition,
}

/// Streams `file` from the blob store, whole or the single range asked
/// for, with the hardened headers; for every endpoint that serves stored
/// files through a signed link.
pub(super) async fn serve_blob(
    state: &AppState,
    req: &HttpRequest,
    file: Served<'_>,
) -> HttpResponse {
    let Served {
        blob_key,
        size,
        etag,
        content_type,
        file_name,
        disposition,
    } = file;
    let media = opening::media_type(content_type);
    let disposition = opening::content_disposition(file_name, disposition, &media);
    if let Some(prefix) = &state.settings.files_accel_redirect {
        return hardened(StatusCode::OK)
            .insert_header((header::CONTENT_TYPE, media.to_string()))
            .insert_header(disposition)
            .insert_header((ACCEL_REDIRECT, format!("{prefix}{blob_key}")))
            .finish();
    }
    let (status, range) = match wanted(req, size, &etag) {
        Wanted::Whole => (StatusCode::OK, None),
        Wanted::Part(first, last) => (StatusCode::PARTIAL_CONTENT, Some((first, last))),
        Wanted::Unsatisfiable => {
            return hardened(StatusCode::RANGE_NOT_SATISFIABLE)
                .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                .insert_header((header::ACCEPT_RANGES, "bytes"))
                .finish();
        }
    };
    let stream = match state
        .mail
        .blobs
        .stream(blob_key, range.map(|(first, last)| first..last + 1))
        .await
    {
        Ok(stream) => stream,
        Err(err) => {
            tracing::error!(error = ?err, blob = blob_key, "a stored file's content cannot be read");
            return error_response(StatusCode::SERVICE_UNAVAILABLE, &ApiError::Internal(err));
        }
    };
    let mut builder = hardened(status);
    builder
        .insert_header((header::CONTENT_TYPE, media.to_string()))
        .insert_header(disposition)
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::ETAG, etag));
    let length = match range {
        Some((first, last)) => {
            builder.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {first}-{last}/{size}"),
            ));
            last - first + 1
        }
        None => size,
    };
    builder.no_chunking(length).streaming(stream)
}
