//! The iCalendar object an interview invitation carries (RFC 6047 iMIP).
//!
//! It is written when the invitation is queued, together with the rendered
//! body it describes, so a retried or delayed delivery sends exactly what was
//! queued even if the interview changes meanwhile (the change sends its own update).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
    /// The VCALENDAR text, CRLF line ends and folded as sent.
    Calendar,
    /// Its iTIP METHOD (RFC 5546 §1.4), repeated as the MIME part's `method`.
    CalendarMethod,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .add_column(text_null(Messages::Calendar))
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .add_column(string_len_null(Messages::CalendarMethod, 16))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Messages::CalendarMethod, Messages::Calendar] {
            m.alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .drop_column(column)
                    .take(),
            )
            .await?;
        }
        Ok(())
    }
}
