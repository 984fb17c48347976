//! Documents say where they came from (`source`: UPLOAD, FORM, INBOUND,
//! TEMPLATE), and a company names the document category that files received
//! from outside (mail attachments, the form's other documents) are filed in,
//! which is also where uploads without a category go.
//!
//! Existing rows get the source their other columns imply: no candidate is a
//! company document for templates; a user who uploaded it is an upload; an
//! attachment of a received message came in by mail; the rest came from the
//! career page's form.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    Source,
    CandidateId,
    UploadedById,
}

#[derive(DeriveIden)]
enum Companies {
    Table,
    ReceivedDocumentCategoryId,
}

#[derive(DeriveIden)]
enum MessageAttachments {
    Table,
    MessageId,
    DocumentId,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    Direction,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Documents::Table)
                .add_column(string_len(Documents::Source, 32).default("UPLOAD"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Companies::Table)
                .add_column(big_integer_null(Companies::ReceivedDocumentCategoryId))
                .to_owned(),
        )
        .await?;
        let template = Query::update()
            .table(Documents::Table)
            .value(Documents::Source, "TEMPLATE")
            .and_where(Expr::col(Documents::CandidateId).is_null())
            .to_owned();
        m.exec_stmt(template).await?;
        let received = Query::select()
            .column((MessageAttachments::Table, MessageAttachments::DocumentId))
            .from(MessageAttachments::Table)
            .inner_join(
                Messages::Table,
                Expr::col((Messages::Table, Messages::Id))
                    .equals((MessageAttachments::Table, MessageAttachments::MessageId)),
            )
            .and_where(Expr::col((Messages::Table, Messages::Direction)).eq("INBOUND"))
            .to_owned();
        let inbound = Query::update()
            .table(Documents::Table)
            .value(Documents::Source, "INBOUND")
            .and_where(Expr::col(Documents::CandidateId).is_not_null())
            .and_where(Expr::col(Documents::UploadedById).is_null())
            .and_where(Expr::col(Documents::Id).in_subquery(received))
            .to_owned();
        m.exec_stmt(inbound).await?;
        let form = Query::update()
            .table(Documents::Table)
            .value(Documents::Source, "FORM")
            .and_where(Expr::col(Documents::CandidateId).is_not_null())
            .and_where(Expr::col(Documents::UploadedById).is_null())
            .and_where(Expr::col(Documents::Source).eq("UPLOAD"))
            .to_owned();
        m.exec_stmt(form).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Companies::Table)
                .drop_column(Companies::ReceivedDocumentCategoryId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Documents::Table)
                .drop_column(Documents::Source)
                .to_owned(),
        )
        .await
    }
}
