//! Email templates, their placeholders and previews.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{document, email_template_variant};

use crate::access::ContextExt as _;
use crate::documents::{
    self,
    links::{self, Disposition, Grant, Signer},
};
use crate::email_templates::{Preview, Template};
use crate::error::ApiError;
use crate::graphql::ids::Kind;
use crate::graphql::state::{db, settings};
use crate::templates::Placeholder;

/// A reusable message: subject and HTML body in a main language, optional
/// translations, and documents attached to every message sent from it.
pub struct EmailTemplate(pub Template);

#[Object]
impl EmailTemplate {
    pub async fn id(&self) -> ID {
        Kind::EmailTemplate.id(self.0.row.id)
    }
    async fn name(&self) -> &str {
        &self.0.row.name
    }
    /// Only interview-related templates may use the interview placeholders;
    /// they are the ones offered for interview invitations.
    async fn interview_related(&self) -> bool {
        self.0.row.interview_related
    }
    /// BCP 47 tag of the main language.
    async fn language(&self) -> &str {
        self.0.main().map_or("", |v| v.language.as_str())
    }
    /// The subject in the main language (plain text with placeholders).
    async fn subject(&self) -> &str {
        self.0.main().map_or("", |v| v.subject.as_str())
    }
    /// The body in the main language (HTML with placeholders).
    async fn body(&self) -> &str {
        self.0.main().map_or("", |v| v.body.as_str())
    }
    /// The same message in other languages. A candidate gets the variant in
    /// their preferred language, else in the company's default language, else
    /// the main one.
    async fn translations(&self) -> Vec<EmailTemplateTranslation> {
        self.0
            .translations()
            .iter()
            .map(EmailTemplateTranslation::from)
            .collect()
    }
    /// Documents attached to every message sent from this template.
    async fn documents(&self) -> Vec<Document> {
        self.0.documents.iter().cloned().map(Document).collect()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.row.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.row.updated_at
    }
}

/// A template's subject and body in one more language.
#[derive(SimpleObject)]
pub struct EmailTemplateTranslation {
    /// BCP 47 tag.
    language: String,
    subject: String,
    body: String,
}

impl From<&email_template_variant::Model> for EmailTemplateTranslation {
    fn from(v: &email_template_variant::Model) -> Self {
        Self {
            language: v.language.clone(),
            subject: v.subject.clone(),
            body: v.body.clone(),
        }
    }
}

/// A stored file.
pub struct Document(pub document::Model);

#[Object]
impl Document {
    pub async fn id(&self) -> ID {
        Kind::Document.id(self.0.id)
    }
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    async fn size_bytes(&self) -> i64 {
        self.0.size_bytes
    }
    /// Hex SHA-256 of the content.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// A link that opens the file in a browser tab, without a bearer header:
    /// a path on this server's origin (`/files/…`), valid for five minutes,
    /// for the caller alone. It stops working as soon as the document is
    /// deleted, the caller's token is revoked, or the caller may no longer
    /// see the document. `INLINE` shows PDF, images other than SVG and plain
    /// text in the tab; everything else, and `ATTACHMENT`, is downloaded.
    async fn url(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Disposition::Inline")] disposition: Disposition,
    ) -> Result<String, ApiError> {
        let actor = ctx.actor()?;
        match documents::find(db(ctx)?, actor, self.0.id).await {
            Ok(_) => {}
            Err(ApiError::NotFound(_)) => {
                return Err(ApiError::forbidden(
                    "VIEW access to the document's category is required to open it",
                ));
            }
            Err(other) => return Err(other),
        }
        let token_id = actor.token_id.ok_or_else(|| {
            ApiError::forbidden("only a caller with an API token can open documents")
        })?;
        let grant = Grant {
            company_id: actor.company_id,
            document_id: self.0.id,
            user_id: actor.user_id,
            token_id,
            expires: (Utc::now() + links::LIFETIME).timestamp(),
            disposition,
        };
        let signer = Signer::new(&settings(ctx)?.secret_key);
        Ok(signer.link(&Kind::Document.id(self.0.id), &grant))
    }
}

/// A name templates may use as `{{ name }}`.
pub struct PlaceholderInfo(pub &'static Placeholder);

#[Object(name = "Placeholder")]
impl PlaceholderInfo {
    /// Written `{{ name }}` in a template.
    async fn name(&self) -> &str {
        self.0.name
    }
    async fn description(&self) -> &str {
        self.0.description
    }
    /// A value it could take.
    async fn example(&self) -> &str {
        self.0.example
    }
    /// Whether only interview-related templates may use it.
    async fn interview_only(&self) -> bool {
        self.0.interview
    }
}

/// A message rendered for one candidate, as they would receive it.
pub struct EmailPreview(pub Preview);

#[Object]
impl EmailPreview {
    /// One line, as it would stand in the Subject header.
    async fn subject(&self) -> &str {
        &self.0.rendered.subject
    }
    /// The HTML part, with the sender's signature.
    async fn html(&self) -> &str {
        &self.0.rendered.html
    }
    /// The plain-text alternative, with the sender's signature.
    async fn text(&self) -> &str {
        &self.0.rendered.text
    }
    /// Placeholders the text uses that had no value for this candidate; they
    /// render empty.
    async fn missing_placeholders(&self) -> &[&'static str] {
        &self.0.rendered.missing
    }
    /// BCP 47 tag of the variant used.
    async fn language(&self) -> &str {
        &self.0.language
    }
}
