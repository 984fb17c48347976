//! Which events a caller may be told about: those whose subject they could
//! read through the API, with the same sections and position scope as the
//! subject's own query (`candidate`, `message`, `interview` …).
//!
//! A caller who sees every position of the company reads every subject of
//! the company that the section opens, so their events need no lookup. A
//! hiring manager's are looked up in one statement per subject type for a
//! whole batch of events, through the same `visible` selections the queries
//! use; a subject that no longer exists is then not visible, and
//! `candidate.deleted` is only told to callers who see every candidate.

use std::collections::HashSet;
use std::sync::Arc;

use entity::{application, candidate, email_batch, interview, message, position};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait, QueryFilter as _, QuerySelect as _, Select,
};

use super::{Event, EventType};
use crate::access::{Actor, PositionScope, Section};
use crate::error::ApiResult;
use crate::graphql::ids::Kind;
use crate::mail::messages;
use crate::{applications, candidates, interviews, positions};

/// What reading a subject of one type takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Needs {
    /// A section, and the subject within the caller's position scope.
    Section(Section, Kind),
    /// Any signed-in user, and the subject within their position scope.
    Scope(Kind),
    /// A recruiting admin (webhook endpoints and anything not listed here).
    Admin,
}

fn needs(subject: &str) -> Needs {
    match subject {
        "Candidate" => Needs::Section(Section::Candidates, Kind::Candidate),
        "Application" => Needs::Section(Section::Candidates, Kind::Application),
        "Message" => Needs::Section(Section::Messages, Kind::Message),
        "EmailBatch" => Needs::Section(Section::Messages, Kind::EmailBatch),
        "Interview" => Needs::Section(Section::Interviews, Kind::Interview),
        "Position" => Needs::Scope(Kind::Position),
        _ => Needs::Admin,
    }
}

/// The events of `batch` that `actor` may see, in their order.
pub async fn visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    batch: Vec<Arc<Event>>,
) -> ApiResult<Vec<Arc<Event>>> {
    let mut kept = Vec::with_capacity(batch.len());
    // Subjects whose visibility depends on rows: looked up together below.
    let mut lookups: Vec<(Kind, i64)> = Vec::new();
    for event in batch {
        if event.company_id != actor.company_id {
            continue;
        }
        let kind = match needs(&event.subject) {
            Needs::Admin if actor.is_admin => None,
            Needs::Admin => continue,
            Needs::Section(section, _) if !actor.can(section) => continue,
            Needs::Section(_, kind) | Needs::Scope(kind) => Some(kind),
        };
        let deleted = EventType::parse(&event.event_type) == Some(EventType::CandidateDeleted);
        match (&actor.positions, kind) {
            (PositionScope::All, _) | (_, None) => kept.push((event, None)),
            // Nobody limited to some positions sees that a candidate, whoever
            // they applied to, was erased.
            (PositionScope::Assigned(_), Some(_)) if deleted => {}
            (PositionScope::Assigned(_), Some(kind)) => {
                lookups.push((kind, event.subject_id));
                kept.push((event, Some(kind)));
            }
        }
    }
    if lookups.is_empty() {
        return Ok(kept.into_iter().map(|(event, _)| event).collect());
    }
    let seen = seen_subjects(db, actor, lookups).await?;
    Ok(kept
        .into_iter()
        .filter(|(event, kind)| kind.is_none_or(|kind| seen.contains(&(kind, event.subject_id))))
        .map(|(event, _)| event)
        .collect())
}

/// Which of `subjects` the actor's queries would return: one statement per
/// subject type.
async fn seen_subjects(
    db: &impl ConnectionTrait,
    actor: &Actor,
    mut subjects: Vec<(Kind, i64)>,
) -> ApiResult<HashSet<(Kind, i64)>> {
    subjects.sort_unstable_by_key(|(kind, id)| (kind.name(), *id));
    subjects.dedup();
    let mut seen = HashSet::new();
    for kind in [
        Kind::Candidate,
        Kind::Application,
        Kind::Message,
        Kind::EmailBatch,
        Kind::Interview,
        Kind::Position,
    ] {
        let ids: Vec<i64> = subjects
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| *id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        let found = match kind {
            Kind::Candidate => {
                ids_in(db, candidates::visible(actor), candidate::Column::Id, ids).await?
            }
            Kind::Application => {
                ids_in(
                    db,
                    applications::visible(actor),
                    application::Column::Id,
                    ids,
                )
                .await?
            }
            Kind::Message => ids_in(db, messages::visible(actor), message::Column::Id, ids).await?,
            Kind::EmailBatch => {
                ids_in(
                    db,
                    messages::visible_batches(actor),
                    email_batch::Column::Id,
                    ids,
                )
                .await?
            }
            Kind::Interview => {
                ids_in(db, interviews::visible(actor), interview::Column::Id, ids).await?
            }
            _ => ids_in(db, positions::visible(actor), position::Column::Id, ids).await?,
        };
        seen.extend(found.into_iter().map(|id| (kind, id)));
    }
    Ok(seen)
}

/// The ids among `ids` that `select` returns.
async fn ids_in<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    column: E::Column,
    ids: Vec<i64>,
) -> ApiResult<Vec<i64>> {
    let mut found = Vec::new();
    for chunk in ids.chunks(500) {
        found.extend(
            select
                .clone()
                .select_only()
                .column(column)
                .filter(column.is_in(chunk.iter().copied()))
                .into_tuple::<i64>()
                .all(db)
                .await?,
        );
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_need_the_section_of_their_query_and_unknown_ones_an_admin() {
        assert_eq!(
            needs("Candidate"),
            Needs::Section(Section::Candidates, Kind::Candidate)
        );
        assert_eq!(
            needs("Message"),
            Needs::Section(Section::Messages, Kind::Message)
        );
        assert_eq!(
            needs("Interview"),
            Needs::Section(Section::Interviews, Kind::Interview)
        );
        assert_eq!(needs("WebhookEndpoint"), Needs::Admin);
        assert_eq!(needs("candidate"), Needs::Admin);
    }
}
