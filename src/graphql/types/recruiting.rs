//! Candidates and their applications.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{application, candidate};

use super::{ApplicationSource, ApplicationStatus, Gender, Position, load, load_required};
use crate::error::ApiError;
use crate::graphql::ids::Kind;
use crate::graphql::loaders::{ApplicationsOfCandidate, CandidateId, PositionId};

/// A person who applies to the company.
pub struct Candidate(pub candidate::Model);

#[Object]
impl Candidate {
    pub async fn id(&self) -> ID {
        Kind::Candidate.id(self.0.id)
    }
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }
    /// First and last name joined by a space.
    async fn full_name(&self) -> String {
        format!("{} {}", self.0.first_name, self.0.last_name)
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn gender(&self) -> Gender {
        self.0.gender.into()
    }
    /// BCP 47 tag; picks the template variant.
    async fn preferred_language(&self) -> Option<&str> {
        self.0.preferred_language.as_deref()
    }
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// The candidate's applications the caller may see, oldest first.
    async fn applications(&self, ctx: &Context<'_>) -> Result<Vec<Application>, ApiError> {
        let rows = load(ctx, ApplicationsOfCandidate(self.0.id)).await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(Application)
            .collect())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A candidate's application to one position.
pub struct Application(pub application::Model);

#[Object]
impl Application {
    pub async fn id(&self) -> ID {
        Kind::Application.id(self.0.id)
    }
    async fn candidate(&self, ctx: &Context<'_>) -> Result<Candidate, ApiError> {
        load_required(ctx, CandidateId(self.0.candidate_id), "candidate")
            .await
            .map(Candidate)
    }
    async fn position(&self, ctx: &Context<'_>) -> Result<Position, ApiError> {
        load_required(ctx, PositionId(self.0.position_id), "position")
            .await
            .map(Position)
    }
    async fn source(&self) -> ApplicationSource {
        self.0.source.into()
    }
    async fn status(&self) -> ApplicationStatus {
        self.0.status.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
