//! Candidates and their applications.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{application, candidate, interview, message};
use sea_orm::{ColumnTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _};

use super::{
    ApplicationSource, ApplicationStatus, Document, Gender, Interview, LegalHold, Message,
    Position, loading,
};
use crate::access::{Require, Section};
use crate::error::ApiError;
use crate::graphql::batch::{ApplicationSet, CandidateSet, dangling};
use crate::graphql::ids::Kind;
use crate::graphql::pagination::{Conn, Page, fetch_page, page_of_loaded};
use crate::graphql::state::max_page_size;
use crate::interviews::{self, InterviewFilter};
use crate::mail::messages;

/// Most interviews listed on one candidate.
const MAX_INTERVIEWS: u64 = 100;

/// A person who applies to the company.
pub struct Candidate {
    set: Arc<CandidateSet>,
    at: usize,
}

impl Candidate {
    /// One candidate on its own.
    pub fn one(row: candidate::Model) -> Self {
        Self {
            set: CandidateSet::new(vec![row]),
            at: 0,
        }
    }

    /// Candidates loaded together, so nested lists load once for all of them.
    pub fn all(rows: Vec<candidate::Model>) -> Vec<Self> {
        let len = rows.len();
        let set = CandidateSet::new(rows);
        (0..len)
            .map(|at| Self {
                set: set.clone(),
                at,
            })
            .collect()
    }

    /// The member of `set` with this id; `None` when the set lacks it (a
    /// candidate the caller may not see was not loaded).
    pub fn member(set: &Arc<CandidateSet>, id: i64) -> Option<Self> {
        let at = set.rows.iter().position(|c| c.id == id)?;
        Some(Self {
            set: set.clone(),
            at,
        })
    }

    /// The set this candidate was loaded with.
    pub fn set(&self) -> &CandidateSet {
        &self.set
    }

    fn row(&self) -> &candidate::Model {
        &self.set.rows[self.at]
    }
}

