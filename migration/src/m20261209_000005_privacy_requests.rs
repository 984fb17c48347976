//! Privacy requests: what a candidate asked for through their privacy page
//! (a copy of their data, GDPR Art. 15, or its erasure, Art. 17), kept until
//! a user of the company resolves them within the month Art. 12(3) allows.
//!
//! A request outlives its candidate — an erasure request is resolved by
//! erasing them, and the company must still be able to show it answered —
//! so the candidate's column is cleared, not the row deleted, when the
//! candidate goes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PrivacyRequests {
    Table,
    Id,
    CompanyId,
    CandidateId,
    Kind,
    CreatedAt,
    ResolvedAt,
    ResolvedById,
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
                .table(PrivacyRequests::Table)
                .col(big_pk_auto(PrivacyRequests::Id))
                .col(big_integer(PrivacyRequests::CompanyId))
                .col(big_integer_null(PrivacyRequests::CandidateId))
                .col(string_len(PrivacyRequests::Kind, 32))
                .col(timestamp_with_time_zone(PrivacyRequests::CreatedAt))
                .col(timestamp_with_time_zone_null(PrivacyRequests::ResolvedAt))
                .col(big_integer_null(PrivacyRequests::ResolvedById))
                .foreign_key(
                    ForeignKey::create()
                        .from(PrivacyRequests::Table, PrivacyRequests::CompanyId)
                        .to(Companies::Table, Companies::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(PrivacyRequests::Table, PrivacyRequests::CandidateId)
                        .to(Candidates::Table, Candidates::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(PrivacyRequests::Table, PrivacyRequests::ResolvedById)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("privacy_requests_candidate")
                .table(PrivacyRequests::Table)
                .col(PrivacyRequests::CandidateId)
                .col(PrivacyRequests::Kind)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("privacy_requests_company")
                .table(PrivacyRequests::Table)
                .col(PrivacyRequests::CompanyId)
                .col(PrivacyRequests::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PrivacyRequests::Table).to_owned())
            .await
    }
}
