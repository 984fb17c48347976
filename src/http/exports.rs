//! `GET /exports/{export}?…`: a candidate export's archive, for a browser
//! tab or a download manager holding a signed link (see
//! [`crate::candidate_export::links`]); no bearer header.
//!
//! Served as documents are ([`super::files`]): streamed from the blob
//! store, single byte ranges honoured, every refusal the same 403. A
//! download is recorded in the audit trail when a request starts at the
//! first byte; the further ranges a resumed download asks for are not
//! recorded again.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::ID;

use super::files::{Served, refused, serve_blob};
use super::response::error_response;
use crate::app::AppState;
use crate::candidate_export::{self as export, links};
use crate::documents::links::{Disposition, parse};
use crate::graphql::ids::{Kind, decode};

pub async fn serve(
    state: web::Data<AppState>,
    req: HttpRequest,
    export_id: web::Path<String>,
) -> HttpResponse {
    let Ok(id) = decode(&ID(export_id.into_inner()), Kind::CandidateExport, "export") else {
        return refused();
    };
    let Ok(presented) = parse(id, req.query_string()) else {
        return refused();
    };
    let signer = links::signer(&state.settings.secret_key);
    let now = chrono::Utc::now();
    let (actor, row) = match links::open(&state.db, &signer, &presented, now).await {
        Ok(Some(opened)) => opened,
        Ok(None) => return refused(),
        Err(err) => {
            tracing::error!(error = ?err, "an export link could not be checked");
            return error_response(StatusCode::SERVICE_UNAVAILABLE, &err);
        }
    };
    let (Some(blob_key), Some(size)) = (row.blob_key.as_deref(), row.size_bytes) else {
        return refused();
    };
    if starts_at_first_byte(&req)
        && let Err(err) = export::record_download(&state.db, &actor, &row, now).await
    {
        tracing::error!(error = ?err, export = row.id, "an export's download could not be recorded");
        return error_response(StatusCode::SERVICE_UNAVAILABLE, &err);
    }
    let file_name = format!("candidate-export-{}.zip", row.id);
    let file = Served {
        blob_key,
        size: u64::try_from(size).unwrap_or_default(),
        // Each archive has a key of its own and is never rewritten.
        etag: format!("\"{blob_key}\""),
        content_type: "application/zip",
        file_name: &file_name,
        disposition: Disposition::Attachment,
    };
    serve_blob(&state, &req, file).await
}

/// Whether the request is for the whole file or a range from byte 0.
fn starts_at_first_byte(req: &HttpRequest) -> bool {
    match req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    {
        None => true,
        Some(range) => range
            .trim()
            .strip_prefix("bytes=")
            .is_none_or(|specs| specs.trim_start().starts_with("0-")),
    }
}
