//! The candidate's privacy page: through the link `{{ privacy_link }}` puts
//! in their mail, a candidate sees their applications and can withdraw them,
//! ask for their data to be erased (GDPR Art. 17) or for a copy of it
//! (Art. 15(3)), without an account. Requests wait for a recruiting admin,
//! who has one month to answer them (Art. 12(3)); `dueAt` says until when.
//!
//! An erasure request also puts the address on the do-not-contact list at
//! once: Art. 17 is about the data, but someone asking to be forgotten has
//! plainly asked not to be written to while the request waits.

pub mod limits;
pub mod links;

use chrono::{DateTime, Months, Utc};
use entity::enums::{ApplicationStatus, DoNotContactReason, PrivacyRequestKind};
use entity::{application, candidate, company, position, privacy_request};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, Select, Set,
};

use crate::access::Actor;
use crate::audit::{self, Change};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventType, NewEvent};
use crate::graphql::ids::Kind;
use crate::settings::Settings;
use links::TokenKey;

/// The time a company has to answer a request (GDPR Art. 12(3)).
const ANSWER_WITHIN: Months = Months::new(1);

/// Until when a request made at `created_at` must be answered.
pub fn due_at(created_at: DateTime<Utc>) -> DateTime<Utc> {
    created_at
        .checked_add_months(ANSWER_WITHIN)
        .unwrap_or(created_at)
}

/// Whether a candidate can still withdraw an application: not once the
/// process has ended either way.
pub fn can_withdraw(status: ApplicationStatus) -> bool {
    crate::scheduling::links::is_open(status)
}

/// The candidate a presented token opens. A token never issued, a forged
/// or revoked one and one of a deleted or anonymised candidate are all
/// alike `NOT_FOUND`.
pub async fn open(
    db: &impl ConnectionTrait,
    settings: &Settings,
    token: &str,
    lock: bool,
) -> ApiResult<candidate::Model> {
    let not_found = ApiError::NotFound("privacy page");
    let Some(id) = TokenKey::candidate_of(token) else {
        return Err(not_found);
    };
    let mut query = candidate::Entity::find_by_id(id);
    if lock {
        query = query.lock_exclusive();
    }
    let Some(candidate) = query.one(db).await? else {
        return Err(not_found);
    };
    let key = TokenKey::new(&settings.secret_key);
    let issued = key.verify(
        token,
        candidate.company_id,
        candidate.id,
        candidate.privacy_link_version,
    );
    if !issued || candidate.erased_at.is_some() {
        return Err(not_found);
    }
    Ok(candidate)
}

/// One application as its candidate sees it.
#[derive(Debug)]
pub struct OwnApplication {
    pub application: application::Model,
    pub position_name: String,
}

/// What the privacy page shows.
#[derive(Debug)]
pub struct PageView {
    pub candidate: candidate::Model,
    pub company: company::Model,
    pub applications: Vec<OwnApplication>,
    pub open_requests: Vec<privacy_request::Model>,
}

impl PageView {
    /// The language the page is written in: the candidate's, else the company's.
    pub fn language(&self) -> &str {
        self.candidate
            .preferred_language
            .as_deref()
            .unwrap_or(&self.company.default_language)
    }
}

/// The page of the candidate holding `token`.
pub async fn view(
    db: &impl ConnectionTrait,
    settings: &Settings,
    token: &str,
) -> ApiResult<PageView> {
    let candidate = open(db, settings, token, false).await?;
    page_of(db, candidate).await
}

