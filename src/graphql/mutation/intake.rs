use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject, Upload};
use chrono::Utc;

use crate::access::{ContextExt as _, Require};
use crate::candidates::Phone;
use crate::companies::{self, Secret};
use crate::domain::{EmailAddress, Name};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::input::{optional, parse, read_upload};
use crate::graphql::state::{db, mail, settings};
use crate::graphql::types::{Category, Company, Gender};
use crate::intake::auto_reply::{self, AutoReplyChange};
use crate::intake::{
    self, ClientAddress, FileKind, FormApplication, FormFile, FormLimits, MAX_FILES,
    MAX_MESSAGE_CHARS, file_types,
};

#[derive(Default)]
pub struct IntakeMutation;

#[derive(InputObject)]
struct SubmitApplicationInput {
    /// The company's public form key (`viewer.company.formKey`).
    form_key: String,
    position_id: ID,
    first_name: String,
    last_name: String,
    email: String,
    gender: Option<Gender>,
    phone: Option<String>,
    /// A note to the recruiters; it appears in the candidate's thread.
    message: Option<String>,
    cv: Option<Upload>,
    cover_letter: Option<Upload>,
    #[graphql(default)]
    other_documents: Vec<Upload>,
}

#[derive(SimpleObject)]
struct SubmitApplicationPayload {
    /// Always true once the application is filed. The same answer is given
    /// whether the address was known and whether it had applied before.
    received: bool,
}

#[derive(InputObject)]
struct UpdateCategoryAutoReplyInput {
    category_id: ID,
    /// Acknowledge applications from the online form.
    online_applications: Option<bool>,
    /// Acknowledge applications that arrive by email.
    email_applications: Option<bool>,
    /// The template of the acknowledgement (no interview placeholders).
    template_id: MaybeUndefined<ID>,
    /// The user the acknowledgement is sent and signed by; needs a signature.
    sender_id: MaybeUndefined<ID>,
}

#[derive(SimpleObject)]
struct UpdateCategoryAutoReplyPayload {
    category: Category,
}

#[derive(InputObject)]
struct RotateFormKeyInput {
    /// Must be `true`: career pages with the old key stop working at once.
    confirm: bool,
}

#[derive(SimpleObject)]
struct RotateFormKeyPayload {
    company: Company,
}

fn id_change(
    raw: &MaybeUndefined<ID>,
    kind: Kind,
    field: &str,
) -> Result<Option<Option<i64>>, ApiError> {
    match raw {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(id) => decode(id, kind, field).map(|id| Some(Some(id))),
    }
}

/// Tells an uploaded file's type by its content, off the async threads:
/// recognising Word's older format means parsing an OLE container.
async fn read_file(
    ctx: &Context<'_>,
    upload: &Upload,
    kind: FileKind,
    field: String,
) -> Result<FormFile, ApiError> {
    let (file_name, _, content) = read_upload(ctx, upload, &field)?;
    let sniffed = content.clone();
    let content_type = tokio::task::spawn_blocking(move || file_types::sniff(&sniffed))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .ok_or_else(|| {
            ApiError::validation(
                field.clone(),
                format!("{field}: only PDF, DOC, DOCX, ODT and image files are accepted"),
            )
        })?;
    Ok(FormFile {
        kind,
        file_name,
        content_type,
        content,
    })
}

