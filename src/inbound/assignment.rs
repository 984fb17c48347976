//! Received mail set aside with no candidate (`unassignedMessages`): from an
//! unknown sender that applies for no open position, or from a machine. A
//! recruiter files such a message in a candidate's thread, or makes a
//! candidate of its sender (`assignMessage`).
//!
//! Two recruiters assigning the same message at once: the assignment is one
//! conditional update (`candidate_id IS NULL`), so exactly one of them
//! wins; the other is told `CONFLICT` and nothing of theirs is kept (a
//! candidate they were making included).

use chrono::{DateTime, Utc};
use entity::enums::{Gender, MessageDirection};
use entity::{candidate, document, message, message_attachment};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait as _, EntityTrait as _, QueryFilter as _, QuerySelect as _, QueryTrait as _, Select,
};

use crate::access::{Actor, Section};
use crate::candidates::{self, NewCandidate};
use crate::domain::{EmailAddress, Name};
use crate::error::{ApiError, ApiResult};
use crate::mail::messages;

/// Received messages of no candidate the actor may see: mail from people
/// (`machine` false) or mail from machines kept aside (`machine` true).
/// Users limited to their positions see none: nobody has applied yet.
pub fn unassigned(actor: &Actor, machine: bool) -> Select<message::Entity> {
    let query = messages::visible(actor)
        .filter(message::Column::CandidateId.is_null())
        .filter(message::Column::Direction.eq(MessageDirection::Inbound))
        .filter(message::Column::ParticipantUserId.is_null());
    if machine {
        query.filter(message::Column::MachineKind.is_not_null())
    } else {
        query.filter(message::Column::MachineKind.is_null())
    }
}

/// Whom a message is assigned to.
#[derive(Debug)]
pub enum Assignee {
    /// A candidate the actor may see.
    Candidate(i64),
    /// A new candidate with the message's sender address.
    New { first_name: Name, last_name: Name },
}

/// Files the unassigned message `message_id` in the assignee's thread; its
/// attachments become the candidate's documents. Returns the message and
/// the candidate.
pub async fn assign(
    db: &impl crate::db::Writable,
    actor: &Actor,
    message_id: i64,
    assignee: Assignee,
    now: DateTime<Utc>,
) -> ApiResult<(message::Model, candidate::Model)> {
    if matches!(assignee, Assignee::New { .. }) && !actor.can(Section::Candidates) {
        return Err(ApiError::forbidden(
            "access to the CANDIDATES section is required to make a candidate",
        ));
    }
    crate::db::write_transaction!(db, |txn| {
        let row = messages::find(txn, actor, message_id).await?;
        if row.direction != MessageDirection::Inbound || row.participant_user_id.is_some() {
            return Err(ApiError::validation(
                "messageId",
                "only a received message can be assigned",
            ));
        }
        if row.candidate_id.is_some() {
            return Err(already_assigned());
        }
        let candidate = match &assignee {
            Assignee::Candidate(id) => candidates::find(txn, actor, *id).await?,
            Assignee::New {
                first_name,
                last_name,
            } => {
                if row.machine_kind.is_some() {
                    return Err(ApiError::validation(
                        "newCandidate",
                        "mail from a machine does not make a candidate; assign it to an existing one",
                    ));
                }
                let email = EmailAddress::parse(&row.from_address).map_err(|_| {
                    ApiError::validation(
                        "newCandidate",
                        "the sender's address is not one a candidate can be written to",
                    )
                })?;
                let new = NewCandidate {
                    first_name: first_name.clone(),
                    last_name: last_name.clone(),
                    email,
                    gender: Gender::Unknown,
                    preferred_language: None,
                    phone: None,
                };
                candidates::insert(txn, actor.company_id, new, now).await?
            }
        };
        let claimed = message::Entity::update_many()
            .col_expr(
                message::Column::CandidateId,
                Expr::value(Some(candidate.id)),
            )
            .filter(message::Column::Id.eq(row.id))
            .filter(message::Column::CompanyId.eq(actor.company_id))
            .filter(message::Column::CandidateId.is_null())
            .exec(txn)
            .await?;
        if claimed.rows_affected == 0 {
            return Err(already_assigned());
        }
        let attached = message_attachment::Entity::find()
            .select_only()
            .column(message_attachment::Column::DocumentId)
            .filter(message_attachment::Column::MessageId.eq(row.id))
            .into_query();
        document::Entity::update_many()
            .col_expr(
                document::Column::CandidateId,
                Expr::value(Some(candidate.id)),
            )
            .filter(document::Column::CompanyId.eq(actor.company_id))
            .filter(document::Column::CandidateId.is_null())
            .filter(document::Column::Id.in_subquery(attached))
            .exec(txn)
            .await?;
        let row = messages::find(txn, actor, row.id).await?;
        Ok((row, candidate))
    })
}

fn already_assigned() -> ApiError {
    ApiError::conflict("the message is already in a candidate's thread")
}
