//! The privacy page: what the candidate sees through their link, and the
//! requests made there as recruiting admins see them.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{candidate, privacy_request};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};

use super::{ApplicationStatus, Candidate, PrivacyRequestKind, PrivacyRequestStatus, User};
use crate::error::ApiError;
use crate::graphql::ids::Kind;
use crate::graphql::state::db;
use crate::privacy::{self, OwnApplication, PageView};

/// What a candidate sees on their privacy page.
#[derive(SimpleObject)]
pub struct PrivacyPage {
    pub first_name: String,
    pub company_name: String,
    /// The language the page is written in: the candidate's, else the
    /// company's default (a BCP 47 tag).
    pub language: String,
    /// Their applications to the company, oldest first.
    pub applications: Vec<PrivacyPageApplication>,
    /// Their requests not answered yet.
    pub open_requests: Vec<CandidatePrivacyRequest>,
}

impl PrivacyPage {
    pub fn new(view: PageView) -> Self {
        Self {
            first_name: view.candidate.first_name.clone(),
            company_name: view.company.name.clone(),
            language: view.language().to_owned(),
            applications: view
                .applications
                .iter()
                .map(PrivacyPageApplication::new)
                .collect(),
            open_requests: view
                .open_requests
                .iter()
                .map(CandidatePrivacyRequest::new)
                .collect(),
        }
    }
}

/// An application as its candidate sees it.
#[derive(SimpleObject)]
pub struct PrivacyPageApplication {
    pub id: ID,
    pub position_name: String,
    pub status: ApplicationStatus,
    /// Whether the candidate can still withdraw it.
    pub can_withdraw: bool,
}

impl PrivacyPageApplication {
    pub fn new(own: &OwnApplication) -> Self {
        let row = &own.application;
        Self {
            id: Kind::Application.id(row.id),
            position_name: own.position_name.clone(),
            status: row.status.into(),
            can_withdraw: privacy::can_withdraw(row.status),
        }
    }
}

/// A request as the candidate who made it sees it.
#[derive(SimpleObject)]
pub struct CandidatePrivacyRequest {
    pub kind: PrivacyRequestKind,
    pub created_at: DateTime<Utc>,
    /// Until when the company must answer (one month, GDPR Art. 12(3)).
    pub due_at: DateTime<Utc>,
}

impl CandidatePrivacyRequest {
    pub fn new(row: &privacy_request::Model) -> Self {
        Self {
            kind: row.kind.into(),
            created_at: row.created_at,
            due_at: privacy::due_at(row.created_at),
        }
    }
}

/// A candidate's request to see or erase their data, made through their
/// privacy page.
pub struct PrivacyRequest(pub privacy_request::Model);

impl PrivacyRequest {
    pub fn page(rows: Vec<privacy_request::Model>) -> Vec<Self> {
        rows.into_iter().map(Self).collect()
    }
}

#[Object]
impl PrivacyRequest {
    pub async fn id(&self) -> ID {
        Kind::PrivacyRequest.id(self.0.id)
    }
    /// The candidate; `null` once they were deleted (as an erasure does).
    async fn candidate(&self, ctx: &Context<'_>) -> Result<Option<Candidate>, ApiError> {
        let Some(id) = self.0.candidate_id else {
            return Ok(None);
        };
        Ok(candidate::Entity::find_by_id(id)
            .filter(candidate::Column::CompanyId.eq(self.0.company_id))
            .one(db(ctx)?)
            .await?
            .map(Candidate::one))
    }
    async fn kind(&self) -> PrivacyRequestKind {
        self.0.kind.into()
    }
    async fn status(&self) -> PrivacyRequestStatus {
        match self.0.resolved_at {
            Some(_) => PrivacyRequestStatus::Resolved,
            None => PrivacyRequestStatus::Open,
        }
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Until when it must be answered: one month after it was made (GDPR
    /// Art. 12(3); extensions must be told to the candidate within it).
    async fn due_at(&self) -> DateTime<Utc> {
        privacy::due_at(self.0.created_at)
    }
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    /// The user who resolved it; `null` while open or once that user is deleted.
    async fn resolved_by(&self, ctx: &Context<'_>) -> Result<Option<User>, ApiError> {
        User::of_company(db(ctx)?, self.0.company_id, self.0.resolved_by_id).await
    }
}
