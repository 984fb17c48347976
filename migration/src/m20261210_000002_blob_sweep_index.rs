//! An index on `blobs.unreferenced_at`: every erasure ends with a sweep
//! that looks for contents no document uses any more (`unreferenced_at IS
//! NOT NULL`), which are few; without the index each sweep read the whole
//! table, so a retention run over many candidates read it once per
//! candidate.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Blobs {
    Table,
    UnreferencedAt,
}

const NAME: &str = "ix_blobs_unreferenced_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(NAME)
                .table(Blobs::Table)
                .col(Blobs::UnreferencedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(NAME).table(Blobs::Table).to_owned())
            .await
    }
}