async fn page_of(db: &impl ConnectionTrait, candidate: candidate::Model) -> ApiResult<PageView> {
    let company = company::Entity::find_by_id(candidate.company_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("privacy page"))?;
    let rows = application::Entity::find()
        .filter(application::Column::CompanyId.eq(candidate.company_id))
        .filter(application::Column::CandidateId.eq(candidate.id))
        .order_by_asc(application::Column::CreatedAt)
        .order_by_asc(application::Column::Id)
        .all(db)
        .await?;
    let positions = position::Entity::find()
        .filter(position::Column::Id.is_in(rows.iter().map(|a| a.position_id)))
        .all(db)
        .await?;
    let applications = rows
        .into_iter()
        .map(|application| OwnApplication {
            position_name: positions
                .iter()
                .find(|p| p.id == application.position_id)
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            application,
        })
        .collect();
    let open_requests = open_requests(db, &candidate).await?;
    Ok(PageView {
        candidate,
        company,
        applications,
        open_requests,
    })
}

async fn open_requests(
    db: &impl ConnectionTrait,
    candidate: &candidate::Model,
) -> ApiResult<Vec<privacy_request::Model>> {
    Ok(privacy_request::Entity::find()
        .filter(privacy_request::Column::CompanyId.eq(candidate.company_id))
        .filter(privacy_request::Column::CandidateId.eq(candidate.id))
        .filter(privacy_request::Column::ResolvedAt.is_null())
        .order_by_asc(privacy_request::Column::Id)
        .all(db)
        .await?)
}

/// Withdraws one of the token's candidate's applications. Another
/// candidate's application is `NOT_FOUND`, one already closed `CONFLICT`.
pub async fn withdraw(
    db: &impl crate::db::Writable,
    settings: &Settings,
    token: &str,
    application_id: i64,
    now: DateTime<Utc>,
) -> ApiResult<OwnApplication> {
    let application = crate::db::write_transaction!(db, |txn| {
        let candidate = open(txn, settings, token, true).await?;
        let row = application::Entity::find_by_id(application_id)
            .filter(application::Column::CompanyId.eq(candidate.company_id))
            .filter(application::Column::CandidateId.eq(candidate.id))
            .lock_exclusive()
            .one(txn)
            .await?
            .ok_or(ApiError::NotFound("application"))?;
        if row.status == ApplicationStatus::Withdrawn {
            return Ok(row);
        }
        if !can_withdraw(row.status) {
            return Err(ApiError::conflict(
                "this application's process has ended; it can no longer be withdrawn",
            ));
        }
        crate::applications::change_status(txn, row, ApplicationStatus::Withdrawn, now).await
    })?;
    let position_name = position::Entity::find_by_id(application.position_id)
        .one(db)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    Ok(OwnApplication {
        application,
        position_name,
    })
}

