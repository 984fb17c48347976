//! Changing documents, and where received files are filed.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use crate::access::{ContextExt as _, Require};
use crate::documents::{self, DocumentChange};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::state::{db, mail};
use crate::graphql::types::{Company, Document};

#[derive(Default)]
pub struct DocumentsMutation;

#[derive(InputObject)]
struct UpdateDocumentInput {
    id: ID,
    /// A new name (its last path segment, without control characters, at
    /// most 200 characters, is kept).
    file_name: Option<String>,
    /// Moves a candidate's document to this category (EDIT on both).
    document_category_id: Option<ID>,
}

#[derive(SimpleObject)]
struct UpdateDocumentPayload {
    document: Document,
}

#[derive(InputObject)]
struct DeleteDocumentInput {
    id: ID,
}

#[derive(SimpleObject)]
struct DeleteDocumentPayload {
    deleted_id: ID,
}

#[derive(InputObject)]
struct SetReceivedDocumentCategoryInput {
    /// The category received files are filed in from now on.
    document_category_id: ID,
}

#[derive(SimpleObject)]
struct SetReceivedDocumentCategoryPayload {
    company: Company,
}

#[Object]
impl DocumentsMutation {
    /// Renames a document or moves it to another category. Needs EDIT on the
    /// category it is in and on the one it moves to (the CANDIDATES or
    /// MESSAGES section for a document without a category).
    #[graphql(guard = "Require::SignedIn")]
    async fn update_document(
        &self,
        ctx: &Context<'_>,
        input: UpdateDocumentInput,
    ) -> Result<UpdateDocumentPayload, ApiError> {
        let id = decode(&input.id, Kind::Document, "id")?;
        let change = DocumentChange {
            file_name: input
                .file_name
                .map(|name| {
                    documents::clean_file_name(&name)
                        .ok_or_else(|| ApiError::validation("fileName", "the file needs a name"))
                })
                .transpose()?,
            category_id: input
                .document_category_id
                .map(|id| decode(&id, Kind::DocumentCategory, "documentCategoryId"))
                .transpose()?,
        };
        let row = documents::update(db(ctx)?, ctx.actor()?, id, change).await?;
        Ok(UpdateDocumentPayload {
            document: Document::one(row),
        })
    }

    /// Deletes a document (EDIT on its category). `CONFLICT` while a message
    /// waiting to be sent (scheduled or queued) or a template attaches it;
    /// messages already sent or received keep their record without the file.
    #[graphql(guard = "Require::SignedIn")]
    async fn delete_document(
        &self,
        ctx: &Context<'_>,
        input: DeleteDocumentInput,
    ) -> Result<DeleteDocumentPayload, ApiError> {
        let id = decode(&input.id, Kind::Document, "id")?;
        documents::delete(db(ctx)?, ctx.actor()?, &mail(ctx)?.blobs, id).await?;
        Ok(DeleteDocumentPayload {
            deleted_id: input.id,
        })
    }

    /// Chooses the document category that attachments of received mail and
    /// the form's other documents are filed in, and that uploads without a
    /// category go to (uploading there needs EDIT on it). Recruiting admins
    /// only.
    #[graphql(guard = "Require::Admin")]
    async fn set_received_document_category(
        &self,
        ctx: &Context<'_>,
        input: SetReceivedDocumentCategoryInput,
    ) -> Result<SetReceivedDocumentCategoryPayload, ApiError> {
        let category = decode(
            &input.document_category_id,
            Kind::DocumentCategory,
            "documentCategoryId",
        )?;
        let row = documents::set_received_category(db(ctx)?, ctx.actor()?, category).await?;
        Ok(SetReceivedDocumentCategoryPayload {
            company: Company(row),
        })
    }
}
