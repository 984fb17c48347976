//! Reading received mail: when a received message was read, and the
//! Content-ID (RFC 2392) of an attachment shown inside its message's HTML.
//!
//! Read state belongs to the message, not to each user: the recruiting
//! mailbox is the company's, and a reply one recruiter has read no longer
//! waits for anyone. Mail received before read state existed was read in
//! the mailbox it came through, so it counts as read from when it arrived.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
    ReadAt,
    ReceivedAt,
    Direction,
}

#[derive(DeriveIden)]
enum MessageAttachments {
    Table,
    ContentId,
}

/// The unread received mail of a company, in the order pages read it.
const UNREAD: &str = "ix_messages_unread";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .add_column(timestamp_with_time_zone_null(Messages::ReadAt))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(MessageAttachments::Table)
                .add_column(string_len_null(MessageAttachments::ContentId, 998))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::update()
                .table(Messages::Table)
                .value(Messages::ReadAt, Expr::col(Messages::ReceivedAt))
                .and_where(Expr::col(Messages::Direction).eq("INBOUND"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(UNREAD)
                .table(Messages::Table)
                .col(Alias::new("company_id"))
                .col(Messages::Direction)
                .col(Messages::ReadAt)
                .col(Alias::new("id"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(UNREAD).table(Messages::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(MessageAttachments::Table)
                .drop_column(MessageAttachments::ContentId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .drop_column(Messages::ReadAt)
                .to_owned(),
        )
        .await
    }
}
