//! Candidate data exports: an archive of one candidate's data, built in the
//! background, downloaded through a signed link.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::candidate_export;

use super::{Candidate, User, loading};
use crate::candidate_export::{self as export, links};
use crate::error::ApiError;
use crate::graphql::ids::Kind;
use crate::graphql::state::settings;
use crate::{candidates, people};

/// Where an export stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CandidateExportStatus {
    /// Waiting for a server to build it.
    Queued,
    /// Being written.
    Building,
    /// Stored; `url` downloads it until `expiresAt`.
    Ready,
    /// The build failed; `failureReason` says why. Request a new export.
    Failed,
    /// Seven days after it was ready, the archive was deleted.
    Expired,
}

impl CandidateExportStatus {
    fn of(stored: &str) -> Self {
        match stored {
            export::BUILDING => Self::Building,
            export::READY => Self::Ready,
            export::FAILED => Self::Failed,
            export::EXPIRED => Self::Expired,
            _ => Self::Queued,
        }
    }
}

/// A copy of everything stored about a candidate, as one ZIP archive:
/// `candidate.json` (profile, applications with positions and statuses,
/// interviews, messages' and documents' metadata, events),
/// `documents/<id>-<file name>` with every document's bytes and
/// `messages/<id>.eml` with every message (RFC 5322). Recruiting admins only.
pub struct CandidateExport(pub candidate_export::Model);

#[Object]
impl CandidateExport {
    pub async fn id(&self) -> ID {
        Kind::CandidateExport.id(self.0.id)
    }
    /// The candidate; `null` once they are deleted.
    async fn candidate(&self, ctx: &Context<'_>) -> Result<Option<Candidate>, ApiError> {
        let (db, actor) = loading(ctx)?;
        match candidates::find(db, actor, self.0.candidate_id).await {
            Ok(row) => Ok(Some(Candidate::one(row))),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(other) => Err(other),
        }
    }
    async fn status(&self) -> CandidateExportStatus {
        CandidateExportStatus::of(&self.0.status)
    }
    /// Why the build failed, for a FAILED export.
    async fn failure_reason(&self) -> Option<&str> {
        self.0.failure_reason.as_deref()
    }
    /// The user who requested it; `null` once that user is deleted.
    async fn requested_by(&self, ctx: &Context<'_>) -> Result<Option<User>, ApiError> {
        let Some(id) = self.0.requested_by_id else {
            return Ok(None);
        };
        let (db, actor) = loading(ctx)?;
        match people::find_user(db, actor, id).await {
            Ok(row) => Ok(Some(User::one(row))),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(other) => Err(other),
        }
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn ready_at(&self) -> Option<DateTime<Utc>> {
        self.0.ready_at
    }
    /// When the archive is deleted: seven days after it was ready.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// The archive's size, once it is ready.
    async fn size_bytes(&self) -> Option<i64> {
        self.0.size_bytes
    }
    /// A link that downloads the archive without a bearer header: a path
    /// on this server's origin (`/exports/…`), valid for five minutes, for
    /// the caller alone, and only while the caller is a recruiting admin
    /// and the export has not expired. Supports `Range` requests, so a
    /// large download can be resumed (with a fresh link). `null` unless
    /// the export is READY. Each download is recorded in the audit trail.
    async fn url(&self, ctx: &Context<'_>) -> Result<Option<String>, ApiError> {
        if self.0.status != export::READY {
            return Ok(None);
        }
        let (_, actor) = loading(ctx)?;
        let signer = links::signer(&settings(ctx)?.secret_key);
        links::link(&signer, actor, &self.0, Utc::now()).map(Some)
    }
}
