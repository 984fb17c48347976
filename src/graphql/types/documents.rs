//! Documents: stored files, a candidate's or the company's.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{document, document_category, user};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};

use super::{Candidate, DocumentCategory, DocumentSource, User};
use crate::access::ContextExt as _;
use crate::documents::{
    self,
    links::{self, Disposition, Grant, Signer},
};
use crate::error::ApiError;
use crate::graphql::ids::Kind;
use crate::graphql::state::{db, settings};

/// A stored file.
pub struct Document(pub document::Model);

#[Object]
impl Document {
    pub async fn id(&self) -> ID {
        Kind::Document.id(self.0.id)
    }
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    async fn size_bytes(&self) -> i64 {
        self.0.size_bytes
    }
    /// Hex SHA-256 of the content.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Where the file came from.
    async fn source(&self) -> DocumentSource {
        self.0.source.into()
    }
    /// The category a candidate's document is filed in; access to it decides
    /// who sees the document. `null` for company documents.
    async fn category(&self, ctx: &Context<'_>) -> Result<Option<DocumentCategory>, ApiError> {
        let Some(id) = self.0.document_category_id else {
            return Ok(None);
        };
        Ok(document_category::Entity::find_by_id(id)
            .filter(document_category::Column::CompanyId.eq(self.0.company_id))
            .one(db(ctx)?)
            .await?
            .map(DocumentCategory))
    }
    /// The candidate the document belongs to, when the caller sees them;
    /// `null` for company documents.
    async fn candidate(&self, ctx: &Context<'_>) -> Result<Option<Candidate>, ApiError> {
        let Some(id) = self.0.candidate_id else {
            return Ok(None);
        };
        match crate::candidates::find(db(ctx)?, ctx.actor()?, id).await {
            Ok(row) => Ok(Some(Candidate::one(row))),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(other) => Err(other),
        }
    }
    /// The user who uploaded it; `null` for files received from outside.
    async fn uploaded_by(&self, ctx: &Context<'_>) -> Result<Option<User>, ApiError> {
        let Some(id) = self.0.uploaded_by_id else {
            return Ok(None);
        };
        Ok(user::Entity::find_by_id(id)
            .filter(user::Column::CompanyId.eq(self.0.company_id))
            .one(db(ctx)?)
            .await?
            .map(User))
    }
    /// A link that opens the file in a browser tab, without a bearer header:
    /// a path on this server's origin (`/files/…`), valid for five minutes,
    /// for the caller alone. It stops working as soon as the document is
    /// deleted, the caller's token is revoked, or the caller may no longer
    /// see the document. `INLINE` shows PDF, images other than SVG and plain
    /// text in the tab; everything else, and `ATTACHMENT`, is downloaded.
    async fn url(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Disposition::Inline")] disposition: Disposition,
    ) -> Result<String, ApiError> {
        let actor = ctx.actor()?;
        match documents::find(db(ctx)?, actor, self.0.id).await {
            Ok(_) => {}
            Err(ApiError::NotFound(_)) => {
                return Err(ApiError::forbidden(
                    "VIEW access to the document's category is required to open it",
                ));
            }
            Err(other) => return Err(other),
        }
        let token_id = actor.token_id.ok_or_else(|| {
            ApiError::forbidden("only a caller with an API token can open documents")
        })?;
        let grant = Grant {
            company_id: actor.company_id,
            document_id: self.0.id,
            user_id: actor.user_id,
            token_id,
            expires: (Utc::now() + links::LIFETIME).timestamp(),
            disposition,
        };
        let signer = Signer::new(&settings(ctx)?.secret_key);
        Ok(signer.link(&Kind::Document.id(self.0.id), &grant))
    }
}
