//! Candidates: the people who apply. Unique by email address within a company.

use chrono::Utc;
use entity::enums::Gender;
use entity::{application, candidate};
use sea_orm::sea_query::{Expr, ExprTrait as _, Func, SelectStatement};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QuerySelect as _, QueryTrait as _, Select, Set,
};

use crate::access::{Actor, PositionScope};
use crate::applications;
use crate::domain::{EmailAddress, LanguageTag, Name};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventType, NewEvent};
use crate::graphql::ids::Kind;

/// A validated new candidate.
#[derive(Clone, Debug)]
pub struct NewCandidate {
    pub first_name: Name,
    pub last_name: Name,
    pub email: EmailAddress,
    pub gender: Gender,
    pub preferred_language: Option<LanguageTag>,
    pub phone: Option<Phone>,
}

/// A validated change; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct CandidateChange {
    pub first_name: Option<Name>,
    pub last_name: Option<Name>,
    pub email: Option<EmailAddress>,
    pub gender: Option<Gender>,
    /// `Some(None)` clears the language.
    pub preferred_language: Option<Option<LanguageTag>>,
    pub phone: Option<Option<Phone>>,
}

/// A phone number as typed: digits, spaces and `+-/().`, at most 50 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let ok = !raw.is_empty()
            && raw.len() <= 50
            && raw.chars().any(|c| c.is_ascii_digit())
            && raw
                .chars()
                .all(|c| c.is_ascii_digit() || " +-/().".contains(c));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(
                "must be a phone number of at most 50 characters (digits, spaces, + - / ( ) .)"
                    .into(),
            )
        }
    }
}

/// How a candidate is named in greetings and address headers.
pub fn full_name(candidate: &candidate::Model) -> String {
    format!("{} {}", candidate.first_name, candidate.last_name)
}

/// Filters of the `candidates` list.
#[derive(Debug, Default)]
pub struct CandidateFilter {
    /// Case-insensitive substring of first name, last name or email.
    pub search: Option<String>,
    pub email: Option<EmailAddress>,
    pub position_id: Option<i64>,
}

/// The candidates `actor` may see: their company's, and for hiring managers only
/// those who applied to one of their positions.
pub fn visible(actor: &Actor) -> Select<candidate::Entity> {
    let query = candidate::Entity::find().filter(candidate::Column::CompanyId.eq(actor.company_id));
    match &actor.positions {
        PositionScope::All => query,
        PositionScope::Assigned(_) => {
            query.filter(candidate::Column::Id.in_subquery(applicants(actor, None)))
        }
    }
}

/// The IDs of candidates with an application `actor` sees, to `position`
/// when one is given.
///
/// Going through the visible applications is what makes a position the
/// caller may not see behave like one that does not exist: it has no
/// visible application, so it names no candidate.
pub fn applicants(actor: &Actor, position: Option<i64>) -> SelectStatement {
    let mut query = applications::visible(actor);
    if let Some(id) = position {
        query = query.filter(application::Column::PositionId.eq(id));
    }
    query
        .select_only()
        .column(application::Column::CandidateId)
        .into_query()
}

/// `visible` narrowed by `filter`.
pub fn search(actor: &Actor, filter: &CandidateFilter) -> Select<candidate::Entity> {
    let mut query = visible(actor);
    if let Some(text) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        let like = |col: candidate::Column| {
            Expr::expr(Func::lower(Expr::col(col)))
                .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'))
        };
        query = query.filter(
            Condition::any()
                .add(like(candidate::Column::FirstName))
                .add(like(candidate::Column::LastName))
                .add(like(candidate::Column::Email)),
        );
    }
    if let Some(email) = &filter.email {
        query = query.filter(candidate::Column::Email.eq(email.normalized()));
    }
    if let Some(position_id) = filter.position_id {
        query =
            query.filter(candidate::Column::Id.in_subquery(applicants(actor, Some(position_id))));
    }
    query
}

