//! Interviews and the invitations sent for them.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{application, candidate, company, interview, interview_participant, invitation, user};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _, QueryOrder as _,
};

use super::{
    Application, Candidate, InterviewStatus, InvitationMethod, InvitationStatus, Message,
    ParticipantResponse, User, loading,
};
use crate::access::{Actor, Require, Section};
use crate::error::ApiError;
use crate::graphql::ids::Kind;
use crate::interviews::{self, details, invitations};
use crate::languages::Language;
use crate::mail::messages;
use crate::{applications, candidates};

/// What a page of interviews shares: their people, invitations, applications
/// and candidates, each read in one statement.
#[derive(Default)]
struct Related {
    participants: HashMap<i64, Vec<(interview_participant::Model, user::Model)>>,
    invitations: HashMap<i64, Vec<invitation::Model>>,
    applications: HashMap<i64, application::Model>,
    candidates: HashMap<i64, candidate::Model>,
}

/// An interview; cheap to clone, its related rows are shared with its page.
#[derive(Clone)]
pub struct Interview {
    row: interview::Model,
    related: Arc<Related>,
}

impl Interview {
    /// Interviews whose related rows are read together.
    pub async fn page(
        db: &impl ConnectionTrait,
        actor: &Actor,
        rows: Vec<interview::Model>,
    ) -> Result<Vec<Self>, ApiError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut related = Related::default();
        for (link, user) in interviews::participants(db, &ids).await? {
            related
                .participants
                .entry(link.interview_id)
                .or_default()
                .push((link, user));
        }
        for i in invitation::Entity::find()
            .filter(invitation::Column::InterviewId.is_in(ids))
            .order_by_asc(invitation::Column::Id)
            .all(db)
            .await?
        {
            related
                .invitations
                .entry(i.interview_id)
                .or_default()
                .push(i);
        }
        related.applications = applications::visible(actor)
            .filter(application::Column::Id.is_in(rows.iter().map(|r| r.application_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        related.candidates = candidates::visible(actor)
            .filter(
                candidate::Column::Id.is_in(related.applications.values().map(|a| a.candidate_id)),
            )
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let related = Arc::new(related);
        Ok(rows
            .into_iter()
            .map(|row| Self {
                row,
                related: related.clone(),
            })
            .collect())
    }

    /// The interview's row id, to find it in a page.
    pub fn row_id(&self) -> i64 {
        self.row.id
    }

    pub async fn one(
        db: &impl ConnectionTrait,
        actor: &Actor,
        row: interview::Model,
    ) -> Result<Self, ApiError> {
        Self::page(db, actor, vec![row])
            .await?
            .pop()
            .ok_or(ApiError::NotFound("interview"))
    }

    /// The details in `language`, by default the candidate's; a language
    /// recruitmail does not write in falls back to the company's default.
    async fn details(
        &self,
        ctx: &Context<'_>,
        language: Option<String>,
    ) -> Result<String, ApiError> {
        let wanted = match language {
            Some(tag) => Some(
                crate::domain::LanguageTag::parse(&tag)
                    .map_err(|m| ApiError::validation("language", format!("language: {m}")))?
                    .as_str()
                    .to_owned(),
            ),
            None => self.candidate_row()?.preferred_language.clone(),
        };
        let company_default = match wanted.as_deref().and_then(Language::supported) {
            Some(_) => String::new(),
            None => {
                let (db, actor) = loading(ctx)?;
                company::Entity::find_by_id(actor.company_id)
                    .one(db)
                    .await?
                    .ok_or(ApiError::NotFound("company"))?
                    .default_language
            }
        };
        let language = Language::resolve(wanted.as_deref(), &company_default);
        let names: Vec<String> = self
            .people()
            .iter()
            .map(|(_, u)| u.display_name.clone())
            .collect();
        let values = details::values(&self.row, &names, &language);
        Ok(details::details_text(&values, &language))
    }

    fn people(&self) -> &[(interview_participant::Model, user::Model)] {
        self.related
            .participants
            .get(&self.row.id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    fn sent(&self) -> &[invitation::Model] {
        self.related
            .invitations
            .get(&self.row.id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    fn application_row(&self) -> Result<&application::Model, ApiError> {
        self.related
            .applications
            .get(&self.row.application_id)
            .ok_or(ApiError::NotFound("application"))
    }

    fn candidate_row(&self) -> Result<&candidate::Model, ApiError> {
        let application = self.application_row()?;
        self.related
            .candidates
            .get(&application.candidate_id)
            .ok_or(ApiError::NotFound("candidate"))
    }
}

#[Object]
impl Interview {
    pub async fn id(&self) -> ID {
        Kind::Interview.id(self.row.id)
    }
    async fn title(&self) -> &str {
        &self.row.title
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.row.starts_at
    }
    async fn ends_at(&self) -> DateTime<Utc> {
        self.row.ends_at
    }
    /// IANA time zone the interview is presented in, e.g. `Europe/Paris`.
    async fn time_zone(&self) -> &str {
        &self.row.time_zone
    }
    async fn location(&self) -> Option<&str> {
        self.row.location.as_deref()
    }
    async fn video_link(&self) -> Option<&str> {
        self.row.video_link.as_deref()
    }
    async fn status(&self) -> InterviewStatus {
        self.row.status.into()
    }
    /// The calendar SEQUENCE of the event (RFC 5545 §3.8.7.4): raised by
    /// every change the candidate's calendar has to follow.
    async fn sequence(&self) -> i32 {
        self.row.sequence
    }
    /// The employees taking part, by name.
    async fn participants(&self) -> Vec<User> {
        User::all(self.people().iter().map(|(_, u)| u.clone()).collect())
    }
    /// The employees taking part, by name, each with their answer to the
    /// calendar invitation they were sent (their own iTIP REQUEST; their
    /// calendar's REPLY sets it, and a move asks again).
    async fn participant_responses(&self) -> Vec<InterviewParticipant> {
        self.people()
            .iter()
            .map(|(link, u)| InterviewParticipant {
                link: link.clone(),
                user: u.clone(),
            })
            .collect()
    }
    /// The candidate's answer to the latest invitation they hold.
    async fn invitation_status(&self) -> InvitationStatus {
        invitations::current(self.sent()).map_or(InvitationStatus::NotSent, |i| i.status.into())
    }
    /// The invitations, updates and cancellations sent, oldest first.
    async fn invitations(&self) -> Vec<Invitation> {
        self.sent().iter().cloned().map(Invitation).collect()
    }
    /// The details as text to paste into a free-form email: title, date and
    /// time in the interview's zone, duration, location, link, participants.
    /// In `language` (BCP 47; French, German, English, Spanish, Italian or
    /// Dutch, dates as CLDR writes them for the whole tag), by default the
    /// candidate's preferred language; any other falls back to the
    /// company's default language.
    async fn details_text(
        &self,
        ctx: &Context<'_>,
        language: Option<String>,
    ) -> Result<String, ApiError> {
        self.details(ctx, language).await
    }
    /// `detailsText` as HTML for a free-form `body`: one line each, every
    /// value escaped, braces included, so that nothing in a title or place
    /// is read as markup or as a placeholder.
    async fn details_html(
        &self,
        ctx: &Context<'_>,
        language: Option<String>,
    ) -> Result<String, ApiError> {
        Ok(details::details_html(&self.details(ctx, language).await?))
    }
    async fn application(&self) -> Result<Application, ApiError> {
        Ok(Application::one(self.application_row()?.clone()))
    }
    async fn candidate(&self) -> Result<Candidate, ApiError> {
        Ok(Candidate::one(self.candidate_row()?.clone()))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.row.updated_at
    }
}

/// One calendar email sent for an interview.
pub struct Invitation(invitation::Model);

#[Object]
impl Invitation {
    /// REQUEST for an invitation or update, CANCEL for a cancellation.
    async fn method(&self) -> InvitationMethod {
        self.0.method.into()
    }
    /// The event's SEQUENCE this email carried.
    async fn sequence(&self) -> i32 {
        self.0.sequence
    }
    /// The candidate's answer to this invitation: NOT_SENT until its email
    /// has left, then PENDING until answered. A cancellation asks nothing
    /// and stays NOT_SENT; its `message.status` tells whether it left.
    async fn status(&self) -> InvitationStatus {
        self.0.status.into()
    }
    async fn responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.responded_at
    }
    /// The email, for those who may read the candidate's messages.
    #[graphql(guard = "Require::Section(Section::Messages)")]
    async fn message(&self, ctx: &Context<'_>) -> Result<Option<Message>, ApiError> {
        let Some(id) = self.0.message_id else {
            return Ok(None);
        };
        let (db, actor) = loading(ctx)?;
        Ok(Some(Message::new(messages::find(db, actor, id).await?)))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// An employee taking part in an interview, with their calendar's answer.
pub struct InterviewParticipant {
    link: interview_participant::Model,
    user: user::Model,
}

#[Object]
impl InterviewParticipant {
    async fn user(&self) -> User {
        User::one(self.user.clone())
    }
    /// Their answer to the latest invitation or update they were sent.
    async fn response(&self) -> ParticipantResponse {
        self.link.response.into()
    }
    /// When their calendar answered; `null` while the answer is awaited.
    async fn responded_at(&self) -> Option<DateTime<Utc>> {
        self.link.responded_at
    }
}

/// The company's reminders before interviews; a `null` number of hours
/// means that reminder is off.
pub struct InterviewReminders(pub interviews::reminders::ReminderSettings);

#[Object]
impl InterviewReminders {
    /// The template the candidate's reminder is written from (it may use
    /// the interview placeholders).
    async fn candidate_template_id(&self) -> Option<ID> {
        self.0
            .candidate_template_id
            .map(|id| Kind::EmailTemplate.id(id))
    }
    /// Hours before the start the candidate is reminded, once an invitation
    /// has reached them.
    async fn candidate_hours_before(&self) -> Option<i32> {
        self.0.candidate_hours_before
    }
    /// Hours before the start each participant who has not declined is
    /// reminded.
    async fn participant_hours_before(&self) -> Option<i32> {
        self.0.participant_hours_before
    }
}
