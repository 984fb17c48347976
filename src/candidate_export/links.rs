//! Signed links that download an export, minted like `Document.url`'s (see
//! [`crate::documents::links`]) under a key of their own, and checked the
//! same way when opened: the signature and expiry, then the token, the user
//! and their rights as they are at that moment.

use chrono::{DateTime, Utc};
use entity::candidate_export;

use super::READY;
use crate::access::Actor;
use crate::documents::links::{Disposition, Grant, LIFETIME, Presented, Signer};
use crate::documents::opening;
use crate::error::{ApiError, ApiResult};
use crate::graphql::ids::Kind;
use crate::settings::SecretKey;

/// The path every export link starts with.
pub const PREFIX: &str = "/exports/";

/// HKDF's `info` for the links' key: a document link never opens an export.
const KEY_PURPOSE: &[u8] = b"recruitmail candidate export links v1";

/// The signer of export links of the server whose secret key is `key`.
pub fn signer(key: &SecretKey) -> Signer {
    Signer::for_purpose(key, KEY_PURPOSE)
}

/// A link that downloads `export` for `actor`, who may see it (the caller
/// has checked), valid for [`LIFETIME`] from `now`.
pub fn link(
    signer: &Signer,
    actor: &Actor,
    export: &candidate_export::Model,
    now: DateTime<Utc>,
) -> ApiResult<String> {
    let token_id = actor.token_id.ok_or_else(|| {
        ApiError::forbidden("only a caller with an API token can download exports")
    })?;
    let grant = Grant {
        company_id: actor.company_id,
        document_id: export.id,
        user_id: actor.user_id,
        token_id,
        expires: (now + LIFETIME).timestamp(),
        disposition: Disposition::Attachment,
    };
    Ok(signer.link_under(PREFIX, &Kind::CandidateExport.id(export.id), &grant))
}

/// The export a presented link opens at `now`, and who opens it: the link
/// is genuine and unexpired, its token and user still valid, the user still
/// a recruiting admin of the export's company, and the export READY and
/// not past its expiry. `Ok(None)` is every refusal alike.
pub async fn open(
    db: &impl sea_orm::ConnectionTrait,
    signer: &Signer,
    presented: &Presented,
    now: DateTime<Utc>,
) -> ApiResult<Option<(Actor, candidate_export::Model)>> {
    let Some((actor, grant)) = opening::signed_in(db, signer, presented, now).await? else {
        return Ok(None);
    };
    match super::find(db, &actor, grant.document_id).await {
        Ok(export)
            if export.status == READY
                && export.blob_key.is_some()
                && export.expires_at.is_some_and(|at| at > now) =>
        {
            Ok(Some((actor, export)))
        }
        Ok(_) | Err(ApiError::NotFound(_)) => Ok(None),
        Err(other) => Err(other),
    }
}