#[Object]
impl IntakeMutation {
    /// Files an application from the career page, authorised by the
    /// company's form key rather than a user token; rate-limited per client
    /// address and per form. Files: PDF, DOC, DOCX, ODT or images, told by
    /// their content, together at most the attachment limit.
    async fn submit_application(
        &self,
        ctx: &Context<'_>,
        input: SubmitApplicationInput,
    ) -> Result<SubmitApplicationPayload, ApiError> {
        let limits = ctx
            .data::<std::sync::Arc<FormLimits>>()
            .map_err(|e| anyhow::anyhow!("form limits missing: {}", e.message))?;
        if let Some(ClientAddress(address)) = ctx.data_opt::<ClientAddress>() {
            limits.check_address(*address)?;
        }
        let db = db(ctx)?;
        let company = intake::company_of_form(db, &input.form_key).await?;

        let message = match input.message.as_deref().map(str::trim) {
            Some("") | None => None,
            Some(text) if text.chars().count() > MAX_MESSAGE_CHARS => {
                return Err(ApiError::validation(
                    "message",
                    format!("message: at most {MAX_MESSAGE_CHARS} characters"),
                ));
            }
            Some(text) => Some(text.to_owned()),
        };
        let mut parts: Vec<(FileKind, &Upload, String)> = Vec::new();
        if let Some(cv) = &input.cv {
            parts.push((FileKind::Cv, cv, "cv".into()));
        }
        if let Some(letter) = &input.cover_letter {
            parts.push((FileKind::CoverLetter, letter, "coverLetter".into()));
        }
        for (i, other) in input.other_documents.iter().enumerate() {
            parts.push((FileKind::Other, other, format!("otherDocuments.{i}")));
        }
        if parts.len() > MAX_FILES {
            return Err(ApiError::validation(
                "otherDocuments",
                format!("at most {MAX_FILES} files"),
            ));
        }
        let form = FormApplication {
            position_id: decode(&input.position_id, Kind::Position, "positionId")?,
            first_name: parse(&input.first_name, "firstName", Name::parse)?,
            last_name: parse(&input.last_name, "lastName", Name::parse)?,
            email: parse(&input.email, "email", EmailAddress::parse)?,
            gender: input
                .gender
                .map_or(entity::enums::Gender::Unknown, Into::into),
            phone: optional(input.phone.as_deref(), "phone", Phone::parse)?,
            message,
            files: Vec::new(),
        };
        // Refused on the sizes alone, before any file is looked at. A part
        // the request maps to several fields counts once for each.
        let mut total: u64 = 0;
        for (_, upload, _) in &parts {
            total += upload
                .value(ctx)
                .ok()
                .and_then(|v| v.size().ok())
                .unwrap_or(0);
        }
        let limit = settings(ctx)?.max_attachment_bytes;
        if total > u64::try_from(limit).unwrap_or(u64::MAX) {
            return Err(ApiError::PayloadTooLarge(format!(
                "the files total {total} bytes; an application may carry at most {limit} bytes"
            )));
        }
        // Only a well-formed application counts against the company's form.
        limits.check_form(company.id)?;
        let mut files = Vec::with_capacity(parts.len());
        for (kind, upload, field) in parts {
            files.push(read_file(ctx, upload, kind, field).await?);
        }
        let form = FormApplication { files, ..form };
        intake::submit(
            db,
            settings(ctx)?,
            &mail(ctx)?.blobs,
            &company,
            form,
            Utc::now(),
        )
        .await?;
        mail(ctx)?.nudge();
        Ok(SubmitApplicationPayload { received: true })
    }

    /// Sets whether and how a category acknowledges applications. Recruiting
    /// admins only.
    #[graphql(guard = "Require::Admin")]
    async fn update_category_auto_reply(
        &self,
        ctx: &Context<'_>,
        input: UpdateCategoryAutoReplyInput,
    ) -> Result<UpdateCategoryAutoReplyPayload, ApiError> {
        let id = decode(&input.category_id, Kind::Category, "categoryId")?;
        let change = AutoReplyChange {
            online_applications: input.online_applications,
            email_applications: input.email_applications,
            template_id: id_change(&input.template_id, Kind::EmailTemplate, "templateId")?,
            sender_id: id_change(&input.sender_id, Kind::User, "senderId")?,
        };
        let row = auto_reply::update(db(ctx)?, ctx.actor()?, id, change).await?;
        Ok(UpdateCategoryAutoReplyPayload {
            category: Category(row),
        })
    }

    /// Replaces the company's form key. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn rotate_form_key(
        &self,
        ctx: &Context<'_>,
        input: RotateFormKeyInput,
    ) -> Result<RotateFormKeyPayload, ApiError> {
        if !input.confirm {
            return Err(ApiError::validation(
                "confirm",
                "confirm: set it to true to replace the key",
            ));
        }
        let actor = ctx.actor()?;
        let row = companies::replace_secret(db(ctx)?, actor.company_id, Secret::FormKey).await?;
        Ok(RotateFormKeyPayload {
            company: Company(row),
        })
    }
}
