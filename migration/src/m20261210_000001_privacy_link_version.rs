//! A version number in each candidate's privacy-page link, so that a link
//! that reached the wrong person can be revoked: the link's signature
//! covers the version, and raising it makes every link issued before open
//! nothing. Version 0 signs what links signed before versions existed, so
//! the links in mail already sent keep working.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Candidates {
    Table,
    PrivacyLinkVersion,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Candidates::Table)
                .add_column(integer(Candidates::PrivacyLinkVersion).default(0))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Candidates::Table)
                .drop_column(Candidates::PrivacyLinkVersion)
                .to_owned(),
        )
        .await
    }
}
