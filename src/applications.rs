//! Applications: one per candidate and position.

use chrono::Utc;
use entity::application;
use entity::enums::{ApplicationSource, ApplicationStatus};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseTransaction,
    EntityTrait as _, IntoActiveModel as _, QueryFilter as _, Select, Set,
};

use crate::access::Actor;
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventType, NewEvent};
use crate::graphql::ids::Kind;
use crate::{candidates, positions};

/// Filters of the `applications` list.
#[derive(Debug, Default)]
pub struct ApplicationFilter {
    pub candidate_id: Option<i64>,
    pub position_id: Option<i64>,
    pub status: Option<ApplicationStatus>,
    pub source: Option<ApplicationSource>,
}

/// The applications `actor` may see: those to the positions they see.
/// Candidates, interviews and messages are visible through these, so a
/// filter that names a position or candidate goes through them too.
pub fn visible(actor: &Actor) -> Select<application::Entity> {
    application::Entity::find()
        .filter(application::Column::CompanyId.eq(actor.company_id))
        .filter(actor.positions.covers(application::Column::PositionId))
}

pub fn search(actor: &Actor, filter: &ApplicationFilter) -> Select<application::Entity> {
    let mut query = visible(actor);
    if let Some(id) = filter.candidate_id {
        query = query.filter(application::Column::CandidateId.eq(id));
    }
    if let Some(id) = filter.position_id {
        query = query.filter(application::Column::PositionId.eq(id));
    }
    if let Some(status) = filter.status {
        query = query.filter(application::Column::Status.eq(status));
    }
    if let Some(source) = filter.source {
        query = query.filter(application::Column::Source.eq(source));
    }
    query
}

pub async fn find(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<application::Model> {
    visible(actor)
        .filter(application::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("application"))
}

/// Creates an application by a recruiter (source MANUAL, which never triggers
/// an automatic reply). The candidate and position must be visible to the actor.
pub async fn create_manual(
    db: &impl crate::db::Writable,
    actor: &Actor,
    candidate_id: i64,
    position_id: i64,
    status: ApplicationStatus,
) -> ApiResult<application::Model> {
    crate::db::write_transaction!(db, |txn| {
        let position = positions::find(txn, actor, position_id).await?;
        // The candidate must be visible too: filing an application must not
        // let a hiring manager pull an arbitrary candidate into their
        // positions' view.
        let candidate = candidates::find(txn, actor, candidate_id).await?;
        let now = Utc::now();
        let created = application::ActiveModel {
            company_id: Set(actor.company_id),
            candidate_id: Set(candidate.id),
            position_id: Set(position.id),
            source: Set(ApplicationSource::Manual),
            status: Set(status),
            created_at: Set(now),
            updated_at: Set(now),
            closed_at: Set(closes(status).then_some(now)),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| {
            ApiError::from_write(e, "an application of this candidate to this position")
        })?;
        events::append(txn, vec![created_event(&created)], now).await?;
        Ok(created)
    })
}

/// `application.created`, with where the application came from, for an
/// application written in the caller's transaction.
pub fn created_event(row: &application::Model) -> NewEvent {
    NewEvent::new(
        row.company_id,
        EventType::ApplicationCreated,
        Kind::Application,
        row.id,
    )
    .first()
    .with_id("candidateId", Kind::Candidate, Some(row.candidate_id))
    .with_id("positionId", Kind::Position, Some(row.position_id))
    .with("source", sea_orm::ActiveEnum::to_value(&row.source))
}

/// Whether an application in `status` is closed: the candidate was
/// rejected or withdrew. A hired candidate's application stays open: their
/// file goes on as an employee's, which retention does not decide about.
pub fn closes(status: ApplicationStatus) -> bool {
    matches!(
        status,
        ApplicationStatus::Rejected | ApplicationStatus::Withdrawn
    )
}

/// Sets the status of one of the actor's visible applications.
pub async fn set_status(
    db: &impl crate::db::Writable,
    actor: &Actor,
    id: i64,
    status: ApplicationStatus,
) -> ApiResult<application::Model> {
    crate::db::write_transaction!(db, |txn| {
        let row = find(txn, actor, id).await?;
        change_status(txn, row, status, Utc::now()).await
    })
}

/// Writes `status` to `row` in the caller's write transaction, with its
/// `application.status_changed` event (unless it already had that status),
/// so that recruiters' screens and integrations learn of every change,
/// also one the candidate made through their privacy page. Closing it
/// records when (a move between the closed statuses keeps the first time,
/// since the candidate left the process then); reopening it clears that
/// time, which retention counts from.
pub async fn change_status(
    txn: &DatabaseTransaction,
    row: application::Model,
    status: ApplicationStatus,
    now: chrono::DateTime<Utc>,
) -> ApiResult<application::Model> {
    if row.status == status {
        return Ok(row);
    }
    let previous = row.status;
    let closed_at = match (closes(previous), closes(status)) {
        (_, false) => None,
        (true, true) => row.closed_at.or(Some(now)),
        (false, true) => Some(now),
    };
    let mut active = row.into_active_model();
    active.status = Set(status);
    active.updated_at = Set(now);
    active.closed_at = Set(closed_at);
    let updated = active.update(txn).await?;
    let event = NewEvent::new(
        updated.company_id,
        EventType::ApplicationStatusChanged,
        Kind::Application,
        updated.id,
    )
    .with_id("candidateId", Kind::Candidate, Some(updated.candidate_id))
    .with_id("positionId", Kind::Position, Some(updated.position_id))
    .with("status", sea_orm::ActiveEnum::to_value(&updated.status))
    .with("previousStatus", sea_orm::ActiveEnum::to_value(&previous));
    events::append(txn, vec![event], now).await?;
    Ok(updated)
}
