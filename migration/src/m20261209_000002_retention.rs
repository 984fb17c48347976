//! Retention: how long candidates are kept, legal holds that stop it, and
//! the daily run that anonymises the candidates whose time is up.
//!
//! - `applications.closed_at`: when the application was last rejected or
//!   withdrawn (`NULL` while it is open); back-filled from `updated_at`,
//!   the best record of that moment there is.
//! - `subsidiaries.retention_days_after_close` and
//!   `companies.retention_days_without_application`: the periods, 180 days
//!   (six months) unless an admin changes them.
//! - `candidate_legal_holds`: at most one hold per candidate.
//! - `job_runs`: one row per job and day, claimed with a lease, so a day's
//!   run happens once across instances and a crashed run is taken over.
//! - An index on `documents.blob_key`: each erasure of a run checks whether
//!   any document still uses a file by its key; unindexed, that read the
//!   whole table once per candidate (the run slowed as the table grew).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Applications {
    Table,
    ClosedAt,
}

#[derive(DeriveIden)]
enum Subsidiaries {
    Table,
    RetentionDaysAfterClose,
}

#[derive(DeriveIden)]
enum Companies {
    Table,
    Id,
    RetentionDaysWithoutApplication,
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

#[derive(DeriveIden)]
enum CandidateLegalHolds {
    Table,
    CandidateId,
    CompanyId,
    Since,
    Reason,
    SetByUserId,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    BlobKey,
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Id,
    Job,
    RunKey,
    ClaimedBy,
    LeaseUntil,
    Attempts,
    StartedAt,
    FinishedAt,
    Outcome,
}

/// Six months, the usual period in German recruiting practice.
const DEFAULT_DAYS: i32 = 180;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        m.alter_table(
            Table::alter()
                .table(Applications::Table)
                .add_column(timestamp_with_time_zone_null(Applications::ClosedAt))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "UPDATE applications SET closed_at = updated_at \
                 WHERE status IN ('REJECTED', 'WITHDRAWN')",
            )
            .await?;
        m.alter_table(
            Table::alter()
                .table(Subsidiaries::Table)
                .add_column(integer(Subsidiaries::RetentionDaysAfterClose).default(DEFAULT_DAYS))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Companies::Table)
                .add_column(
                    integer(Companies::RetentionDaysWithoutApplication).default(DEFAULT_DAYS),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CandidateLegalHolds::Table)
                .col(big_integer(CandidateLegalHolds::CandidateId).primary_key())
                .col(big_integer(CandidateLegalHolds::CompanyId))
                .col(timestamp_with_time_zone(CandidateLegalHolds::Since))
                .col(text(CandidateLegalHolds::Reason))
                .col(big_integer_null(CandidateLegalHolds::SetByUserId))
                .foreign_key(
                    ForeignKey::create()
                        .from(CandidateLegalHolds::Table, CandidateLegalHolds::CandidateId)
                        .to(Candidates::Table, Candidates::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(CandidateLegalHolds::Table, CandidateLegalHolds::CompanyId)
                        .to(Companies::Table, Companies::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(CandidateLegalHolds::Table, CandidateLegalHolds::SetByUserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(JobRuns::Table)
                .col(big_pk_auto(JobRuns::Id))
                .col(string_len(JobRuns::Job, 64))
                .col(string_len(JobRuns::RunKey, 64))
                .col(string_len(JobRuns::ClaimedBy, 64))
                .col(timestamp_with_time_zone(JobRuns::LeaseUntil))
                .col(integer(JobRuns::Attempts))
                .col(timestamp_with_time_zone(JobRuns::StartedAt))
                .col(timestamp_with_time_zone_null(JobRuns::FinishedAt))
                .col(text_null(JobRuns::Outcome))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_job_runs_job_run_key")
                .table(JobRuns::Table)
                .col(JobRuns::Job)
                .col(JobRuns::RunKey)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_documents_blob_key")
                .table(Documents::Table)
                .col(Documents::BlobKey)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_documents_blob_key")
                .table(Documents::Table)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(JobRuns::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(CandidateLegalHolds::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Companies::Table)
                .drop_column(Companies::RetentionDaysWithoutApplication)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Subsidiaries::Table)
                .drop_column(Subsidiaries::RetentionDaysAfterClose)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Applications::Table)
                .drop_column(Applications::ClosedAt)
                .to_owned(),
        )
        .await
    }
}
