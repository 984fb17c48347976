//! Global object IDs (Relay): an opaque string naming the type and the row.
//!
//! `Candidate:42` encoded as unpadded URL-safe base64. Decoding checks the type,
//! so a Position ID passed where a Candidate is expected is a `VALIDATION` error,
//! not a lookup of candidate 42.

use async_graphql::ID;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{ApiError, ApiResult};

/// The object types that have global IDs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Company,
    Subsidiary,
    Category,
    Position,
    Candidate,
    Application,
    User,
    RecruitingRole,
    DocumentCategory,
    ApiToken,
    EmailTemplate,
    Document,
    Interview,
    Message,
    EmailBatch,
    WebhookEndpoint,
    WebhookDelivery,
    ExternalCalendar,
    CandidateExport,
    PrivacyRequest,
}

impl Kind {
    const ALL: [Kind; 20] = [
        Kind::Company,
        Kind::Subsidiary,
        Kind::Category,
        Kind::Position,
        Kind::Candidate,
        Kind::Application,
        Kind::User,
        Kind::RecruitingRole,
        Kind::DocumentCategory,
        Kind::ApiToken,
        Kind::EmailTemplate,
        Kind::Document,
        Kind::Interview,
        Kind::Message,
        Kind::EmailBatch,
        Kind::WebhookEndpoint,
        Kind::WebhookDelivery,
        Kind::ExternalCalendar,
        Kind::CandidateExport,
        Kind::PrivacyRequest,
    ];

    /// The GraphQL type name, which is also the ID's prefix.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Company => "Company",
            Kind::Subsidiary => "Subsidiary",
            Kind::Category => "Category",
            Kind::Position => "Position",
            Kind::Candidate => "Candidate",
            Kind::Application => "Application",
            Kind::User => "User",
            Kind::RecruitingRole => "RecruitingRole",
            Kind::DocumentCategory => "DocumentCategory",
            Kind::ApiToken => "ApiToken",
            Kind::EmailTemplate => "EmailTemplate",
            Kind::Document => "Document",
            Kind::Interview => "Interview",
            Kind::Message => "Message",
            Kind::EmailBatch => "EmailBatch",
            Kind::WebhookEndpoint => "WebhookEndpoint",
            Kind::WebhookDelivery => "WebhookDelivery",
            Kind::ExternalCalendar => "ExternalCalendar",
            Kind::CandidateExport => "CandidateExport",
            Kind::PrivacyRequest => "PrivacyRequest",
        }
    }

    /// The kind whose GraphQL type is called `name`.
    pub fn named(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn id(self, row: i64) -> ID {
        ID(URL_SAFE_NO_PAD.encode(format!("{}:{row}", self.name())))
    }
}

/// Decodes any global ID into its kind and row.
pub fn decode_any(id: &ID, field: &str) -> ApiResult<(Kind, i64)> {
    let bad = || ApiError::validation(field, format!("`{}` is not a valid ID", shorten(id)));
    let bytes = URL_SAFE_NO_PAD.decode(id.as_bytes()).map_err(|_| bad())?;
    let text = std::str::from_utf8(&bytes).map_err(|_| bad())?;
    let (name, row) = text.split_once(':').ok_or_else(bad)?;
    let kind = Kind::named(name).ok_or_else(bad)?;
    let row = row.parse::<i64>().ok().filter(|r| *r > 0).ok_or_else(bad)?;
    Ok((kind, row))
}

/// Decodes a global ID that must be of `kind`.
pub fn decode(id: &ID, kind: Kind, field: &str) -> ApiResult<i64> {
    let (found, row) = decode_any(id, field)?;
    if found != kind {
        return Err(ApiError::validation(
            field,
            format!("expected a {} ID, got a {} ID", kind.name(), found.name()),
        ));
    }
    Ok(row)
}

/// Most IDs one list argument may carry.
pub const MAX_IDS: usize = 100;

/// Decodes a list of IDs of one kind, naming the position of a bad one.
pub fn decode_all(ids: &[ID], kind: Kind, field: &str) -> ApiResult<Vec<i64>> {
    decode_up_to(ids, kind, field, MAX_IDS)
}

/// [`decode_all`] for the few lists that may be longer (a bulk send's recipients).
pub fn decode_up_to(ids: &[ID], kind: Kind, field: &str, max: usize) -> ApiResult<Vec<i64>> {
    if ids.len() > max {
        return Err(ApiError::validation(
            field,
            format!("at most {max} IDs are accepted"),
        ));
    }
    ids.iter()
        .enumerate()
        .map(|(i, id)| decode(id, kind, &format!("{field}.{i}")))
        .collect()
}

fn shorten(id: &ID) -> String {
    id.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_check_their_type() {
        let id = Kind::Candidate.id(42);
        assert_eq!(decode(&id, Kind::Candidate, "id").unwrap(), 42);
        let err = decode(&id, Kind::Position, "positionId").unwrap_err();
        assert_eq!(err.code(), "VALIDATION");
        assert!(err.to_string().contains("expected a Position ID"));
        for bad in ["", "xyz", "Q2FuZGlkYXRlOg", "Q2FuZGlkYXRlOi0x"] {
            assert!(decode_any(&ID(bad.into()), "id").is_err(), "{bad}");
        }
    }
}
