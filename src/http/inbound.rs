//! `POST /inbound/{company-slug}`: a raw RFC 5322 message, as the company's
//! mail server (or a forwarding service) hands it over, with the company's
//! inbound token as the bearer token.
//!
//! The HTTP status tells a forwarder what to do with the email: 200 filed
//! (or filed before), 4xx never worth retrying, 5xx try again later.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::Value;
use serde_json::json;

use super::request::{bearer_token, read_bounded};
use super::response::{error_response, json};
use crate::app::AppState;
use crate::error::ApiError;
use crate::graphql::ids::Kind;
use crate::inbound::{self, Outcome};

pub async fn receive(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let limit = inbound::max_message_bytes(&state.settings);
    let token = match bearer_token(&req) {
        Ok(Some(token)) => token,
        Ok(None) | Err(_) => return refused(&ApiError::Unauthenticated),
    };
    let company = match inbound::company_of(&state.db, &slug, token).await {
        Ok(company) => company,
        Err(err) => return refused(&err),
    };
    let body = match read_bounded(&req, payload, limit).await {
        Ok(body) => body,
        Err((status, err)) => return error_response(status, &err),
    };
    let outcome = inbound::receive(
        &state.db,
        &state.settings,
        &state.mail.blobs,
        &company,
        body,
        chrono::Utc::now(),
    )
    .await;
    match outcome {
        Ok(outcome) => {
            let data = Value::from_json(json!({ "inbound": describe(&outcome) }));
            match data {
                Ok(data) => json(StatusCode::OK, &async_graphql::Response::new(data)),
                Err(err) => refused(&ApiError::Internal(err.into())),
            }
        }
        Err(err) => refused(&err),
    }
}

/// The error with the status a forwarder acts on.
fn refused(err: &ApiError) -> HttpResponse {
    let status = match err {
        ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
        ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
        ApiError::NotFound(_) => StatusCode::NOT_FOUND,
        ApiError::Validation { .. } | ApiError::Template { .. } => StatusCode::BAD_REQUEST,
        ApiError::Conflict(_) | ApiError::DoNotContact(_) => StatusCode::CONFLICT,
        ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
        ApiError::Internal(inner) => {
            tracing::error!(error = %inner, "an inbound email could not be filed");
            StatusCode::SERVICE_UNAVAILABLE
        }
    };
    error_response(status, err)
}

/// The outcome with the global IDs the API uses for the same objects.
fn describe(outcome: &Outcome) -> serde_json::Value {
    match outcome {
        Outcome::Filed(filed) => {
            let outcome = match (filed.candidate_id, filed.machine_kind) {
                (Some(_), _) if filed.new_candidate => "NEW_CANDIDATE",
                (Some(_), _) => "FILED",
                (None, None) => "UNASSIGNED",
                (None, Some(kind)) if crate::inbound::is_report(kind) => "UNKNOWN_REPORT",
                (None, Some(_)) => "IGNORED",
            };
            json!({
                "outcome": outcome,
                "messageId": Kind::Message.id(filed.message_id).to_string(),
                "candidateId": filed.candidate_id.map(|id| Kind::Candidate.id(id).to_string()),
                "applicationId": filed.new_application_id.map(|id| Kind::Application.id(id).to_string()),
                "interviewId": filed.answered_interview_id.map(|id| Kind::Interview.id(id).to_string()),
                "machineKind": filed.machine_kind.map(|kind| sea_orm::ActiveEnum::to_value(&kind)),
            })
        }
        Outcome::Duplicate { message_id } => json!({
            "outcome": "DUPLICATE",
            "messageId": Kind::Message.id(*message_id).to_string(),
        }),
        Outcome::Report {
            message_id,
            bounced,
        } => json!({
            "outcome": if *bounced { "BOUNCED" } else { "REPORT" },
            "messageId": Kind::Message.id(*message_id).to_string(),
        }),
        Outcome::Complaint {
            message_id,
            candidate_id,
        } => json!({
            "outcome": "COMPLAINT",
            "messageId": Kind::Message.id(*message_id).to_string(),
            "candidateId": Kind::Candidate.id(*candidate_id).to_string(),
        }),
        Outcome::OwnMessage { message_id } => json!({
            "outcome": "OWN_MESSAGE",
            "messageId": Kind::Message.id(*message_id).to_string(),
        }),
        Outcome::ParticipantAnswer {
            interview_id,
            recorded,
        } => json!({
            "outcome": "PARTICIPANT_ANSWER",
            "interviewId": Kind::Interview.id(*interview_id).to_string(),
            "recorded": recorded,
        }),
    }
}
