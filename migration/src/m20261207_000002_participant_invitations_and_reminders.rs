//! Calendar invitations to the employees taking part in an interview, and
//! reminders before interviews.
//!
//! - `interview_participants.response` / `responded_at`: each participant's
//!   answer to their own invitation (an iTIP REPLY from their calendar).
//! - `messages.participant_user_id`: set on a participant's copy of an
//!   interview email (invitation, update, cancellation, reminder). The row
//!   keeps the candidate's `candidate_id`, so who may see it follows the
//!   candidate, but it is mail to an employee: candidate-facing lists leave it out.
//! - `interview_reminder_settings`: per company, the candidate's reminder
//!   template and how many hours before an interview each reminder leaves.
//! - `interview_reminders`: one row per reminder queued, unique per
//!   interview, recipient and start, written in the transaction that queues
//!   the reminder's messages: however many instances run the job, and after
//!   restarts, a reminder is queued once per start time.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InterviewParticipants {
    Table,
    Response,
    RespondedAt,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    ParticipantUserId,
}

#[derive(DeriveIden)]
enum InterviewReminderSettings {
    Table,
    CompanyId,
    CandidateTemplateId,
    CandidateHoursBefore,
    ParticipantHoursBefore,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InterviewReminders {
    Table,
    Id,
    InterviewId,
    Recipient,
    StartsAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Companies {
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
        // One column per statement: SQLite alters one at a time.
        m.alter_table(
            Table::alter()
                .table(InterviewParticipants::Table)
                .add_column(string_len(InterviewParticipants::Response, 32).default("NEEDS_ACTION"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(InterviewParticipants::Table)
                .add_column(timestamp_with_time_zone_null(
                    InterviewParticipants::RespondedAt,
                ))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .add_column(big_integer_null(Messages::ParticipantUserId))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(InterviewReminderSettings::Table)
                .col(
                    big_integer(InterviewReminderSettings::CompanyId)
                        .primary_key()
                        .take(),
                )
                .col(big_integer_null(
                    InterviewReminderSettings::CandidateTemplateId,
                ))
                .col(integer_null(
                    InterviewReminderSettings::CandidateHoursBefore,
                ))
                .col(integer_null(
                    InterviewReminderSettings::ParticipantHoursBefore,
                ))
                .col(timestamp_with_time_zone(
                    InterviewReminderSettings::UpdatedAt,
                ))
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            InterviewReminderSettings::Table,
                            InterviewReminderSettings::CompanyId,
                        )
                        .to(Companies::Table, Companies::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            InterviewReminderSettings::Table,
                            InterviewReminderSettings::CandidateTemplateId,
                        )
                        .to(EmailTemplates::Table, EmailTemplates::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(InterviewReminders::Table)
                .col(big_pk_auto(InterviewReminders::Id))
                .col(big_integer(InterviewReminders::InterviewId))
                .col(string_len(InterviewReminders::Recipient, 32))
                .col(timestamp_with_time_zone(InterviewReminders::StartsAt))
                .col(timestamp_with_time_zone(InterviewReminders::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(InterviewReminders::Table, InterviewReminders::InterviewId)
                        .to(Interviews::Table, Interviews::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("interview_reminders_once")
                .table(InterviewReminders::Table)
                .col(InterviewReminders::InterviewId)
                .col(InterviewReminders::Recipient)
                .col(InterviewReminders::StartsAt)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(InterviewReminders::Table).to_owned())
            .await?;
        m.drop_table(
            Table::drop()
                .table(InterviewReminderSettings::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .drop_column(Messages::ParticipantUserId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(InterviewParticipants::Table)
                .drop_column(InterviewParticipants::RespondedAt)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(InterviewParticipants::Table)
                .drop_column(InterviewParticipants::Response)
                .to_owned(),
        )
        .await
    }
}
