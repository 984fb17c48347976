//! Media types of `POST /graphql`, as the GraphQL over HTTP specification
//! (graphql.github.io/graphql-over-http) sets them: which bodies a request may
//! carry, and which of the two response types a client asked for.

use actix_web::HttpRequest;
use actix_web::http::header;

/// The type of a GraphQL response over HTTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ResponseType {
    /// `application/json`: every answer the server could form is 200, errors
    /// in the body; what clients have always received, and the default.
    Json,
    /// `application/graphql-response+json`: the status says whether the
    /// operation was executed: 400 for a request that could not be (bad JSON,
    /// a document that does not parse or validate, variables that do not
    /// coerce), without a `data` entry.
    GraphqlResponse,
}

impl ResponseType {
    pub(super) const GRAPHQL_RESPONSE: &'static str = "application/graphql-response+json";

    /// The `Content-Type` of an answer of this type.
    pub(super) fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
        }
    }
}

/// The response type the `Accept` header prefers (RFC 9110 §12.5.1): the
/// acceptable one of highest `q`, `application/graphql-response+json` on a tie
/// (the specification's recommendation). No header means `application/json`,
/// as clients written before the new type expect. `None` when the header
/// accepts neither; the caller answers 406.
pub(super) fn response_type(req: &HttpRequest) -> Option<ResponseType> {
    let headers: Vec<&str> = req
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .collect();
    if headers.is_empty() {
        return Some(ResponseType::Json);
    }
    let mut graphql_response: f32 = 0.0;
    let mut json: f32 = 0.0;
    for range in headers.iter().flat_map(|h| h.split(',')) {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let mut q = Some(1.0);
        for param in parts {
            if let Some((name, value)) = param.split_once('=')
                && name.trim().eq_ignore_ascii_case("q")
            {
                q = value
                    .trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q));
            }
        }
        // A malformed weight makes the range unusable rather than preferred.
        let Some(q) = q else { continue };
        match media.as_str() {
            ResponseType::GRAPHQL_RESPONSE => graphql_response = graphql_response.max(q),
            "application/json" | "application/*" | "*/*" => json = json.max(q),
            _ => {}
        }
    }
    if graphql_response > 0.0 && graphql_response >= json {
        Some(ResponseType::GraphqlResponse)
    } else if json > 0.0 {
        Some(ResponseType::Json)
    } else {
        None
    }
}

/// What a `POST /graphql` body is, from its `Content-Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RequestBody {
    /// `application/json`, in UTF-8 (RFC 8259 §8.1: the only encoding of
    /// JSON between systems; a declared `charset` must say so).
    Json,
    /// `multipart/form-data`: the GraphQL multipart request of uploads.
    Multipart,
}

/// The kind of body `content_type` announces, or `None` for a missing or
/// unsupported type (answered with 415: the GraphQL over HTTP specification
/// wants a 4xx for a POST without a JSON type, and a body of unknown type
/// must not be guessed at).
pub(super) fn request_body(content_type: Option<&str>) -> Option<RequestBody> {
    let mut parts = content_type?.split(';').map(str::trim);
    let media = parts.next()?.to_ascii_lowercase();
    match media.as_str() {
        "application/json" => {
            let utf8 = parts.all(|param| match param.split_once('=') {
                Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
                    value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
                }
                _ => true,
            });
            utf8.then_some(RequestBody::Json)
        }
        "multipart/form-data" => Some(RequestBody::Multipart),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn accept(values: &[&str]) -> Option<ResponseType> {
        let mut request = TestRequest::default();
        for value in values {
            request = request.append_header((header::ACCEPT, *value));
        }
        response_type(&request.to_http_request())
    }

    #[test]
    fn accept_chooses_the_preferred_type() {
        use ResponseType::*;
        assert_eq!(accept(&[]), Some(Json));
        assert_eq!(accept(&["*/*"]), Some(Json));
        assert_eq!(accept(&["application/json"]), Some(Json));
        assert_eq!(
            accept(&["application/graphql-response+json"]),
            Some(GraphqlResponse)
        );
        assert_eq!(
            accept(&["application/json, application/graphql-response+json"]),
            Some(GraphqlResponse)
        );
        assert_eq!(
            accept(&["application/graphql-response+json;q=0.5, application/json"]),
            Some(Json)
        );
        assert_eq!(
            accept(&[
                "application/json;q=0.9",
                "Application/GraphQL-Response+JSON"
            ]),
            Some(GraphqlResponse)
        );
        assert_eq!(accept(&["text/html"]), None);
        assert_eq!(accept(&["application/json;q=0"]), None);
        assert_eq!(accept(&["application/json;q=nope"]), None);
    }

    #[test]
    fn request_bodies_are_json_in_utf8_or_multipart() {
        use RequestBody::*;
        assert_eq!(request_body(Some("application/json")), Some(Json));
        assert_eq!(
            request_body(Some("application/json; charset=UTF-8")),
            Some(Json)
        );
        assert_eq!(
            request_body(Some("multipart/form-data; boundary=x")),
            Some(Multipart)
        );
        assert_eq!(request_body(None), None);
        assert_eq!(request_body(Some("text/plain")), None);
        assert_eq!(request_body(Some("application/graphql")), None);
        assert_eq!(request_body(Some("application/json; charset=latin1")), None);
    }
}
