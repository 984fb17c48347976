//! The company and how it is organised: subsidiaries, categories, positions.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{company, document_category, position, recruiting_category, subsidiary};

use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};

use super::{EmailTemplate, PositionStatus, RecruitingEmailSettings, User, WorkingHours, loading};
use crate::access::{Require, Section};
use crate::error::ApiError;
use crate::graphql::batch::{PositionSet, dangling};
use crate::graphql::ids::Kind;

/// A customer company. Everything else belongs to exactly one.
pub struct Company(pub company::Model);

#[Object]
impl Company {
    pub async fn id(&self) -> ID {
        Kind::Company.id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// URL-safe identifier; the local part of the inbound address starts with it.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Where the company forwards its recruiting mailbox: `<slug>-jobs@<inbound domain>`.
    async fn inbound_address(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        let settings = crate::graphql::state::settings(ctx)?;
        Ok(crate::companies::inbound_address(
            &self.0.slug,
            settings.inbound_domain.as_str(),
        ))
    }
    /// The document category that received files (mail attachments, the
    /// form's other documents) and uploads without a category are filed in;
    /// `null` until chosen, when "Other documents" is used.
    async fn received_document_category(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<DocumentCategory>, ApiError> {
        let Some(id) = self.0.received_document_category_id else {
            return Ok(None);
        };
        Ok(document_category::Entity::find_by_id(id)
            .filter(document_category::Column::CompanyId.eq(self.0.id))
            .one(crate::graphql::state::db(ctx)?)
            .await?
            .map(DocumentCategory))
    }
    /// The working hours of users who set none of their own; Monday to
    /// Friday, 09:00–17:00 in `defaultTimeZone` until an admin sets them.
    async fn default_working_hours(&self, ctx: &Context<'_>) -> Result<WorkingHours, ApiError> {
        let db = crate::graphql::state::db(ctx)?;
        let (working_time, _) =
            crate::scheduling::working_hours::company_working_time(db, self.0.id).await?;
        Ok(WorkingHours(
            crate::scheduling::working_hours::Availability {
                working_time,
                company_default: true,
            },
        ))
    }
    /// Public key a career page sends with `submitApplication`. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn form_key(&self) -> &str {
        &self.0.form_key
    }
    /// Bearer token of `POST /inbound/{slug}`, with which the company's mail
    /// server hands over received mail. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn inbound_token(&self) -> &str {
        &self.0.inbound_token
    }
    /// Reminders before interviews (`updateInterviewReminders`). Recruiting
    /// admins only.
    #[graphql(guard = "Require::Admin")]
    async fn interview_reminders(
        &self,
        ctx: &Context<'_>,
    ) -> Result<super::InterviewReminders, ApiError> {
        let db = crate::graphql::state::db(ctx)?;
        Ok(super::InterviewReminders(
            crate::interviews::reminders::settings_of(db, self.0.id).await?,
        ))
    }
    /// BCP 47 tag of the language candidates without a preferred language
    /// are written to in (`updateCompany`).
    async fn default_language(&self) -> &str {
        &self.0.default_language
    }
    /// IANA time zone of the company's defaults, such as its working hours
    /// while it set none; `UTC` until an admin sets it (`updateCompany`).
    async fn default_time_zone(&self) -> &str {
        &self.0.default_time_zone
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A legal entity of the company; positions belong to one, and its email
/// settings decide the sender of messages about them.
pub struct Subsidiary(pub subsidiary::Model);

#[Object]
impl Subsidiary {
    pub async fn id(&self) -> ID {
        Kind::Subsidiary.id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The subsidiary's own recruiting address, if it has one.
    async fn email_address(&self) -> Option<&str> {
        self.0.email_address.as_deref()
    }
    /// Display name shown with the address.
    async fn email_display_name(&self) -> Option<&str> {
        self.0.email_display_name.as_deref()
    }
    /// Sender identity and SMTP server. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn recruiting_email_settings(
        &self,
        ctx: &Context<'_>,
    ) -> Result<RecruitingEmailSettings, ApiError> {
        let (db, actor) = loading(ctx)?;
        let company = company::Entity::find_by_id(actor.company_id)
            .one(db)
            .await?
            .ok_or(ApiError::NotFound("company"))?;
        RecruitingEmailSettings::of(ctx, self.0.clone(), &company.slug)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A recruiting category grouping positions (e.g. "IT", "Apprenticeships").
pub struct Category(pub recruiting_category::Model);

#[Object(serial)]
impl Category {
    pub async fn id(&self) -> ID {
        Kind::Category.id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Whether and how the category acknowledges applications.
    async fn auto_reply(&self) -> CategoryAutoReply {
        CategoryAutoReply(self.0.clone())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A category's automatic acknowledgement of new applications.
pub struct CategoryAutoReply(recruiting_category::Model);

#[Object]
impl CategoryAutoReply {
    /// Applications from the online form are acknowledged.
    async fn online_applications(&self) -> bool {
        self.0.auto_reply_online
    }
    /// Applications by email are acknowledged.
    async fn email_applications(&self) -> bool {
        self.0.auto_reply_email
    }
    /// The acknowledgement's template, for those who may read templates.
    #[graphql(guard = "Require::Section(Section::Messages)")]
    async fn template(&self, ctx: &Context<'_>) -> Result<Option<EmailTemplate>, ApiError> {
        let Some(id) = self.0.auto_reply_template_id else {
            return Ok(None);
        };
        let (db, actor) = loading(ctx)?;
        Ok(Some(EmailTemplate(
            crate::email_templates::find(db, actor, id).await?,
        )))
    }
    /// The user it is sent and signed by.
    async fn sender(&self, ctx: &Context<'_>) -> Result<Option<User>, ApiError> {
        let Some(id) = self.0.auto_reply_sender_id else {
            return Ok(None);
        };
        let (db, actor) = loading(ctx)?;
        Ok(Some(User::one(
            crate::people::find_user(db, actor, id).await?,
        )))
    }
}

/// A job opening.
pub struct Position {
    set: Arc<PositionSet>,
    at: usize,
}

impl Position {
    pub fn one(row: position::Model) -> Self {
        Self {
            set: PositionSet::new(vec![row]),
            at: 0,
        }
    }

    pub fn all(rows: Vec<position::Model>) -> Vec<Self> {
        let len = rows.len();
        let set = PositionSet::new(rows);
        (0..len)
            .map(|at| Self {
                set: set.clone(),
                at,
            })
            .collect()
    }

    /// The member of `set` with `id`.
    pub(super) fn member(set: Arc<PositionSet>, id: i64) -> Result<Self, ApiError> {
        let at = set
            .rows
            .iter()
            .position(|p| p.id == id)
            .ok_or_else(|| dangling("position", id))?;
        Ok(Self { set, at })
    }

    /// The set this position was loaded with.
    pub fn set(&self) -> &PositionSet {
        &self.set
    }

    fn row(&self) -> &position::Model {
        &self.set.rows[self.at]
    }
}

#[Object(serial)]
impl Position {
    pub async fn id(&self) -> ID {
        Kind::Position.id(self.row().id)
    }
    async fn name(&self) -> &str {
        &self.row().name
    }
    async fn status(&self) -> PositionStatus {
        self.row().status.into()
    }
    async fn subsidiary(&self, ctx: &Context<'_>) -> Result<Subsidiary, ApiError> {
        let (db, actor) = loading(ctx)?;
        let id = self.row().subsidiary_id;
        let all = self.set.subsidiaries(db, actor).await?;
        let row = all.get(&id).ok_or_else(|| dangling("subsidiary", id))?;
        Ok(Subsidiary(row.clone()))
    }
    async fn category(&self, ctx: &Context<'_>) -> Result<Category, ApiError> {
        let (db, actor) = loading(ctx)?;
        let id = self.row().category_id;
        let all = self.set.categories(db, actor).await?;
        let row = all.get(&id).ok_or_else(|| dangling("category", id))?;
        Ok(Category(row.clone()))
    }
    /// Users assigned as hiring managers: roles limited to assigned positions
    /// let them see this position's applications.
    #[graphql(complexity = "5 * child_complexity")]
    async fn hiring_managers(&self, ctx: &Context<'_>) -> Result<Vec<User>, ApiError> {
        let (db, actor) = loading(ctx)?;
        let all = self.set.hiring_managers(db, actor).await?;
        let users = all
            .get(&self.row().id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        Ok(User::all(users.to_vec()))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row().created_at
    }
}

/// A kind of candidate document (CV, cover letter …); roles grant access per kind.
pub struct DocumentCategory(pub document_category::Model);

#[Object]
impl DocumentCategory {
    pub async fn id(&self) -> ID {
        Kind::DocumentCategory.id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
}
