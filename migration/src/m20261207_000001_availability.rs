//! Availability: working hours, dated overrides, users' external calendars
//! and the busy intervals read from them.
//!
//! `working_hours` holds a user's own weekly hours in their IANA zone and
//! `company_working_hours` the company's defaults for users who set none;
//! the weekly spans are a JSON array of seven lists (Monday first) of
//! `[start, end]` minutes after local midnight. `availability_overrides`
//! replaces one date's hours (an empty list is a day off).
//!
//! `external_calendars` is a user's iCalendar feed (its URL sealed with the
//! server's key, fetched with conditional GET and claimed by one instance at
//! a time) or their uploaded file; `busy_intervals` are the times each one
//! says the user is busy, replaced whole when the calendar is read again.
//! The index on `interview_participants (user_id, interview_id)` lets the
//! busy times of many users be read from their interviews in one statement.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WorkingHours {
    Table,
    UserId,
    CompanyId,
    TimeZone,
    Weekly,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CompanyWorkingHours {
    Table,
    CompanyId,
    TimeZone,
    Weekly,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AvailabilityOverrides {
    Table,
    Id,
    CompanyId,
    UserId,
    Date,
    Spans,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ExternalCalendars {
    Table,
    Id,
    CompanyId,
    UserId,
    Kind,
    UrlSealed,
    UrlHint,
    FileName,
    Etag,
    LastModified,
    NextFetchAt,
    ClaimedUntil,
    Claim,
    LastAttemptAt,
    LastSuccessAt,
    LastError,
    ReadAt,
    IntervalCount,
    Truncated,
    CreatedAt,
}

#[derive(DeriveIden)]
enum BusyIntervals {
    Table,
    Id,
    CalendarId,
    CompanyId,
    UserId,
    StartsAt,
    EndsAt,
}

#[derive(DeriveIden)]
enum Companies {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum InterviewParticipants {
    Table,
    InterviewId,
    UserId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WorkingHours::Table)
                .col(big_integer(WorkingHours::UserId).primary_key())
                .col(big_integer(WorkingHours::CompanyId))
                .col(string_len(WorkingHours::TimeZone, 64))
                .col(text(WorkingHours::Weekly))
                .col(timestamp_with_time_zone(WorkingHours::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(WorkingHours::Table, WorkingHours::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CompanyWorkingHours::Table)
                .col(big_integer(CompanyWorkingHours::CompanyId).primary_key())
                .col(string_len(CompanyWorkingHours::TimeZone, 64))
                .col(text(CompanyWorkingHours::Weekly))
                .col(timestamp_with_time_zone(CompanyWorkingHours::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(CompanyWorkingHours::Table, CompanyWorkingHours::CompanyId)
                        .to(Companies::Table, Companies::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AvailabilityOverrides::Table)
                .col(big_pk_auto(AvailabilityOverrides::Id))
                .col(big_integer(AvailabilityOverrides::CompanyId))
                .col(big_integer(AvailabilityOverrides::UserId))
                .col(date(AvailabilityOverrides::Date))
                .col(text(AvailabilityOverrides::Spans))
                .col(timestamp_with_time_zone(AvailabilityOverrides::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(AvailabilityOverrides::Table, AvailabilityOverrides::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("availability_overrides_user_date")
                .table(AvailabilityOverrides::Table)
                .col(AvailabilityOverrides::UserId)
                .col(AvailabilityOverrides::Date)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ExternalCalendars::Table)
                .col(big_pk_auto(ExternalCalendars::Id))
                .col(big_integer(ExternalCalendars::CompanyId))
                .col(big_integer(ExternalCalendars::UserId))
                .col(string_len(ExternalCalendars::Kind, 16))
                .col(text_null(ExternalCalendars::UrlSealed))
                .col(text_null(ExternalCalendars::UrlHint))
                .col(text_null(ExternalCalendars::FileName))
                .col(text_null(ExternalCalendars::Etag))
                .col(text_null(ExternalCalendars::LastModified))
                .col(timestamp_with_time_zone_null(
                    ExternalCalendars::NextFetchAt,
                ))
                .col(timestamp_with_time_zone_null(
                    ExternalCalendars::ClaimedUntil,
                ))
                .col(string_len_null(ExternalCalendars::Claim, 64))
                .col(timestamp_with_time_zone_null(
                    ExternalCalendars::LastAttemptAt,
                ))
                .col(timestamp_with_time_zone_null(
                    ExternalCalendars::LastSuccessAt,
                ))
                .col(text_null(ExternalCalendars::LastError))
                .col(timestamp_with_time_zone_null(ExternalCalendars::ReadAt))
                .col(integer(ExternalCalendars::IntervalCount))
                .col(boolean(ExternalCalendars::Truncated))
                .col(timestamp_with_time_zone(ExternalCalendars::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ExternalCalendars::Table, ExternalCalendars::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("external_calendars_user")
                .table(ExternalCalendars::Table)
                .col(ExternalCalendars::UserId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("external_calendars_due")
                .table(ExternalCalendars::Table)
                .col(ExternalCalendars::Kind)
                .col(ExternalCalendars::NextFetchAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(BusyIntervals::Table)
                .col(big_pk_auto(BusyIntervals::Id))
                .col(big_integer(BusyIntervals::CalendarId))
                .col(big_integer(BusyIntervals::CompanyId))
                .col(big_integer(BusyIntervals::UserId))
                .col(timestamp_with_time_zone(BusyIntervals::StartsAt))
                .col(timestamp_with_time_zone(BusyIntervals::EndsAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(BusyIntervals::Table, BusyIntervals::CalendarId)
                        .to(ExternalCalendars::Table, ExternalCalendars::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("busy_intervals_user_starts")
                .table(BusyIntervals::Table)
                .col(BusyIntervals::UserId)
                .col(BusyIntervals::StartsAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("busy_intervals_calendar")
                .table(BusyIntervals::Table)
                .col(BusyIntervals::CalendarId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("interview_participants_user_interview")
                .table(InterviewParticipants::Table)
                .col(InterviewParticipants::UserId)
                .col(InterviewParticipants::InterviewId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("interview_participants_user_interview")
                .table(InterviewParticipants::Table)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(BusyIntervals::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(ExternalCalendars::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(AvailabilityOverrides::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(CompanyWorkingHours::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(WorkingHours::Table).to_owned())
            .await
    }
}
