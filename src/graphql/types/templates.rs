//! Email templates, their placeholders and previews.

use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::email_template_variant;

use super::Document;
use crate::email_templates::{Preview, Template};
use crate::graphql::ids::Kind;
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
    /// Which starter template this is, when `createStarterTemplates` (or
    /// `recruitmail bootstrap`) made it, however it was changed since.
    async fn starter_kind(&self) -> Option<super::StarterTemplateKind> {
        self.0.row.starter_kind.map(Into::into)
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
        Document::all(self.0.documents.clone())
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
    /// The sender as `Name <address>`, as the message would leave: the
    /// subsidiary's address, else the company's recruiting address; for an
    /// interview already invited to, the address its invitation came from.
    async fn from(&self) -> String {
        super::mail::mailbox(&self.0.from.address, self.0.from.name.as_deref())
    }
}
