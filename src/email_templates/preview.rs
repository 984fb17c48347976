//! Rendering a template or a free-form message for one candidate, without
//! sending or storing anything.

use sea_orm::ConnectionTrait;

use super::{Content, find, load_context, render_error, sender_signature};
use crate::access::{Actor, Section};
use crate::error::{ApiError, ApiResult};
use crate::mail::outbox::Addressee;
use crate::settings::Settings;
use crate::templates::Rendered;

/// A preview request, with IDs already decoded.
#[derive(Debug)]
pub struct PreviewRequest {
    pub content: Content,
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
    /// The address the message would be sent from, so the sender sees it
    /// before sending: an interview's organizer once its first invitation
    /// fixed it, else the subsidiary's or the company's sending address.
    pub from: Addressee,
}

pub async fn preview(
    db: &impl ConnectionTrait,
    actor: &Actor,
    settings: &Settings,
    request: PreviewRequest,
) -> ApiResult<Preview> {
    if request.interview_id.is_some() && !actor.can(Section::Interviews) {
        return Err(ApiError::forbidden(
            "access to the INTERVIEWS section is required to fill in an interview",
        ));
    }
    // Without MESSAGES, a user writes to candidates only by inviting them to
    // an interview, so that is all they may preview: a template their scope
    // shows (the interview-related ones) even before an interview is
    // chosen, its interview placeholders then reported missing; free text
    // only for an interview.
    let invitation_template = matches!(request.content, Content::Template(_));
    if request.interview_id.is_none() && !invitation_template && !actor.can(Section::Messages) {
        return Err(ApiError::forbidden(
            "access to the MESSAGES section is required to preview a message \
             that is not an interview invitation",
        ));
    }
    let mut context = load_context(
        db,
        actor,
        request.candidate_id,
        request.application_id,
        request.interview_id,
    )
    .await?;
    crate::scheduling::links::fill_urls(
        db,
        settings,
        std::slice::from_mut(&mut context),
        chrono::Utc::now(),
    )
    .await?;
    crate::privacy::links::fill_urls(settings, std::slice::from_mut(&mut context));
    let (compiled, language) = match request.content {
        Content::Template(id) => {
            let template = find(db, actor, id).await?;
            let variant = template.variant_for(&context)?;
            (template.compile(variant)?, variant.language.clone())
        }
        Content::Free { subject, body } => (
            Content::compile_free(&subject, &body)?,
            context.language().to_owned(),
        ),
    };
    let values = context.values_now(&language);
    let signature = sender_signature(&context.sender);
    let rendered = compiled
        .render(&values, signature.as_ref())
        .map_err(render_error)?;
    let organizer = context.interview.as_ref().and_then(|i| {
        Some(Addressee {
            address: i.organizer_address.clone()?,
            name: i.organizer_name.clone(),
        })
    });
    let from = organizer.unwrap_or_else(|| {
        crate::mail::send::sender_address(&context.company, context.subsidiary.as_deref(), settings)
    });
    Ok(Preview {
        rendered,
        language,
        from,
    })
}