#[Object(serial)]
impl Candidate {
    pub async fn id(&self) -> ID {
        Kind::Candidate.id(self.row().id)
    }
    async fn first_name(&self) -> &str {
        &self.row().first_name
    }
    async fn last_name(&self) -> &str {
        &self.row().last_name
    }
    /// First and last name joined by a space.
    async fn full_name(&self) -> String {
        format!("{} {}", self.row().first_name, self.row().last_name)
    }
    async fn email(&self) -> &str {
        &self.row().email
    }
    async fn gender(&self) -> Gender {
        self.row().gender.into()
    }
    /// BCP 47 tag; picks the template variant.
    async fn preferred_language(&self) -> Option<&str> {
        self.row().preferred_language.as_deref()
    }
    async fn phone(&self) -> Option<&str> {
        self.row().phone.as_deref()
    }
    /// The candidate's applications the caller may see, oldest first.
    #[graphql(complexity = "5 * child_complexity")]
    async fn applications(&self, ctx: &Context<'_>) -> Result<Vec<Application>, ApiError> {
        let (db, actor) = loading(ctx)?;
        let set = self.set.applications(db, actor).await?;
        let id = self.row().id;
        Ok(Application::within(&set, |a| a.candidate_id == id))
    }
    /// The candidate's message thread, oldest first.
    #[graphql(
        guard = "Require::Section(Section::Messages)",
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<Message>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let (db, actor) = loading(ctx)?;
        let select = messages::of_candidates(messages::visible(actor))
            .filter(message::Column::CandidateId.eq(self.row().id));
        let rows = fetch_page(db, select, message::Column::Id, page).await?;
        let messages = Message::page(rows.rows);
        Ok(rows.shape.into_connection(messages))
    }
    /// Received messages in the candidate's thread that nobody at the
    /// company has read yet (see `markMessagesRead`).
    #[graphql(guard = "Require::Section(Section::Messages)")]
    async fn unread_count(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        let (db, actor) = loading(ctx)?;
        let counts = self.set.unread(db, actor).await?;
        Ok(counts.get(&self.row().id).copied().unwrap_or(0))
    }
    /// The candidate's interviews, in the order they were scheduled.
    #[graphql(
        guard = "Require::Section(Section::Interviews)",
        complexity = "20 * child_complexity"
    )]
    async fn interviews(&self, ctx: &Context<'_>) -> Result<Vec<Interview>, ApiError> {
        let (db, actor) = loading(ctx)?;
        let filter = InterviewFilter {
            candidate_id: Some(self.row().id),
            ..Default::default()
        };
        let rows = interviews::search(actor, &filter)
            .order_by_asc(interview::Column::Id)
            .limit(MAX_INTERVIEWS)
            .all(db)
            .await?;
        Interview::page(db, actor, rows).await
    }
    /// The candidate's documents the caller may see (VIEW or EDIT on their
    /// category), oldest first, at most 200: uploads, the files of their
    /// applications and the attachments of the mail they sent. Filtered by
    /// rights before paging, and loaded for a whole page of candidates at once.
    #[graphql(
        complexity = "(first.unwrap_or(20).clamp(1, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn documents(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<Document>, ApiError> {
        let page = Page::new(first, after.as_deref(), max_page_size(ctx)?)?;
        let (db, actor) = loading(ctx)?;
        let loaded = self.set.documents(db, actor).await?;
        let mine = loaded
            .by_candidate
            .get(&self.row().id)
            .map_or(&[][..], Vec::as_slice);
        let set = &loaded.set;
        Ok(page_of_loaded(
            mine,
            |&at| set.rows.get(at).map_or(0, |d| d.id),
            page,
            |chosen| chosen.into_iter().map(|at| Document::at(set, at)).collect(),
        ))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row().created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.row().updated_at
    }
    /// When the candidate first reported one of our messages as spam (a
    /// feedback-loop complaint, RFC 5965); bulk sends leave them out
    /// (`EmailBatch.skipped`).
    async fn complained_at(&self) -> Option<DateTime<Utc>> {
        self.row().complained_at
    }
    /// The entry of the candidate's address on the company's do-not-contact
    /// list, if it is on it: messages to them are refused, except mail
    /// about an application they made afterwards.
    async fn do_not_contact(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<super::DoNotContactEntry>, ApiError> {
        let (db, actor) = loading(ctx)?;
        let key = &crate::graphql::state::settings(ctx)?.secret_key;
        let entries = self.set.do_not_contact(db, actor, key).await?;
        Ok(entries
            .get(&self.row().id)
            .cloned()
            .map(super::DoNotContactEntry))
    }

    /// When the candidate was anonymised (`eraseCandidate` with mode
    /// `ANONYMISE`): their names and addresses are gone, the record stays
    /// for statistics.
    async fn erased_at(&self) -> Option<DateTime<Utc>> {
        self.row().erased_at
    }
    /// When the daily retention run will anonymise the candidate; `null`
    /// while any of their applications is open or a legal hold is set.
    /// Counted from the last application closed (the period of its
    /// subsidiary), or for a candidate with no application from their last
    /// activity (the company's period); see `retentionSettings`.
    async fn retain_until(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>, ApiError> {
        let (db, actor) = loading(ctx)?;
        let all = self.set.retain_until(db, actor).await?;
        Ok(all.get(&self.row().id).copied())
    }
    /// The candidate's legal hold, if one is set (`setCandidateLegalHold`).
    async fn legal_hold(&self, ctx: &Context<'_>) -> Result<Option<LegalHold>, ApiError> {
        let (db, actor) = loading(ctx)?;
        let all = self.set.legal_holds(db, actor).await?;
        Ok(all.get(&self.row().id).map(|(hold, by)| LegalHold {
            hold: hold.clone(),
            set_by: by.clone(),
        }))
    }
}

/// A candidate's application to one position.
pub struct Application {
    set: Arc<ApplicationSet>,
    at: usize,
}

impl Application {
    pub fn one(row: application::Model) -> Self {
        Self {
            set: ApplicationSet::new(vec![row]),
            at: 0,
        }
    }

    pub fn all(rows: Vec<application::Model>) -> Vec<Self> {
        let set = ApplicationSet::new(rows);
        Self::within(&set, |_| true)
    }

    /// The members of `set` that match `keep`, sharing the set.
    fn within(set: &Arc<ApplicationSet>, keep: impl Fn(&application::Model) -> bool) -> Vec<Self> {
        set.rows
            .iter()
            .enumerate()
            .filter(|(_, row)| keep(row))
            .map(|(at, _)| Self {
                set: set.clone(),
                at,
            })
            .collect()
    }

    /// The member of `set` with this id; `None` when the set lacks it (an
    /// application the caller may not see was not loaded).
    pub fn member(set: &Arc<ApplicationSet>, id: i64) -> Option<Self> {
        Self::within(set, |a| a.id == id).pop()
    }

    /// The set this application was loaded with.
    pub fn set(&self) -> &ApplicationSet {
        &self.set
    }

    fn row(&self) -> &application::Model {
        &self.set.rows[self.at]
    }
}

#[Object(serial)]
impl Application {
    pub async fn id(&self) -> ID {
        Kind::Application.id(self.row().id)
    }
    async fn candidate(&self, ctx: &Context<'_>) -> Result<Candidate, ApiError> {
        let (db, actor) = loading(ctx)?;
        let set = self.set.candidates(db, actor).await?;
        let id = self.row().candidate_id;
        let at = set
            .rows
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(|| dangling("candidate", id))?;
        Ok(Candidate { set, at })
    }
    async fn position(&self, ctx: &Context<'_>) -> Result<Position, ApiError> {
        let (db, actor) = loading(ctx)?;
        let set = self.set.positions(db, actor).await?;
        Position::member(set, self.row().position_id)
    }
    async fn source(&self) -> ApplicationSource {
        self.row().source.into()
    }
    async fn status(&self) -> ApplicationStatus {
        self.row().status.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row().created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.row().updated_at
    }
    /// When the application was rejected or withdrawn; `null` while it is open.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.row().closed_at
    }
}
