//! Gives every error an `extensions.code`, the contract integrators branch on.
//!
//! Resolver errors carry an [`ApiError`] as their source and take its code.
//! Errors the library raises before execution (syntax, unknown fields, depth or
//! complexity over the limit, values of the wrong type) are `VALIDATION`. Any
//! other error is `INTERNAL` with its message replaced, so no internal detail
//! reaches a client.

use async_graphql::{Request, Response, ServerError, Value};

use super::AppSchema;
use crate::error::ApiError;

/// Executes `request` and gives each error of the response its code.
///
/// This is done around execution rather than in a schema extension: with any
/// extension registered, async-graphql runs the extension chain for every
/// resolved field, which costs more than the classification itself.
pub async fn execute(schema: &AppSchema, mut request: Request) -> Response {
    super::introspection::accept_old_names(&mut request);
    if let Err(refused) = super::limits::check(&mut request) {
        let mut error = ServerError::new(refused.to_string(), None);
        error.source = Some(std::sync::Arc::new(refused));
        classify(&mut error);
        return Response::from_errors(vec![error]);
    }
    let mut response = schema.execute(request).await;
    for error in &mut response.errors {
        classify(error);
    }
    response
}

/// Runs `request` as a stream — a subscription's events, or the one result of
/// a query or mutation sent over a WebSocket — under the same limits as
/// [`execute`], giving each error of each response its code.
pub fn execute_stream(
    schema: &AppSchema,
    mut request: Request,
) -> futures_util::stream::BoxStream<'static, Response> {
    use futures_util::StreamExt as _;
    super::introspection::accept_old_names(&mut request);
    if let Err(refused) = super::limits::check(&mut request) {
        let mut error = ServerError::new(refused.to_string(), None);
        error.source = Some(std::sync::Arc::new(refused));
        classify(&mut error);
        return futures_util::stream::once(async move { Response::from_errors(vec![error]) })
            .boxed();
    }
    schema
        .execute_stream(request)
        .map(|mut response| {
            for error in &mut response.errors {
                classify(error);
            }
            response
        })
        .boxed()
}

/// The name of the operation a request runs, for metrics: the request's
/// `operationName`, or else the name of a document's leading operation.
pub fn operation_name(request: &Request) -> Option<&str> {
    if let Some(name) = request.operation_name.as_deref() {
        return Some(name);
    }
    let text = request
        .query
        .lines()
        .map(str::trim_start)
        .find(|line| !line.is_empty() && !line.starts_with('#'))?;
    let rest = text
        .strip_prefix("query")
        .or_else(|| text.strip_prefix("mutation"))?
        .trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

fn classify(error: &mut ServerError) {
    if error
        .extensions
        .as_ref()
        .is_some_and(|ext| ext.get("code").is_some())
    {
        return;
    }
    let mut template = None;
    let mut reason = None;
    let (code, field) = match error.source::<ApiError>() {
        Some(api) => {
            if let ApiError::Internal(cause) = api {
                tracing::error!(error = ?cause, path = ?error.path, "internal error");
            }
            if let ApiError::Template { error, .. } = api {
                template = Some(error.clone());
            }
            if let ApiError::DoNotContact(refusal) = api {
                reason = Some(refusal.reason_name());
            }
            (api.code(), api.field())
        }
        None if error.source.is_none() => ("VALIDATION", None),
        None => {
            tracing::error!(message = %error.message, path = ?error.path, "unclassified error");
            error.message = "internal error".into();
            ("INTERNAL", None)
        }
    };
    let ext = error.extensions.get_or_insert_with(Default::default);
    ext.set("code", Value::from(code));
    if let Some(field) = field {
        ext.set("field", Value::from(field));
    }
    if let Some(reason) = reason {
        ext.set("reason", Value::from(reason));
    }
    if let Some(template) = template {
        if let Some(name) = template.placeholder() {
            ext.set("placeholder", Value::from(name));
        }
        if let Some((line, column)) = template.position {
            ext.set("line", Value::from(line));
            ext.set("column", Value::from(column));
        }
        if !template.allowed().is_empty() {
            ext.set(
                "validPlaceholders",
                Value::List(template.allowed().iter().map(|n| Value::from(*n)).collect()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_come_from_the_request_or_the_document() {
        let named = Request::new("{ viewer { isAdmin } }").operation_name("Mine");
        assert_eq!(operation_name(&named), Some("Mine"));
        let document = Request::new("# comment\n  query Candidates($first: Int) { x }");
        assert_eq!(operation_name(&document), Some("Candidates"));
        assert_eq!(
            operation_name(&Request::new("mutation Add{ x }")),
            Some("Add")
        );
        assert_eq!(
            operation_name(&Request::new("{ viewer { isAdmin } }")),
            None
        );
        assert_eq!(operation_name(&Request::new("query { x }")), None);
    }
}
