//! Mail from machines: received mail a program sent is marked with its kind
//! (and kept out of candidates' threads), a candidate who reported our mail
//! as spam is flagged, and a bulk send records whom it left out and why.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
    MachineKind,
}

#[derive(DeriveIden)]
enum Candidates {
    Table,
    ComplainedAt,
}

#[derive(DeriveIden)]
enum EmailBatches {
    Table,
    Skipped,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .add_column(string_len_null(Messages::MachineKind, 32))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Candidates::Table)
                .add_column(timestamp_with_time_zone_null(Candidates::ComplainedAt))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(EmailBatches::Table)
                .add_column(text_null(EmailBatches::Skipped))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(EmailBatches::Table)
                .drop_column(EmailBatches::Skipped)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Candidates::Table)
                .drop_column(Candidates::ComplainedAt)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .drop_column(Messages::MachineKind)
                .to_owned(),
        )
        .await
    }
}
