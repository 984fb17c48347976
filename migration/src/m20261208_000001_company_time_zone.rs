//! A company's default time zone (an IANA name): where its working hours
//! are when it set none, and what its admins see as its local time.
//! Existing companies keep the behaviour they had: UTC.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Companies {
    Table,
    DefaultTimeZone,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Companies::Table)
                .add_column(string_len(Companies::DefaultTimeZone, 64).default("UTC"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Companies::Table)
                .drop_column(Companies::DefaultTimeZone)
                .to_owned(),
        )
        .await
    }
}
