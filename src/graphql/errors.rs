//! Gives every error an `extensions.code` (SPEC §3) and times each operation.
//!
//! Resolver errors carry an [`ApiError`] as their source and take its code.
//! Errors the library raises before execution (syntax, unknown fields, depth or
//! complexity over the limit, values of the wrong type) are `VALIDATION`. Any
//! other error is `INTERNAL` with its message replaced, so no internal detail
//! reaches a client.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextRequest,
};
use async_graphql::{Response, ServerError, Value};

use crate::error::ApiError;
use crate::metrics::Metrics;

/// The extension factory.
pub struct ErrorCodes {
    pub metrics: Arc<Metrics>,
}

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension {
            metrics: self.metrics.clone(),
            operation: Mutex::new(None),
        })
    }
}

/// Made per request, so it can remember the operation's name.
struct ErrorCodesExtension {
    metrics: Arc<Metrics>,
    operation: Mutex<Option<String>>,
}

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            classify(error);
        }
        let operation = self.operation.lock().ok().and_then(|mut name| name.take());
        self.metrics
            .observe_operation(operation.as_deref(), response.is_err(), started.elapsed());
        response
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let (Some(name), Ok(mut slot)) = (operation_name, self.operation.lock()) {
            *slot = Some(name.to_owned());
        }
        next.run(ctx, operation_name).await
    }
}

fn classify(error: &mut ServerError) {
    if error
        .extensions
        .as_ref()
        .is_some_and(|ext| ext.get("code").is_some())
    {
        return;
    }
    let (code, field) = match error.source::<ApiError>() {
        Some(api) => {
            if let ApiError::Internal(cause) = api {
                tracing::error!(error = ?cause, path = ?error.path, "internal error");
            }
            let field = match api {
                ApiError::Validation { field, .. } => Some(field.clone()),
                _ => None,
            };
            (api.code(), field)
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
}
