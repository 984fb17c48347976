//! Rendering a template or a free-form message for one candidate, without
//! sending or storing anything.

use sea_orm::ConnectionTrait;

use super::{find, load_context, sender_signature};
use crate::access::{Actor, Section};
use crate::error::{ApiError, ApiResult};
use crate::templates::{Compiled, RenderError, Rendered, TemplateError, choose_variant};

/// What to preview.
#[derive(Debug)]
pub enum PreviewSource {
    Template(i64),
    /// A free-form subject and HTML body, which may use every placeholder.
    Free {
        subject: String,
        body: String,
    },
}

/// A preview request, with IDs already decoded.
#[derive(Debug)]
pub struct PreviewRequest {
    pub source: PreviewSource,
    pub candidate_id: i64,
    pub application_id: Option<i64>,
    pub interview_id: Option<i64>,
}

/// The message as the candidate would receive it.
#[derive(Debug)]
pub struct Preview {
    pub rendered: Rendered,
    /// The language of the variant used.
    pub language: String,
}

pub async fn preview(
    db: &impl ConnectionTrait,
    actor: &Actor,
    request: PreviewRequest,
) -> ApiResult<Preview> {
    if request.interview_id.is_some() && !actor.can(Section::Interviews) {
        return Err(ApiError::forbidden(
            "access to the INTERVIEWS section is required to fill in an interview",
        ));
    }
    let context = load_context(
        db,
        actor,
        request.candidate_id,
        request.application_id,
        request.interview_id,
    )
    .await?;
    let (compiled, language) = match request.source {
        PreviewSource::Template(id) => {
            let template = find(db, actor, id).await?;
            let variant = choose_variant(
                &template.variants,
                |v| v.language.as_str(),
                context.candidate.preferred_language.as_deref(),
                &context.company.default_language,
            )
            .ok_or(ApiError::NotFound("email template variant"))?;
            let compiled = Compiled::new(
                &variant.subject,
                &variant.body,
                template.row.interview_related,
            )
            .map_err(|e| stored_template_error(id, e))?;
            (compiled, variant.language.clone())
        }
        PreviewSource::Free { subject, body } => {
            let compiled =
                Compiled::new(&subject, &body, true).map_err(|e| ApiError::template("", e))?;
            (compiled, context.language().to_owned())
        }
    };
    let values = context.values_now(&language);
    let signature = sender_signature(&context.sender);
    let rendered = compiled
        .render(&values, signature.as_ref())
        .map_err(|e| match e {
            RenderError::TooLarge(_) => ApiError::PayloadTooLarge(e.to_string()),
            RenderError::Engine(_) => ApiError::Internal(e.into()),
        })?;
    Ok(Preview { rendered, language })
}

/// A stored template that no longer compiles (the rules changed since it was
/// saved) is reported on the input that named it.
fn stored_template_error(id: i64, error: TemplateError) -> ApiError {
    ApiError::validation(
        "templateId",
        format!("the stored template {id} must be corrected before use: {error}"),
    )
}
