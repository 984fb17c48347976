use async_graphql::{Context, ID, InputObject, Object};
use entity::email_template;
use sea_orm::{ColumnTrait as _, QueryFilter as _};

use crate::access::{ContextExt as _, Require};
use crate::email_templates::{self, PreviewRequest};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::input::content;
use crate::graphql::pagination::{Conn, Page, fetch_page};
use crate::graphql::state::{db, max_page_size, settings};
use crate::graphql::types::{EmailPreview, EmailTemplate, PlaceholderInfo};
use crate::templates::PLACEHOLDERS;

#[derive(Default)]
pub struct TemplatesQuery;

/// What to render: a stored template, or a free subject and body.
#[derive(InputObject)]
struct PreviewEmailInput {
    /// A stored template; or give `subject` and `body` instead.
    template_id: Option<ID>,
    /// A free-form subject (with placeholders), together with `body`.
    subject: Option<String>,
    /// A free-form HTML body (with placeholders), together with `subject`.
    body: Option<String>,
    candidate_id: ID,
    /// The application the message is about; by default the interview's, or
    /// the candidate's latest one.
    application_id: Option<ID>,
    /// Fills the interview placeholders.
    interview_id: Option<ID>,
}

/// Narrows `emailTemplates`.
#[derive(InputObject, Default)]
struct EmailTemplateFilter {
    /// Only the interview-related templates (those offered for invitations),
    /// or only the others.
    interview_related: Option<bool>,
}

#[Object]
impl TemplatesQuery {
    /// The email templates the caller may read, oldest first: all of them
    /// with the MESSAGES section, only the interview-related ones with the
    /// INTERVIEWS section alone (who find none with `interviewRelated: false`).
    #[graphql(guard = "Require::Templates")]
    async fn email_templates(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<EmailTemplateFilter>,
    ) -> Result<Conn<EmailTemplate>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let mut query = email_templates::visible(actor);
        if let Some(interview_related) = filter.unwrap_or_default().interview_related {
            query = query.filter(email_template::Column::InterviewRelated.eq(interview_related));
        }
        let rows = fetch_page(db, query, email_template::Column::Id, page).await?;
        let templates = email_templates::complete(db, rows.rows).await?;
        Ok(rows
            .shape
            .into_connection(templates.into_iter().map(EmailTemplate).collect()))
    }

    /// One email template the caller may read (see `emailTemplates`).
    #[graphql(guard = "Require::Templates")]
    async fn email_template(&self, ctx: &Context<'_>, id: ID) -> Result<EmailTemplate, ApiError> {
        let id = decode(&id, Kind::EmailTemplate, "id")?;
        Ok(EmailTemplate(
            email_templates::find(db(ctx)?, ctx.actor()?, id).await?,
        ))
    }

    /// Every placeholder templates may use, with a description and an example.
    #[graphql(guard = "Require::SignedIn")]
    async fn placeholders(&self) -> Vec<PlaceholderInfo> {
        PLACEHOLDERS.iter().map(PlaceholderInfo).collect()
    }

    /// Renders a template or a free-form message for one candidate as they
    /// would receive it, with the caller's signature. Nothing is sent or stored.
    /// A stored template must be one the caller may read. Without the
    /// MESSAGES section, only invitations: an interview template (with or
    /// without `interviewId`), or free text for an interview.
    #[graphql(guard = "Require::Templates")]
    async fn preview_email(
        &self,
        ctx: &Context<'_>,
        input: PreviewEmailInput,
    ) -> Result<EmailPreview, ApiError> {
        let content = content(input.template_id.as_ref(), input.subject, input.body)?;
        let request = PreviewRequest {
            content,
            candidate_id: decode(&input.candidate_id, Kind::Candidate, "candidateId")?,
            application_id: input
                .application_id
                .map(|id| decode(&id, Kind::Application, "applicationId"))
                .transpose()?,
            interview_id: input
                .interview_id
                .map(|id| decode(&id, Kind::Interview, "interviewId"))
                .transpose()?,
        };
        let preview =
            email_templates::preview(db(ctx)?, ctx.actor()?, settings(ctx)?, request).await?;
        Ok(EmailPreview(preview))
    }
}
