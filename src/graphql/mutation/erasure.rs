//! Erasing a candidate's personal data (GDPR Art. 17).

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::access::{ContextExt as _, Require};
use crate::erasure::{self, Erasure, Precondition, Receipt};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::state::{db, mail, settings};

#[derive(Default)]
pub struct ErasureMutation;

/// What happens to the candidate's records.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "erasure::Mode")]
enum ErasureMode {
    /// Keep the candidate, their applications, messages and interviews for
    /// statistics, with every name, address, text and file removed.
    Anonymise,
    /// Remove the records.
    Delete,
}

/// A kind of record an erasure removed or emptied.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "erasure::Removed")]
enum ErasedKind {
    /// The candidate's record (deleted) or its personal fields (anonymised).
    Candidate,
    /// Applications deleted (anonymising keeps them).
    Application,
    /// The candidate's messages in both directions, interview participants'
    /// copies about their interviews, and unassigned mail from them.
    Message,
    /// Summary copies of bulk sends their names and address were taken out of.
    SummaryCopy,
    /// Messages waiting to be sent, cancelled.
    CancelledMessage,
    Document,
    /// File contents deleted from storage (contents other documents share stay).
    File,
    /// `.eml` files deleted from the outbox folder.
    OutboxFile,
    Interview,
    Invitation,
    SchedulingLink,
    /// Event log entries reduced to ids.
    Event,
    /// Webhook deliveries reduced to ids, with their attempts' error texts.
    WebhookPayload,
    /// Data exports deleted, with their archives.
    Export,
}

#[derive(InputObject)]
struct EraseCandidateInput {
    id: ID,
    mode: ErasureMode,
    /// Also puts the address on the do-not-contact list (reason
    /// `ERASURE`, kept only as a keyed hash), as a person's request to be
    /// erased implies: without it, a later import or bulk send could write
    /// to them again. `false` for an erasure they did not ask for.
    #[graphql(default = true)]
    do_not_contact: bool,
}

/// How many records of one kind an erasure removed or emptied.
#[derive(SimpleObject)]
struct ErasedCount {
    kind: ErasedKind,
    count: u64,
}

/// The receipt of an erasure.
#[derive(SimpleObject)]
struct EraseCandidatePayload {
    candidate_id: ID,
    mode: ErasureMode,
    erased_at: DateTime<Utc>,
    /// Every kind, in a fixed order, with its count.
    removed: Vec<ErasedCount>,
}

#[Object]
impl ErasureMutation {
    /// Erases a candidate's personal data everywhere it is kept: their
    /// record, messages (and colleagues' copies that name them), documents
    /// with their files, outbox files, interviews, scheduling links, and the
    /// event log's and webhook deliveries' records reduced to ids.
    /// `CONFLICT` while a message to them is being sent (try again shortly)
    /// and for anonymising an anonymised candidate; `NOT_FOUND` for one
    /// deleted already. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn erase_candidate(
        &self,
        ctx: &Context<'_>,
        input: EraseCandidateInput,
    ) -> Result<EraseCandidatePayload, ApiError> {
        let id = decode(&input.id, Kind::Candidate, "id")?;
        let receipt = erase(ctx, id, input.mode.into(), input.do_not_contact).await?;
        Ok(EraseCandidatePayload {
            candidate_id: Kind::Candidate.id(receipt.candidate_id),
            mode: receipt.mode.into(),
            erased_at: receipt.erased_at,
            removed: receipt
                .removed
                .iter()
                .map(|(kind, count)| ErasedCount {
                    kind: (*kind).into(),
                    count: *count,
                })
                .collect(),
        })
    }
}

/// Erases a candidate the caller sees, for `eraseCandidate` and
/// `deleteCandidate`.
pub(super) async fn erase(
    ctx: &Context<'_>,
    id: i64,
    mode: erasure::Mode,
    do_not_contact: bool,
) -> Result<Receipt, ApiError> {
    let actor = ctx.actor()?;
    let settings = settings(ctx)?;
    erasure::erase(
        db(ctx)?,
        &mail(ctx)?.blobs,
        &crate::mail::dispatcher::outbox_dir(settings),
        Erasure {
            company_id: actor.company_id,
            actor: Some(actor),
            candidate_id: id,
            mode,
            precondition: Precondition::Explicit,
            do_not_contact: do_not_contact.then_some(&settings.secret_key),
            now: Utc::now(),
        },
    )
    .await
}
