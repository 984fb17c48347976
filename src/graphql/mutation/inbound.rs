use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use crate::access::{ContextExt as _, Require, Section};
use crate::companies::{self, Secret};
use crate::domain::Name;
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::input::parse;
use crate::graphql::state::db;
use crate::graphql::types::{Candidate, Company, Message};
use crate::inbound::assignment::{self, Assignee};

#[derive(Default)]
pub struct InboundMutation;

#[derive(InputObject)]
struct RotateInboundTokenInput {
    /// Must be `true`: mail posted with the old token is refused at once,
    /// until the mail server is given the new one.
    confirm: bool,
}

#[derive(SimpleObject)]
struct RotateInboundTokenPayload {
    company: Company,
}

/// Exactly one of `candidateId` and `newCandidate`.
#[derive(InputObject)]
struct AssignMessageInput {
    /// A message of `unassignedMessages`.
    message_id: ID,
    /// File it in this candidate's thread.
    candidate_id: Option<ID>,
    /// Make a candidate of its sender (their address is the message's
    /// From) and file it in their thread; needs the CANDIDATES section.
    new_candidate: Option<NewCandidateFromMessage>,
}

#[derive(InputObject)]
struct NewCandidateFromMessage {
    first_name: String,
    last_name: String,
}

#[derive(SimpleObject)]
struct AssignMessagePayload {
    message: Message,
    candidate: Candidate,
}

#[Object]
impl InboundMutation {
    /// Files a message of `unassignedMessages` in a candidate's thread, or
    /// makes a candidate of its sender; its attachments become the
    /// candidate's documents. A message already assigned (by someone else
    /// a moment before) answers `CONFLICT`.
    #[graphql(guard = "Require::Section(Section::Messages)")]
    async fn assign_message(
        &self,
        ctx: &Context<'_>,
        input: AssignMessageInput,
    ) -> Result<AssignMessagePayload, ApiError> {
        let message_id = decode(&input.message_id, Kind::Message, "messageId")?;
        let assignee = match (&input.candidate_id, input.new_candidate) {
            (Some(id), None) => Assignee::Candidate(decode(id, Kind::Candidate, "candidateId")?),
            (None, Some(new)) => Assignee::New {
                first_name: parse(&new.first_name, "newCandidate.firstName", Name::parse)?,
                last_name: parse(&new.last_name, "newCandidate.lastName", Name::parse)?,
            },
            _ => {
                return Err(ApiError::validation(
                    "candidateId",
                    "give exactly one of candidateId and newCandidate",
                ));
            }
        };
        let (message, candidate) = assignment::assign(
            db(ctx)?,
            ctx.actor()?,
            message_id,
            assignee,
            chrono::Utc::now(),
        )
        .await?;
        Ok(AssignMessagePayload {
            message: Message::new(message),
            candidate: Candidate::one(candidate),
        })
    }

    /// Replaces the company's inbound token (`Company.inboundToken`).
    /// Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn rotate_inbound_token(
        &self,
        ctx: &Context<'_>,
        input: RotateInboundTokenInput,
    ) -> Result<RotateInboundTokenPayload, ApiError> {
        if !input.confirm {
            return Err(ApiError::validation(
                "confirm",
                "confirm: set it to true to replace the token",
            ));
        }
        let actor = ctx.actor()?;
        let row =
            companies::replace_secret(db(ctx)?, actor.company_id, Secret::InboundToken).await?;
        Ok(RotateInboundTokenPayload {
            company: Company(row),
        })
    }
}