/// A request of `kind` by the token's candidate: the open one of that kind
/// if there is one, else a new one. A new erasure request puts the address
/// on the do-not-contact list in the same transaction.
pub async fn request(
    db: &impl crate::db::Writable,
    settings: &Settings,
    token: &str,
    kind: PrivacyRequestKind,
    now: DateTime<Utc>,
) -> ApiResult<privacy_request::Model> {
    crate::db::write_transaction!(db, |txn| {
        // The candidate's row is locked, so two clicks make one request.
        let candidate = open(txn, settings, token, true).await?;
        if let Some(open) = open_requests(txn, &candidate)
            .await?
            .into_iter()
            .find(|r| r.kind == kind)
        {
            return Ok(open);
        }
        let row = privacy_request::ActiveModel {
            company_id: Set(candidate.company_id),
            candidate_id: Set(Some(candidate.id)),
            kind: Set(kind),
            created_at: Set(now),
            resolved_at: Set(None),
            resolved_by_id: Set(None),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        if kind == PrivacyRequestKind::Erasure {
            crate::do_not_contact::add(
                txn,
                &settings.secret_key,
                candidate.company_id,
                &candidate.email,
                DoNotContactReason::CandidateRequest,
                None,
                now,
            )
            .await?;
        }
        let event = event_of(&row, EventType::PrivacyRequestCreated).first();
        events::append(txn, vec![event], now).await?;
        audit::record(
            txn,
            row.company_id,
            None,
            audited("privacy_request.created", &row),
            now,
        )
        .await?;
        Ok(row)
    })
}

/// Revokes every privacy-page link of candidate `id` issued so far (one
/// forwarded to the wrong person, say) by raising the link version; mail
/// sent from now on carries a new link. Recorded in the audit trail.
pub async fn revoke_links(
    db: &impl crate::db::Writable,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> ApiResult<candidate::Model> {
    crate::db::write_transaction!(db, |txn| {
        let row = crate::candidates::locked(txn, actor, id).await?;
        let version = row.privacy_link_version.checked_add(1).ok_or_else(|| {
            ApiError::conflict("this candidate's links were revoked too many times")
        })?;
        let mut active = row.into_active_model();
        active.privacy_link_version = Set(version);
        let row = active.update(txn).await?;
        let change = Change::new("candidate.privacy_links_revoked")
            .on("Candidate", row.id)
            .with("version", version);
        audit::record(txn, row.company_id, Some(actor), change, now).await?;
        Ok(row)
    })
}

/// Filters of the admins' list.
#[derive(Debug, Default)]
pub struct RequestFilter {
    /// `Some(true)`: only open ones; `Some(false)`: only resolved ones.
    pub open: Option<bool>,
    pub kind: Option<PrivacyRequestKind>,
}

/// The company's requests matching `filter`.
pub fn search(actor: &Actor, filter: &RequestFilter) -> Select<privacy_request::Entity> {
    let mut query = privacy_request::Entity::find()
        .filter(privacy_request::Column::CompanyId.eq(actor.company_id));
    match filter.open {
        Some(true) => query = query.filter(privacy_request::Column::ResolvedAt.is_null()),
        Some(false) => query = query.filter(privacy_request::Column::ResolvedAt.is_not_null()),
        None => {}
    }
    if let Some(kind) = filter.kind {
        query = query.filter(privacy_request::Column::Kind.eq(kind));
    }
    query
}

/// One of the company's requests, for its recruiting admins.
pub async fn find(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<privacy_request::Model> {
    search(actor, &RequestFilter::default())
        .filter(privacy_request::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("privacy request"))
}

/// Marks a request answered. One already resolved is `CONFLICT`.
pub async fn resolve(
    db: &impl crate::db::Writable,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> ApiResult<privacy_request::Model> {
    crate::db::write_transaction!(db, |txn| {
        let row = privacy_request::Entity::find_by_id(id)
            .filter(privacy_request::Column::CompanyId.eq(actor.company_id))
            .lock_exclusive()
            .one(txn)
            .await?
            .ok_or(ApiError::NotFound("privacy request"))?;
        if row.resolved_at.is_some() {
            return Err(ApiError::conflict("the request is already resolved"));
        }
        let mut active = row.into_active_model();
        active.resolved_at = Set(Some(now));
        active.resolved_by_id = Set(Some(actor.user_id));
        let row = active.update(txn).await?;
        let event = event_of(&row, EventType::PrivacyRequestResolved);
        events::append(txn, vec![event], now).await?;
        audit::record(
            txn,
            row.company_id,
            Some(actor),
            audited("privacy_request.resolved", &row),
            now,
        )
        .await?;
        Ok(row)
    })
}

/// The name of a kind as the API spells it.
pub fn kind_name(kind: PrivacyRequestKind) -> &'static str {
    match kind {
        PrivacyRequestKind::Erasure => "ERASURE",
        PrivacyRequestKind::Export => "EXPORT",
    }
}

fn event_of(row: &privacy_request::Model, event_type: EventType) -> NewEvent {
    NewEvent::new(row.company_id, event_type, Kind::PrivacyRequest, row.id)
        .with_id("candidateId", Kind::Candidate, row.candidate_id)
        .with("kind", kind_name(row.kind))
}

/// An audit entry by IDs only: never the candidate's name or address.
fn audited(action: &'static str, row: &privacy_request::Model) -> Change {
    let mut change = Change::new(action)
        .on("PrivacyRequest", row.id)
        .with("kind", kind_name(row.kind));
    if let Some(candidate) = row.candidate_id {
        change = change.with("candidateId", candidate);
    }
    change
}
