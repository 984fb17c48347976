//! A message's content moves out of the row that carries its delivery state.
//!
//! The dispatcher rewrites a message's row at every step (claimed, sent,
//! retried), and bulk-send progress counts rows by status. With the bodies in
//! the same row, SQLite rewrites kilobytes of overflow pages for each status
//! change and walks them to read any column stored after the bodies.
//! `message_contents` holds what is written once and read to deliver or
//! display: the text and HTML bodies and the iCalendar object. Existing
//! messages keep their content, copied before the old columns go.
//!
//! Progress is counted per batch and status: `ix_messages_batch_status`
//! answers those counts from the index alone, and replaces the batch index.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    TextBody,
    HtmlBody,
    Calendar,
}

#[derive(DeriveIden)]
enum MessageContents {
    Table,
    MessageId,
    TextBody,
    HtmlBody,
    Calendar,
}

const OLD_BATCH_INDEX: &str = "ix_messages_batch";
const BATCH_STATUS_INDEX: &str = "ix_messages_batch_status";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(MessageContents::Table)
                .col(big_integer(MessageContents::MessageId).primary_key())
                .col(text(MessageContents::TextBody))
                .col(text_null(MessageContents::HtmlBody))
                .col(text_null(MessageContents::Calendar))
                .foreign_key(
                    ForeignKey::create()
                        .from(MessageContents::Table, MessageContents::MessageId)
                        .to(Messages::Table, Messages::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO message_contents (message_id, text_body, html_body, calendar) \
                 SELECT id, text_body, html_body, calendar FROM messages",
            )
            .await?;
        // SQLite drops one column per ALTER TABLE.
        for column in [Messages::TextBody, Messages::HtmlBody, Messages::Calendar] {
            m.alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .drop_column(column)
                    .take(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name(BATCH_STATUS_INDEX)
                .table(Messages::Table)
                .col(Alias::new("batch_id"))
                .col(Alias::new("status"))
                .take(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name(OLD_BATCH_INDEX)
                .table(Messages::Table)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(OLD_BATCH_INDEX)
                .table(Messages::Table)
                .col(Alias::new("batch_id"))
                .take(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name(BATCH_STATUS_INDEX)
                .table(Messages::Table)
                .to_owned(),
        )
        .await?;
        for mut column in [
            text(Messages::TextBody).default("").take(),
            text_null(Messages::HtmlBody),
            text_null(Messages::Calendar),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .add_column(&mut column)
                    .take(),
            )
            .await?;
        }
        m.get_connection()
            .execute_unprepared(
                "UPDATE messages SET \
                 text_body = c.text_body, html_body = c.html_body, calendar = c.calendar \
                 FROM message_contents c WHERE c.message_id = messages.id",
            )
            .await?;
        m.drop_table(Table::drop().table(MessageContents::Table).take())
            .await
    }
}
