//! Turning raw input values into domain types, naming the field on failure.

use async_graphql::MaybeUndefined;

use crate::error::{ApiError, ApiResult};

/// Parses `raw` with `parse`, reporting a failure as `VALIDATION` on `field`.
pub fn parse<T>(
    raw: &str,
    field: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> ApiResult<T> {
    parse(raw).map_err(|message| ApiError::validation(field, format!("{field}: {message}")))
}

/// An optional value: absent stays absent.
pub fn optional<T>(
    raw: Option<&str>,
    field: &str,
    parser: impl FnOnce(&str) -> Result<T, String>,
) -> ApiResult<Option<T>> {
    raw.map(|raw| parse(raw, field, parser)).transpose()
}

/// A list of email addresses; a bad one is named as `field.N`.
pub fn addresses(raw: &[String], field: &str) -> ApiResult<Vec<crate::domain::EmailAddress>> {
    raw.iter()
        .enumerate()
        .map(|(i, a)| {
            parse(
                a,
                &format!("{field}.{i}"),
                crate::domain::EmailAddress::parse,
            )
        })
        .collect()
}

/// An update of a nullable field: `None` leaves it, `Some(None)` clears it
/// (explicit `null`, or an empty string), `Some(Some(v))` sets it.
pub fn change<T>(
    raw: &MaybeUndefined<String>,
    field: &str,
    parser: impl FnOnce(&str) -> Result<T, String>,
) -> ApiResult<Option<Option<T>>> {
    match raw {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(v) if v.trim().is_empty() => Ok(Some(None)),
        MaybeUndefined::Value(v) => parse(v, field, parser).map(|v| Some(Some(v))),
    }
}

/// The content of a message input: a template ID, or a subject and a body.
pub fn content(
    template_id: Option<&async_graphql::ID>,
    subject: Option<String>,
    body: Option<String>,
) -> ApiResult<crate::email_templates::Content> {
    use crate::email_templates::Content;
    use crate::graphql::ids::{Kind, decode};
    match (template_id, subject, body) {
        (Some(id), None, None) => Ok(Content::Template(decode(
            id,
            Kind::EmailTemplate,
            "templateId",
        )?)),
        (None, Some(subject), Some(body)) => Ok(Content::Free { subject, body }),
        (None, Some(_), None) => Err(ApiError::validation(
            "body",
            "a free-form message needs a body",
        )),
        (None, None, Some(_)) => Err(ApiError::validation(
            "subject",
            "a free-form message needs a subject",
        )),
        _ => Err(ApiError::validation(
            "templateId",
            "give either templateId, or subject and body",
        )),
    }
}

/// An uploaded file (GraphQL multipart request): its name, declared type and
/// bytes. The multipart body is held in memory (async-graphql without its
/// `tempfile` feature), so the bytes are shared, not copied.
pub fn read_upload(
    ctx: &async_graphql::Context<'_>,
    upload: &async_graphql::Upload,
    field: &str,
) -> ApiResult<(String, Option<String>, bytes::Bytes)> {
    let value = upload
        .value(ctx)
        .map_err(|e| ApiError::validation(field, format!("{field}: {e}")))?;
    Ok((value.filename, value.content_type, value.content))
}