/// `%`, `_` and `\` match literally in a LIKE pattern once escaped (with
/// `ESCAPE '\'`); every search over user-typed text goes through it.
pub(crate) fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One candidate the actor may see, or `NOT_FOUND`.
pub async fn find(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<candidate::Model> {
    visible(actor)
        .filter(candidate::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("candidate"))
}

/// One candidate the actor may see, locked for the transaction on
/// PostgreSQL (SQLite's write transaction holds the whole database), or
/// `NOT_FOUND`.
pub async fn locked(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    id: i64,
) -> ApiResult<candidate::Model> {
    let mut query = visible(actor).filter(candidate::Column::Id.eq(id));
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    query.one(txn).await?.ok_or(ApiError::NotFound("candidate"))
}

pub async fn create(
    db: &impl crate::db::Writable,
    actor: &Actor,
    new: NewCandidate,
) -> ApiResult<candidate::Model> {
    let now = Utc::now();
    crate::db::write_transaction!(db, |txn| {
        insert(txn, actor.company_id, new.clone(), now).await
    })
}

/// Writes a new candidate of `company_id`, with its event, in the caller's
/// transaction; `CONFLICT` when the company has one with the same address.
pub async fn insert(
    db: &sea_orm::DatabaseTransaction,
    company_id: i64,
    new: NewCandidate,
    now: chrono::DateTime<Utc>,
) -> ApiResult<candidate::Model> {
    let created = candidate::ActiveModel {
        company_id: Set(company_id),
        first_name: Set(new.first_name.into_inner()),
        last_name: Set(new.last_name.into_inner()),
        email: Set(new.email.normalized()),
        gender: Set(new.gender),
        preferred_language: Set(new.preferred_language.map(|l| l.as_str().to_owned())),
        phone: Set(new.phone.map(|p| p.0)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| ApiError::from_write(e, "a candidate with this email address"))?;
    events::append(db, vec![created_event(&created)], now).await?;
    Ok(created)
}

/// `candidate.created`, for a candidate written in the caller's transaction.
pub fn created_event(row: &candidate::Model) -> NewEvent {
    NewEvent::new(
        row.company_id,
        EventType::CandidateCreated,
        Kind::Candidate,
        row.id,
    )
    .first()
}

pub async fn update(
    db: &impl crate::db::Writable,
    actor: &Actor,
    id: i64,
    change: CandidateChange,
) -> ApiResult<candidate::Model> {
    let now = Utc::now();
    crate::db::write_transaction!(db, |txn| {
        let mut row = find(txn, actor, id).await?.into_active_model();
        // The names of the fields given, never their values: the event
        // tells that something changed; readers fetch what, with their rights.
        let mut changed = Vec::new();
        if let Some(v) = change.first_name.clone() {
            row.first_name = Set(v.into_inner());
            changed.push("firstName");
        }
        if let Some(v) = change.last_name.clone() {
            row.last_name = Set(v.into_inner());
            changed.push("lastName");
        }
        if let Some(v) = change.email.clone() {
            row.email = Set(v.normalized());
            changed.push("email");
        }
        if let Some(v) = change.gender {
            row.gender = Set(v);
            changed.push("gender");
        }
        if let Some(v) = change.preferred_language.clone() {
            row.preferred_language = Set(v.map(|l| l.as_str().to_owned()));
            changed.push("preferredLanguage");
        }
        if let Some(v) = change.phone.clone() {
            row.phone = Set(v.map(|p| p.0));
            changed.push("phone");
        }
        row.updated_at = Set(now);
        let updated = row
            .update(txn)
            .await
            .map_err(|e| ApiError::from_write(e, "a candidate with this email address"))?;
        let event = NewEvent::new(
            updated.company_id,
            EventType::CandidateUpdated,
            Kind::Candidate,
            updated.id,
        )
        .with("changed", changed);
        events::append(txn, vec![event], now).await?;
        Ok(updated)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }

    #[test]
    fn phones_are_checked() {
        assert!(Phone::parse("+49 (30) 123-456").is_ok());
        assert!(Phone::parse("call me").is_err());
        assert!(Phone::parse(&"1".repeat(51)).is_err());
    }
}
