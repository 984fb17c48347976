use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use crate::access::{ContextExt as _, Require};
use crate::domain::{LanguageTag, Name};
use crate::email_templates::{self, NewTemplate, TemplateChange, VariantDraft};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode, decode_all};
use crate::graphql::input::{optional, parse};
use crate::graphql::state::{db, settings};
use crate::graphql::types::{EmailTemplate, User};
use crate::{people, starter};

#[derive(Default)]
pub struct TemplatesMutation;

/// The subject and body in one more language.
#[derive(InputObject)]
struct EmailTemplateTranslationInput {
    /// BCP 47 tag, e.g. `de` or `en-GB`.
    language: String,
    /// Plain text with placeholders.
    subject: String,
    /// HTML with placeholders.
    body: String,
}

#[derive(InputObject)]
struct CreateEmailTemplateInput {
    name: String,
    /// Allows the interview placeholders.
    #[graphql(default)]
    interview_related: bool,
    /// BCP 47 tag of `subject` and `body`; the company's default language if omitted.
    language: Option<String>,
    /// Plain text with placeholders, e.g. `Your application as {{ position_name }}`.
    subject: String,
    /// HTML with placeholders, gender forms and conditions.
    body: String,
    #[graphql(default)]
    translations: Vec<EmailTemplateTranslationInput>,
    /// Company documents (not a candidate's) attached to every message.
    #[graphql(default)]
    document_ids: Vec<ID>,
}

#[derive(InputObject)]
struct UpdateEmailTemplateInput {
    id: ID,
    name: Option<String>,
    interview_related: Option<bool>,
    /// Changes the main language.
    language: Option<String>,
    subject: Option<String>,
    body: Option<String>,
    /// Replaces all translations when given.
    translations: Option<Vec<EmailTemplateTranslationInput>>,
    /// Replaces the attached documents when given.
    document_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
struct DeleteEmailTemplateInput {
    id: ID,
}

#[derive(SimpleObject)]
struct EmailTemplatePayload {
    email_template: EmailTemplate,
}

#[derive(SimpleObject)]
struct DeleteEmailTemplatePayload {
    deleted_id: ID,
}

#[derive(InputObject)]
struct CreateStarterTemplatesInput {
    /// BCP 47 tag of the texts (`de`, `en`, `fr`, or a regional tag of one
    /// of them); the company's default language if omitted.
    language: Option<String>,
}

/// What `createStarterTemplates` did; the three counts add up to the four
/// kinds of starter template.
#[derive(SimpleObject)]
struct CreateStarterTemplatesPayload {
    /// Starter templates made, in the language.
    templates_created: i32,
    /// Existing starter templates that gained a translation in the language.
    translations_added: i32,
    /// Existing starter templates that had the language already, left as they were.
    already_present: i32,
    /// The company's starter templates, one per kind: acknowledgement,
    /// interview invitation, rejection, request for documents.
    email_templates: Vec<EmailTemplate>,
}

#[derive(InputObject)]
struct UpdateMySignatureInput {
    /// HTML from a rich-text editor; `null` or empty removes the signature.
    signature: Option<String>,
}

#[derive(SimpleObject)]
struct UpdateMySignaturePayload {
    user: User,
}

fn translations(input: Vec<EmailTemplateTranslationInput>) -> Result<Vec<VariantDraft>, ApiError> {
    input
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            Ok(VariantDraft {
                language: parse(
                    &t.language,
                    &format!("translations.{i}.language"),
                    LanguageTag::parse,
                )?,
                subject: t.subject,
                body: t.body,
            })
        })
        .collect()
}

