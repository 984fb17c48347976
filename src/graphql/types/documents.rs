//! Documents: stored files, a candidate's or the company's.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::document;

use super::{Candidate, DocumentCategory, DocumentSource, User, loading};
use crate::access::Actor;
use crate::documents::links::{self, Disposition, Grant, Signer};
use crate::error::ApiError;
use crate::graphql::batch::DocumentSet;
use crate::graphql::ids::Kind;
use crate::graphql::state::settings;

/// A stored file.
pub struct Document {
    set: Arc<DocumentSet>,
    at: usize,
}

impl Document {
    /// One document on its own.
    pub fn one(row: document::Model) -> Self {
        Self {
            set: DocumentSet::new(vec![row]),
            at: 0,
        }
    }

    /// Documents loaded together, so what they name loads once for all.
    pub fn all(rows: Vec<document::Model>) -> Vec<Self> {
        let len = rows.len();
        let set = DocumentSet::new(rows);
        (0..len)
            .map(|at| Self {
                set: set.clone(),
                at,
            })
            .collect()
    }

    /// The document at position `at` of a set loaded for several parents.
    pub fn at(set: &Arc<DocumentSet>, at: usize) -> Self {
        Self {
            set: set.clone(),
            at,
        }
    }

    fn row(&self) -> &document::Model {
        &self.set.rows[self.at]
    }
}

/// A link that opens document `id` for `actor`, who may open it (the
/// caller has checked): see `Document.url`.
pub(crate) fn signed_link(
    ctx: &Context<'_>,
    actor: &Actor,
    id: i64,
    disposition: Disposition,
) -> Result<String, ApiError> {
    let token_id = actor
        .token_id
        .ok_or_else(|| ApiError::forbidden("only a caller with an API token can open documents"))?;
    let grant = Grant {
        company_id: actor.company_id,
        document_id: id,
        user_id: actor.user_id,
        token_id,
        expires: (Utc::now() + links::LIFETIME).timestamp(),
        disposition,
    };
    let signer = Signer::new(&settings(ctx)?.secret_key);
    Ok(signer.link(&Kind::Document.id(id), &grant))
}

#[Object]
impl Document {
    pub async fn id(&self) -> ID {
        Kind::Document.id(self.row().id)
    }
    async fn file_name(&self) -> &str {
        &self.row().file_name
    }
    async fn content_type(&self) -> &str {
        &self.row().content_type
    }
    async fn size_bytes(&self) -> i64 {
        self.row().size_bytes
    }
    /// Hex SHA-256 of the content.
    async fn sha256(&self) -> &str {
        &self.row().sha256
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row().created_at
    }
    /// Where the file came from.
    async fn source(&self) -> DocumentSource {
        self.row().source.into()
    }
    /// The category a candidate's document is filed in; access to it decides
    /// who sees the document. `null` for company documents.
    async fn category(&self, ctx: &Context<'_>) -> Result<Option<DocumentCategory>, ApiError> {
        let Some(id) = self.row().document_category_id else {
            return Ok(None);
        };
        let (db, actor) = loading(ctx)?;
        let all = self.set.categories(db, actor).await?;
        Ok(all.get(&id).cloned().map(DocumentCategory))
    }
    /// The candidate the document belongs to, when the caller sees them;
    /// `null` for company documents.
    async fn candidate(&self, ctx: &Context<'_>) -> Result<Option<Candidate>, ApiError> {
        let Some(id) = self.row().candidate_id else {
            return Ok(None);
        };
        let (db, actor) = loading(ctx)?;
        let all = self.set.candidates(db, actor).await?;
        Ok(all.get(&id).cloned().map(Candidate::one))
    }
    /// The user who uploaded it; `null` for files received from outside.
    async fn uploaded_by(&self, ctx: &Context<'_>) -> Result<Option<User>, ApiError> {
        let Some(id) = self.row().uploaded_by_id else {
            return Ok(None);
        };
        let (db, actor) = loading(ctx)?;
        let all = self.set.uploaders(db, actor).await?;
        Ok(all.get(&id).cloned().map(User::one))
    }
    /// A link that opens the file in a browser tab, without a bearer header:
    /// a path on this server's origin (`/files/…`), valid for five minutes,
    /// for the caller alone. It stops working as soon as the document is
    /// deleted, the caller's token is revoked, or the caller may no longer
    /// see the document. `INLINE` shows PDF, images other than SVG and plain
    /// text in the tab; everything else, and `ATTACHMENT`, is downloaded.
    /// `FORBIDDEN` for a document the caller sees only on a message (a
    /// MESSAGES user without the CANDIDATES section).
    async fn url(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Disposition::Inline")] disposition: Disposition,
    ) -> Result<String, ApiError> {
        let (db, actor) = loading(ctx)?;
        let row = self.row();
        if !self.set.openable(db, actor).await?.contains(&row.id) {
            return Err(ApiError::forbidden(
                "VIEW access to the document's category is required to open it",
            ));
        }
        signed_link(ctx, actor, row.id, disposition)
    }
}
