//! The event log and the instances that deliver mail.
//!
//! `events` holds one row per change that integrations and screens are told
//! about (webhooks, subscriptions), written in the transaction that makes the
//! change. `sequence` counts the events of one subject (a message, an
//! interview, a candidate …), so a consumer can tell a gap from a reordering.
//!
//! `instances` lists the running `serve` processes with their heartbeat;
//! `messages.claimed_by` names the instance whose claim holds a message, so
//! a live instance can take back what a dead one held.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    CompanyId,
    EventType,
    SubjectType,
    SubjectId,
    Sequence,
    OccurredAt,
    Data,
}

#[derive(DeriveIden)]
enum Instances {
    Table,
    Id,
    StartedAt,
    HeartbeatAt,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    ClaimedBy,
    Status,
}

#[derive(DeriveIden)]
enum Companies {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Events::Table)
                .col(big_pk_auto(Events::Id))
                .col(big_integer(Events::CompanyId))
                .col(string_len(Events::EventType, 64))
                .col(string_len(Events::SubjectType, 32))
                .col(big_integer(Events::SubjectId))
                .col(big_integer(Events::Sequence))
                .col(timestamp_with_time_zone(Events::OccurredAt))
                .col(text(Events::Data))
                .foreign_key(
                    ForeignKey::create()
                        .from(Events::Table, Events::CompanyId)
                        .to(Companies::Table, Companies::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("events_company_id")
                .table(Events::Table)
                .col(Events::CompanyId)
                .col(Events::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("events_subject_sequence")
                .table(Events::Table)
                .col(Events::SubjectType)
                .col(Events::SubjectId)
                .col(Events::Sequence)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Instances::Table)
                .col(string_len(Instances::Id, 64).primary_key())
                .col(timestamp_with_time_zone(Instances::StartedAt))
                .col(timestamp_with_time_zone(Instances::HeartbeatAt))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .add_column(string_len_null(Messages::ClaimedBy, 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("messages_claimed_by")
                .table(Messages::Table)
                .col(Messages::ClaimedBy)
                .col(Messages::Status)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("messages_claimed_by")
                .table(Messages::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .drop_column(Messages::ClaimedBy)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(Instances::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Events::Table).to_owned())
            .await
    }
}
