//! Candidate self-scheduling: links a candidate books an interview through,
//! and each company's rules for them.
//!
//! `scheduling_links` keeps no secret: a link's token is derived from its
//! `salt` with the server's key, and only the token's SHA-256 digest is
//! stored to find the link it opens. `scheduling_settings` holds one row per
//! company that changed the defaults.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SchedulingLinks {
    Table,
    Id,
    CompanyId,
    ApplicationId,
    CreatedById,
    TokenHash,
    Salt,
    ParticipantIds,
    DurationMinutes,
    WindowFrom,
    WindowTo,
    ExpiresAt,
    Location,
    VideoLink,
    TemplateId,
    InterviewId,
    ClosedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SchedulingSettings {
    Table,
    CompanyId,
    ChangeDeadlineHours,
    MinimumNoticeHours,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Companies {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum EmailTemplates {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Interviews {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SchedulingLinks::Table)
                .col(big_pk_auto(SchedulingLinks::Id))
                .col(big_integer(SchedulingLinks::CompanyId))
                .col(big_integer(SchedulingLinks::ApplicationId))
                .col(big_integer(SchedulingLinks::CreatedById))
                .col(string_len_uniq(SchedulingLinks::TokenHash, 64))
                .col(string_len(SchedulingLinks::Salt, 64))
                .col(text(SchedulingLinks::ParticipantIds))
                .col(integer(SchedulingLinks::DurationMinutes))
                .col(timestamp_with_time_zone(SchedulingLinks::WindowFrom))
                .col(timestamp_with_time_zone(SchedulingLinks::WindowTo))
                .col(timestamp_with_time_zone(SchedulingLinks::ExpiresAt))
                .col(text_null(SchedulingLinks::Location))
                .col(text_null(SchedulingLinks::VideoLink))
                .col(big_integer_null(SchedulingLinks::TemplateId))
                .col(big_integer_null(SchedulingLinks::InterviewId))
                .col(timestamp_with_time_zone_null(SchedulingLinks::ClosedAt))
                .col(timestamp_with_time_zone(SchedulingLinks::CreatedAt))
                .col(timestamp_with_time_zone(SchedulingLinks::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(SchedulingLinks::Table, SchedulingLinks::CompanyId)
                        .to(Companies::Table, Companies::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(SchedulingLinks::Table, SchedulingLinks::ApplicationId)
                        .to(Applications::Table, Applications::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(SchedulingLinks::Table, SchedulingLinks::CreatedById)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(SchedulingLinks::Table, SchedulingLinks::TemplateId)
                        .to(EmailTemplates::Table, EmailTemplates::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(SchedulingLinks::Table, SchedulingLinks::InterviewId)
                        .to(Interviews::Table, Interviews::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("scheduling_links_application_id")
                .table(SchedulingLinks::Table)
                .col(SchedulingLinks::ApplicationId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SchedulingSettings::Table)
                .col(big_integer(SchedulingSettings::CompanyId).primary_key())
                .col(integer(SchedulingSettings::ChangeDeadlineHours))
                .col(integer(SchedulingSettings::MinimumNoticeHours))
                .col(timestamp_with_time_zone(SchedulingSettings::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(SchedulingSettings::Table, SchedulingSettings::CompanyId)
                        .to(Companies::Table, Companies::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SchedulingSettings::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(SchedulingLinks::Table).to_owned())
            .await
    }
}
