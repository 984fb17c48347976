//! Messages recruitmail writes on its own (a category's acknowledgement)
//! say so in an `Auto-Submitted` header (RFC 3834 §5), so that other
//! responders do not answer them. The value is kept with the message.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
    AutoSubmitted,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .add_column(string_len_null(Messages::AutoSubmitted, 32))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .drop_column(Messages::AutoSubmitted)
                .to_owned(),
        )
        .await
    }
}
