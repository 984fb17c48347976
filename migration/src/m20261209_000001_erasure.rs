//! Erasure of a candidate (GDPR Art. 17): anonymised candidates keep their
//! row with `erased_at` set, and file contents are counted by the documents
//! that use them, so the last document to go takes its bytes with it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Candidates {
    Table,
    ErasedAt,
}

#[derive(DeriveIden)]
enum Blobs {
    Table,
    BlobKey,
    Sha256,
    SizeBytes,
    ReferenceCount,
    UnreferencedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Candidates::Table)
                .add_column(timestamp_with_time_zone_null(Candidates::ErasedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Blobs::Table)
                .col(string_len(Blobs::BlobKey, 100).primary_key())
                .col(string_len(Blobs::Sha256, 64))
                .col(big_integer(Blobs::SizeBytes))
                .col(big_integer(Blobs::ReferenceCount))
                .col(timestamp_with_time_zone_null(Blobs::UnreferencedAt))
                .to_owned(),
        )
        .await?;
        // Every content stored so far is used by the documents that name it.
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO blobs (blob_key, sha256, size_bytes, reference_count) \
                 SELECT blob_key, MIN(sha256), MAX(size_bytes), COUNT(*) \
                 FROM documents GROUP BY blob_key",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Blobs::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Candidates::Table)
                .drop_column(Candidates::ErasedAt)
                .to_owned(),
        )
        .await
    }
}
