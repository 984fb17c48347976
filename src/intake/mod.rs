//! Applications arriving from outside: the career page's form
//! now, email later, each acknowledged as its category decides.

pub mod auto_reply;
pub mod file_types;
pub mod rate_limit;

use chrono::{DateTime, Utc};
use entity::enums::{ApplicationSource, ApplicationStatus, DocumentSource, Gender, PositionStatus};
use entity::{application, candidate, company, document_category, message_content, position};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _,
    Set,
};

use crate::blobs::{BlobStore, StoredBlob};
use crate::candidates::Phone;
use crate::documents::ReceivedFile;
use crate::domain::{EmailAddress, Name};
use crate::error::{ApiError, ApiResult};
use crate::languages::{Language, Text, fill};
use crate::mail::message_state::{self, Received};
use crate::settings::Settings;

pub use rate_limit::{ClientAddress, FormLimits};

/// Longest message a candidate may write on the form.
pub const MAX_MESSAGE_CHARS: usize = 10_000;
/// Most files on one application.
pub const MAX_FILES: usize = 10;

/// What kind of document a file on the form is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Cv,
    CoverLetter,
    Other,
}

impl FileKind {
    /// The company's document category the file is filed in, made when the
    /// company has none of that name yet.
    fn category_name(self) -> &'static str {
        match self {
            Self::Cv => "CV",
            Self::CoverLetter => "Cover letter",
            Self::Other => "Other documents",
        }
    }
}

/// A file from the form, its type already told from its content.
#[derive(Debug)]
pub struct FormFile {
    pub kind: FileKind,
    pub file_name: String,
    pub content_type: &'static str,
    pub content: bytes::Bytes,
}

/// A validated application from the form.
#[derive(Debug)]
pub struct FormApplication {
    pub position_id: i64,
    pub first_name: Name,
    pub last_name: Name,
    pub email: EmailAddress,
    pub gender: Gender,
    pub phone: Option<Phone>,
    pub message: Option<String>,
    pub files: Vec<FormFile>,
}

/// The company whose form key this is; anything else is refused alike.
pub async fn company_of_form(db: &impl ConnectionTrait, key: &str) -> ApiResult<company::Model> {
    let found = if key.is_empty() || key.len() > 200 {
        None
    } else {
        company::Entity::find()
            .filter(company::Column::FormKey.eq(key))
            .one(db)
            .await?
    };
    found.ok_or_else(|| ApiError::forbidden("this form key is not valid"))
}

/// Files an application from the career page. The candidate is found by
/// email address or created; a second application to the same position
/// changes nothing and is answered the same, so the response never tells
/// whether the address was known. Everything is written in one transaction,
/// with the acknowledgement; file contents are stored first (content
/// addressed, so a failed attempt leaves nothing anyone can reach).
pub async fn submit(
    db: &impl crate::db::Writable,
    settings: &Settings,
    blobs: &BlobStore,
    company: &company::Model,
    form: FormApplication,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let position = position::Entity::find_by_id(form.position_id)
        .filter(position::Column::CompanyId.eq(company.id))
        .filter(position::Column::Status.eq(PositionStatus::Open))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("position"))?;
    let total: usize = form.files.iter().map(|f| f.content.len()).sum();
    if total > settings.max_attachment_bytes {
        return Err(ApiError::PayloadTooLarge(format!(
            "the files total {total} bytes; an application may carry at most {} bytes",
            settings.max_attachment_bytes
        )));
    }
    // A repeat stores nothing: checked before the files are written (and
    // again in the transaction, which decides).
    if applied(db, company, &form.email, position.id).await? {
        return Ok(());
    }
    let mut stored = Vec::with_capacity(form.files.len());
    for file in &form.files {
        stored.push(blobs.put(file.content.clone()).await?);
    }
    // Submissions at once may race to create the same rows: the candidate,
    // the application, a document category. The loser's insert conflicts,
    // and its next attempt finds the row the winner made. Every conflict is
    // such a row, and there are at most five of them.
    let mut attempt = 1;
    loop {
        match file(db, settings, company, &position, &form, &stored, now).await {
            Err(ApiError::Conflict(_)) if attempt < FILING_ATTEMPTS => attempt += 1,
            // Never the conflict's own words: they would name what exists.
            Err(ApiError::Conflict(_)) => {
                return Err(ApiError::conflict(
                    "the application could not be filed just now; send it again",
                ));
            }
            other => return other,
        }
    }
}

/// One more than the rows concurrent submissions can race to create.
const FILING_ATTEMPTS: usize = 6;

/// Whether the address has applied to the position before.
async fn applied(
    db: &impl ConnectionTrait,
    company: &company::Model,
    email: &EmailAddress,
    position_id: i64,
) -> ApiResult<bool> {
    let Some(known) = candidate::Entity::find()
        .filter(candidate::Column::CompanyId.eq(company.id))
        .filter(candidate::Column::Email.eq(email.normalized()))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    Ok(application::Entity::find()
        .filter(application::Column::CandidateId.eq(known.id))
        .filter(application::Column::PositionId.eq(position_id))
        .one(db)
        .await?
        .is_some())
}

