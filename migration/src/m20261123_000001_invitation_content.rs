//! What interview invitations need beyond the first release's tables.
//!
//! - The iCalendar object a message carries (RFC 6047 iMIP), written when it
//!   is queued together with the body it describes, so a retried or delayed
//!   delivery sends exactly what was queued.
//! - A free-form invitation's subject and body as written, with their
//!   placeholders, so that an invitation still waiting to leave can be written
//!   again when its interview moves.
//! - The organizer of the interview's calendar event, fixed at the first
//!   invitation: clients ignore updates from another organizer.

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

#[derive(DeriveIden)]
enum Invitations {
    Table,
    SubjectSource,
    BodySource,
}

#[derive(DeriveIden)]
enum Interviews {
    Table,
    OrganizerAddress,
    OrganizerName,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let columns = [
            (Messages::Table.into_iden(), text_null(Messages::Calendar)),
            (
                Messages::Table.into_iden(),
                string_len_null(Messages::CalendarMethod, 16),
            ),
            (
                Invitations::Table.into_iden(),
                text_null(Invitations::SubjectSource),
            ),
            (
                Invitations::Table.into_iden(),
                text_null(Invitations::BodySource),
            ),
            (
                Interviews::Table.into_iden(),
                string_len_null(Interviews::OrganizerAddress, 320),
            ),
            (
                Interviews::Table.into_iden(),
                string_len_null(Interviews::OrganizerName, 200),
            ),
        ];
        for (table, mut column) in columns {
            m.alter_table(Table::alter().table(table).add_column(&mut column).take())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            (
                Interviews::Table.into_iden(),
                Interviews::OrganizerName.into_iden(),
            ),
            (
                Interviews::Table.into_iden(),
                Interviews::OrganizerAddress.into_iden(),
            ),
            (
                Invitations::Table.into_iden(),
                Invitations::BodySource.into_iden(),
            ),
            (
                Invitations::Table.into_iden(),
                Invitations::SubjectSource.into_iden(),
            ),
            (
                Messages::Table.into_iden(),
                Messages::CalendarMethod.into_iden(),
            ),
            (Messages::Table.into_iden(), Messages::Calendar.into_iden()),
        ];
        for (table, column) in columns {
            m.alter_table(Table::alter().table(table).drop_column(column).take())
                .await?;
        }
        Ok(())
    }
}
