//! Candidate data exports (GDPR Art. 15 and 20): one row per requested
//! archive, from the request through its build to its expiry.
//!
//! A row is the queue as well: QUEUED rows are claimed by a `serve`
//! instance (`claimed_by`, as messages and webhook deliveries are), so an
//! archive is built once even with several instances, and a build cut off
//! by a restart is taken up again. The archive itself is a blob under its
//! own key (`blob_key`), removed when the export expires.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CandidateExports {
    Table,
    Id,
    CompanyId,
    CandidateId,
    RequestedById,
    Status,
    FailureReason,
    BlobKey,
    SizeBytes,
    ClaimedBy,
    CreatedAt,
    ReadyAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Companies {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Candidates {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CandidateExports::Table)
                .col(big_pk_auto(CandidateExports::Id))
                .col(big_integer(CandidateExports::CompanyId))
                .col(big_integer(CandidateExports::CandidateId))
                .col(big_integer_null(CandidateExports::RequestedById))
                .col(string_len(CandidateExports::Status, 16))
                .col(text_null(CandidateExports::FailureReason))
                .col(string_len_null(CandidateExports::BlobKey, 200))
                .col(big_integer_null(CandidateExports::SizeBytes))
                .col(string_len_null(CandidateExports::ClaimedBy, 64))
                .col(timestamp_with_time_zone(CandidateExports::CreatedAt))
                .col(timestamp_with_time_zone_null(CandidateExports::ReadyAt))
                .col(timestamp_with_time_zone_null(CandidateExports::ExpiresAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(CandidateExports::Table, CandidateExports::CompanyId)
                        .to(Companies::Table, Companies::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(CandidateExports::Table, CandidateExports::CandidateId)
                        .to(Candidates::Table, Candidates::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(CandidateExports::Table, CandidateExports::RequestedById)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        // The worker's claim and the expiry job look rows up by status.
        m.create_index(
            Index::create()
                .name("idx_candidate_exports_status")
                .table(CandidateExports::Table)
                .col(CandidateExports::Status)
                .col(CandidateExports::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_candidate_exports_candidate")
                .table(CandidateExports::Table)
                .col(CandidateExports::CandidateId)
                .col(CandidateExports::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CandidateExports::Table).to_owned())
            .await
    }
}
