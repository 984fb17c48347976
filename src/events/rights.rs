//! Which events a caller may be told about: those whose subject they could
//! read through the API, with the same sections and position scope as the
//! subject's own query (`candidate`, `message`, `interview` …).
//!
//! The rule is one SQL condition on the `events` table ([`condition`]),
//! built from the same `visible` selections those queries use, so a subject
//! that no longer exists is not visible to a hiring manager, and
//! `candidate.deleted` is only told to callers who see every candidate. A
//! caller who sees every position of the company reads every subject of the
//! company that their sections open, so their events need no lookup; a
//! hiring manager's are checked for a whole batch in one statement.

use std::sync::Arc;

use entity::{application, candidate, email_batch, event, interview, message, position};
use sea_orm::sea_query::{Expr, ExprTrait as _, SelectStatement};
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, EntityTrait, QueryFilter as _, QuerySelect as _,
    QueryTrait as _, Select,
};

use super::{Event, EventType};
use crate::access::{Actor, PositionScope, Section};
use crate::error::ApiResult;
use crate::graphql::ids::Kind;
use crate::mail::messages;
use crate::{applications, candidates, interviews, positions};

/// The subject types whose reading depends on sections and positions, with
/// what reading them takes. Events about any other subject (webhook
/// endpoints …) are for recruiting admins only.
const SUBJECTS: [(Kind, Option<Section>); 6] = [
    (Kind::Candidate, Some(Section::Candidates)),
    (Kind::Application, Some(Section::Candidates)),
    (Kind::Message, Some(Section::Messages)),
    (Kind::EmailBatch, Some(Section::Messages)),
    (Kind::Interview, Some(Section::Interviews)),
    (Kind::Position, None),
];

/// The events `actor` may see, as a condition on `events`.
pub fn condition(actor: &Actor) -> Condition {
    let mut any = Condition::any();
    for (kind, section) in SUBJECTS {
        if section.is_some_and(|s| !actor.can(s)) {
            continue;
        }
        let mut this = Condition::all().add(event::Column::SubjectType.eq(kind.name()));
        if let PositionScope::Assigned(_) = actor.positions {
            this = this.add(event::Column::SubjectId.in_subquery(visible_ids(actor, kind)));
            if kind == Kind::Candidate {
                this = this.add(event::Column::EventType.ne(EventType::CandidateDeleted.name()));
            }
        }
        any = any.add(this);
    }
    if actor.is_admin {
        any = any.add(
            event::Column::SubjectType.is_not_in(SUBJECTS.iter().map(|(kind, _)| kind.name())),
        );
    }
    Condition::all()
        .add(event::Column::CompanyId.eq(actor.company_id))
        // No subject type at all: a condition no row meets.
        .add(if any.is_empty() {
            Condition::all().add(Expr::val(1).eq(0))
        } else {
            any
        })
}

/// The ids of the subjects of `kind` the actor's own query would return.
fn visible_ids(actor: &Actor, kind: Kind) -> SelectStatement {
    fn ids<E: EntityTrait>(select: Select<E>, column: E::Column) -> SelectStatement {
        select.select_only().column(column).into_query()
    }
    match kind {
        Kind::Candidate => ids(candidates::visible(actor), candidate::Column::Id),
        Kind::Application => ids(applications::visible(actor), application::Column::Id),
        Kind::Message => ids(messages::visible(actor), message::Column::Id),
        Kind::EmailBatch => ids(messages::visible_batches(actor), email_batch::Column::Id),
        Kind::Interview => ids(interviews::visible(actor), interview::Column::Id),
        _ => ids(positions::visible(actor), position::Column::Id),
    }
}

/// Whether an actor who sees every position may see `event`: [`condition`]
/// without the lookups it does not need.
fn visible_to_all_positions(actor: &Actor, event: &Event) -> bool {
    if event.company_id != actor.company_id {
        return false;
    }
    match SUBJECTS
        .iter()
        .find(|(kind, _)| kind.name() == event.subject)
    {
        Some((_, section)) => section.is_none_or(|s| actor.can(s)),
        None => actor.is_admin,
    }
}

/// The events of `batch` that `actor` may see, in their order.
pub async fn visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    batch: Vec<Arc<Event>>,
) -> ApiResult<Vec<Arc<Event>>> {
    if actor.positions == PositionScope::All {
        return Ok(batch
            .into_iter()
            .filter(|event| visible_to_all_positions(actor, event))
            .collect());
    }
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<i64> = batch.iter().map(|e| e.id).collect();
    for chunk in ids.chunks(500) {
        seen.extend(
            event::Entity::find()
                .select_only()
                .column(event::Column::Id)
                .filter(event::Column::Id.is_in(chunk.iter().copied()))
                .filter(condition(actor))
                .into_tuple::<i64>()
                .all(db)
                .await?,
        );
    }
    Ok(batch
        .into_iter()
        .filter(|event| seen.contains(&event.id))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::DbBackend;

    fn sql(actor: &Actor) -> String {
        event::Entity::find()
            .filter(condition(actor))
            .build(DbBackend::Postgres)
            .to_string()
    }

    #[test]
    fn a_caller_without_sections_sees_only_positions_and_an_admin_everything_else_too() {
        let nobody = Actor::from_roles(
            &entity::user::Model {
                id: 7,
                company_id: 3,
                email: "a@example.com".into(),
                display_name: "A".into(),
                signature_html: None,
                active: true,
                created_at: chrono::Utc::now(),
            },
            &[],
            &[],
            vec![4],
        );
        let text = sql(&nobody);
        assert!(text.contains("\"company_id\" = 3"), "{text}");
        assert!(text.contains("'Position'"), "{text}");
        assert!(!text.contains("'Candidate'"), "{text}");
        assert!(!text.contains("NOT IN"), "{text}");
        // The automatic actor sees every position but holds no section.
        let automatic = sql(&Actor::automatic(3, 7));
        assert!(!automatic.contains("'Message'"), "{automatic}");
        assert!(!automatic.contains("\"subject_id\" IN"), "{automatic}");
    }
}
