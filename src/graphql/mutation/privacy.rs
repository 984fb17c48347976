//! The privacy page's operations for the candidate holding a link, and
//! `resolvePrivacyRequest` for recruiting admins.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::Utc;
use entity::enums::PrivacyRequestKind;

use crate::access::{ContextExt as _, Require};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::state::{count_public_privacy, db, settings};
use crate::graphql::types::{
    Candidate, CandidatePrivacyRequest, PrivacyPageApplication, PrivacyRequest,
};
use crate::privacy;

#[derive(Default)]
pub struct PrivacyMutation;

#[derive(InputObject)]
struct WithdrawApplicationInput {
    /// The privacy page's token.
    token: String,
    /// One of the page's applications.
    application_id: ID,
}

#[derive(SimpleObject)]
struct WithdrawApplicationPayload {
    application: PrivacyPageApplication,
}

#[derive(InputObject)]
struct PrivacyRequestInput {
    /// The privacy page's token.
    token: String,
}

#[derive(SimpleObject)]
struct PrivacyRequestPayload {
    request: CandidatePrivacyRequest,
}

#[derive(InputObject)]
struct ResolvePrivacyRequestInput {
    id: ID,
}

#[derive(SimpleObject)]
struct ResolvePrivacyRequestPayload {
    request: PrivacyRequest,
}

#[derive(InputObject)]
struct RevokePrivacyLinksInput {
    candidate_id: ID,
}

#[derive(SimpleObject)]
struct RevokePrivacyLinksPayload {
    candidate: Candidate,
}

#[Object]
impl PrivacyMutation {
    /// Withdraws one of the applications on the privacy page of the
    /// candidate holding the token (status WITHDRAWN, with an
    /// `application.status_changed` event). Needs no bearer token;
    /// rate-limited per client address. An application that is not theirs
    /// is NOT_FOUND; one whose process has ended (hired, rejected) is
    /// CONFLICT.
    async fn withdraw_application(
        &self,
        ctx: &Context<'_>,
        input: WithdrawApplicationInput,
    ) -> Result<WithdrawApplicationPayload, ApiError> {
        count_public_privacy(ctx)?;
        let id = decode(&input.application_id, Kind::Application, "applicationId")?;
        let own = privacy::withdraw(db(ctx)?, settings(ctx)?, &input.token, id, Utc::now()).await?;
        Ok(WithdrawApplicationPayload {
            application: PrivacyPageApplication::new(&own),
        })
    }

    /// Asks the company to erase the data of the candidate holding the token
    /// (GDPR Art. 17); their address goes on the do-not-contact list at
    /// once. Asking again while a request waits returns that one. Needs no
    /// bearer token; rate-limited per client address.
    async fn request_erasure(
        &self,
        ctx: &Context<'_>,
        input: PrivacyRequestInput,
    ) -> Result<PrivacyRequestPayload, ApiError> {
        request(ctx, &input.token, PrivacyRequestKind::Erasure).await
    }

    /// Asks the company for a copy of the data of the candidate holding the
    /// token (GDPR Art. 15(3)). Asking again while a request waits returns
    /// that one. Needs no bearer token; rate-limited per client address.
    async fn request_data_export(
        &self,
        ctx: &Context<'_>,
        input: PrivacyRequestInput,
    ) -> Result<PrivacyRequestPayload, ApiError> {
        request(ctx, &input.token, PrivacyRequestKind::Export).await
    }

    /// Marks a privacy request answered; recorded in the audit trail.
    /// Recruiting admins only; one already resolved is CONFLICT.
    #[graphql(guard = "Require::Admin")]
    async fn resolve_privacy_request(
        &self,
        ctx: &Context<'_>,
        input: ResolvePrivacyRequestInput,
    ) -> Result<ResolvePrivacyRequestPayload, ApiError> {
        let id = decode(&input.id, Kind::PrivacyRequest, "id")?;
        let row = privacy::resolve(db(ctx)?, ctx.actor()?, id, Utc::now()).await?;
        Ok(ResolvePrivacyRequestPayload {
            request: PrivacyRequest(row),
        })
    }

    /// Revokes every privacy-page link of a candidate sent so far (one
    /// forwarded to the wrong person, say): those links open nothing any
    /// more, and mail sent from now on carries a new one. Recorded in the
    /// audit trail (`candidate.privacy_links_revoked`). Recruiting admins
    /// only.
    #[graphql(guard = "Require::Admin")]
    async fn revoke_privacy_links(
        &self,
        ctx: &Context<'_>,
        input: RevokePrivacyLinksInput,
    ) -> Result<RevokePrivacyLinksPayload, ApiError> {
        let id = decode(&input.candidate_id, Kind::Candidate, "candidateId")?;
        let row = privacy::revoke_links(db(ctx)?, ctx.actor()?, id, Utc::now()).await?;
        Ok(RevokePrivacyLinksPayload {
            candidate: Candidate::one(row),
        })
    }
}

async fn request(
    ctx: &Context<'_>,
    token: &str,
    kind: PrivacyRequestKind,
) -> Result<PrivacyRequestPayload, ApiError> {
    count_public_privacy(ctx)?;
    let row = privacy::request(db(ctx)?, settings(ctx)?, token, kind, Utc::now()).await?;
    Ok(PrivacyRequestPayload {
        request: CandidatePrivacyRequest::new(&row),
    })
}