async fn file(
    db: &impl crate::db::Writable,
    settings: &Settings,
    company: &company::Model,
    position: &position::Model,
    form: &FormApplication,
    stored: &[StoredBlob],
    now: DateTime<Utc>,
) -> ApiResult<()> {
    crate::db::write_transaction!(db, |txn| {
        let email = form.email.normalized();
        let candidate = match candidate::Entity::find()
            .filter(candidate::Column::CompanyId.eq(company.id))
            .filter(candidate::Column::Email.eq(email.clone()))
            .one(txn)
            .await?
        {
            // A known address keeps what the company knows of them: the form
            // cannot be used to change someone's name.
            Some(known) => known,
            None => {
                let created = candidate::ActiveModel {
                    company_id: Set(company.id),
                    first_name: Set(form.first_name.as_str().to_owned()),
                    last_name: Set(form.last_name.as_str().to_owned()),
                    email: Set(email),
                    gender: Set(form.gender),
                    preferred_language: Set(None),
                    phone: Set(form.phone.as_ref().map(|p| p.as_str().to_owned())),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await
                .map_err(|e| ApiError::from_write(e, "a candidate with this email address"))?;
                crate::events::append(txn, vec![crate::candidates::created_event(&created)], now)
                    .await?;
                created
            }
        };
        let earlier = application::Entity::find()
            .filter(application::Column::CandidateId.eq(candidate.id))
            .filter(application::Column::PositionId.eq(position.id))
            .one(txn)
            .await?;
        if earlier.is_some() {
            // Applied before: nothing new is filed and nothing is sent again.
            return Ok(());
        }
        let application = application::ActiveModel {
            company_id: Set(company.id),
            candidate_id: Set(candidate.id),
            position_id: Set(position.id),
            source: Set(ApplicationSource::OnlineForm),
            status: Set(ApplicationStatus::New),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| {
            ApiError::from_write(e, "an application of this candidate to this position")
        })?;
        crate::events::append(
            txn,
            vec![crate::applications::created_event(&application)],
            now,
        )
        .await?;
        for (file, blob) in form.files.iter().zip(stored) {
            let category_id = category_for(txn, company.id, file.kind, now).await?;
            let received = ReceivedFile {
                company_id: candidate.company_id,
                candidate_id: Some(candidate.id),
                category_id,
                file_name: stored_name(file),
                content_type: file.content_type.to_owned(),
                blob,
                source: DocumentSource::Form,
            };
            crate::documents::file_received(txn, received, now).await?;
        }
        if let Some(text) = &form.message {
            note(txn, company, &candidate, &application, position, text, now).await?;
        }
        auto_reply::acknowledge(
            txn,
            settings,
            company,
            position,
            &candidate,
            &application,
            ApplicationSource::OnlineForm,
            now,
        )
        .await?;
        Ok(())
    })
}

/// The candidate's message on the form, filed in their thread as received mail.
async fn note(
    db: &sea_orm::DatabaseTransaction,
    company: &company::Model,
    candidate: &candidate::Model,
    application: &application::Model,
    position: &position::Model,
    text: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let message = message_state::receive(
        db,
        Received {
            company_id: company.id,
            candidate_id: Some(candidate.id),
            machine_kind: None,
            application_id: Some(application.id),
            subsidiary_id: Some(position.subsidiary_id),
            subject: fill(
                Language::resolve(None, &company.default_language)
                    .text(Text::ApplicationFormSubject),
                &[("position", &position.name)],
            ),
            from_address: candidate.email.clone(),
            from_name: Some(crate::candidates::full_name(candidate)),
            message_id_header: None,
            in_reply_to: None,
            references: None,
        },
        now,
    )
    .await?;
    message_content::ActiveModel {
        message_id: Set(message.id),
        text_body: Set(text.to_owned()),
        html_body: Set(None),
        calendar: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The ID of the company's document category for `kind`, made if missing.
/// Other documents go to the category the company chose for received files
/// (`Company.receivedDocumentCategory`), when it chose one.
pub(crate) async fn category_for(
    db: &impl ConnectionTrait,
    company_id: i64,
    kind: FileKind,
    now: DateTime<Utc>,
) -> ApiResult<i64> {
    if kind == FileKind::Other
        && let Some(chosen) = company::Entity::find_by_id(company_id)
            .one(db)
            .await?
            .and_then(|c| c.received_document_category_id)
    {
        return Ok(chosen);
    }
    let name = kind.category_name();
    let found = document_category::Entity::find()
        .filter(document_category::Column::CompanyId.eq(company_id))
        .filter(document_category::Column::Name.eq(name))
        .one(db)
        .await?;
    if let Some(found) = found {
        return Ok(found.id);
    }
    Ok(document_category::ActiveModel {
        company_id: Set(company_id),
        name: Set(name.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| ApiError::from_write(e, "a document category with this name"))?
    .id)
}

/// The file's name with the extension of its real type, so that a file is
/// never opened as something it is not (a PDF named `cv.html`).
fn stored_name(file: &FormFile) -> String {
    let cleaned = crate::documents::clean_file_name(&file.file_name);
    let stem = cleaned
        .as_deref()
        .map(|name| name.rsplit_once('.').map_or(name, |(stem, _)| stem))
        .filter(|stem| !stem.is_empty())
        .unwrap_or(file.kind.category_name());
    format!("{stem}.{}", extension(file.content_type))
}

fn extension(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "pdf",
        "application/msword" => "doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.oasis.opendocument.text" => "odt",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/tiff" => "tif",
        "image/heif" => "heic",
        "image/avif" => "avif",
        _ => "bin",
    }
}