#[Object]
impl TemplatesMutation {
    /// Saves a new email template after checking every variant. Its
    /// documents must fit in one message (`PAYLOAD_TOO_LARGE` over
    /// `RECRUITMAIL_MAX_ATTACHMENT_BYTES`). Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn create_email_template(
        &self,
        ctx: &Context<'_>,
        input: CreateEmailTemplateInput,
    ) -> Result<EmailTemplatePayload, ApiError> {
        let actor = ctx.actor()?;
        let new = NewTemplate {
            name: parse(&input.name, "name", Name::parse)?,
            interview_related: input.interview_related,
            language: optional(input.language.as_deref(), "language", LanguageTag::parse)?,
            subject: input.subject,
            body: input.body,
            translations: translations(input.translations)?,
            document_ids: decode_all(&input.document_ids, Kind::Document, "documentIds")?,
        };
        let limit = settings(ctx)?.max_attachment_bytes;
        let template = email_templates::create(db(ctx)?, actor, new, limit).await?;
        Ok(EmailTemplatePayload {
            email_template: EmailTemplate(template),
        })
    }

    /// Changes an email template; the result is checked as a whole before
    /// anything is saved. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn update_email_template(
        &self,
        ctx: &Context<'_>,
        input: UpdateEmailTemplateInput,
    ) -> Result<EmailTemplatePayload, ApiError> {
        let id = decode(&input.id, Kind::EmailTemplate, "id")?;
        let change = TemplateChange {
            name: optional(input.name.as_deref(), "name", Name::parse)?,
            interview_related: input.interview_related,
            language: optional(input.language.as_deref(), "language", LanguageTag::parse)?,
            subject: input.subject,
            body: input.body,
            translations: input.translations.map(translations).transpose()?,
            document_ids: input
                .document_ids
                .map(|ids| decode_all(&ids, Kind::Document, "documentIds"))
                .transpose()?,
        };
        let limit = settings(ctx)?.max_attachment_bytes;
        let template = email_templates::update(db(ctx)?, ctx.actor()?, id, change, limit).await?;
        Ok(EmailTemplatePayload {
            email_template: EmailTemplate(template),
        })
    }

    /// Deletes an email template, unless a category's automatic reply or a
    /// scheduled message still uses it (`CONFLICT` says which). Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn delete_email_template(
        &self,
        ctx: &Context<'_>,
        input: DeleteEmailTemplateInput,
    ) -> Result<DeleteEmailTemplatePayload, ApiError> {
        let id = decode(&input.id, Kind::EmailTemplate, "id")?;
        email_templates::delete(db(ctx)?, ctx.actor()?, id).await?;
        Ok(DeleteEmailTemplatePayload {
            deleted_id: input.id,
        })
    }

    /// Adds the starter templates (application acknowledgement, interview
    /// invitation, rejection, request for documents) in a language: a kind
    /// without a starter template gets one, a starter template without the
    /// language gains it as a translation, and one that has it is left as
    /// edited. A template of the admins' own with a starter template's name
    /// is a `CONFLICT`; a language without starter texts is refused on
    /// `language`. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn create_starter_templates(
        &self,
        ctx: &Context<'_>,
        input: CreateStarterTemplatesInput,
    ) -> Result<CreateStarterTemplatesPayload, ApiError> {
        let outcome =
            starter::create_starter_templates(db(ctx)?, ctx.actor()?, input.language.as_deref())
                .await?;
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        Ok(CreateStarterTemplatesPayload {
            templates_created: count(outcome.templates_created),
            translations_added: count(outcome.translations_added),
            already_present: count(outcome.already_present),
            email_templates: outcome.templates.into_iter().map(EmailTemplate).collect(),
        })
    }

    /// Sets the caller's signature, appended to every message they send.
    #[graphql(guard = "Require::SignedIn")]
    async fn update_my_signature(
        &self,
        ctx: &Context<'_>,
        input: UpdateMySignatureInput,
    ) -> Result<UpdateMySignaturePayload, ApiError> {
        let row = people::set_signature(db(ctx)?, ctx.actor()?, input.signature.as_deref()).await?;
        Ok(UpdateMySignaturePayload {
            user: User::one(row),
        })
    }
}
