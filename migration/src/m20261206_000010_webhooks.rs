//! Webhook endpoints and the durable record of their deliveries.
//!
//! `webhook_endpoints` holds each receiver with its sealed signing secrets
//! (the previous one kept while a rotation lasts) and `cursor`, the last
//! event id whose deliveries were created: the fan-out advances it in the
//! transaction that writes those deliveries, so no event is missed or
//! delivered twice by the fan-out. `webhook_deliveries` is one event (or
//! test message) for one endpoint, claimed by an instance while it is sent;
//! `webhook_attempts` records each attempt's answer and timing.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    CompanyId,
    Url,
    Description,
    EventTypes,
    SecretSealed,
    PreviousSecretSealed,
    PreviousSecretUntil,
    Enabled,
    DisabledReason,
    Cursor,
    FailingSince,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    EndpointId,
    CompanyId,
    EventId,
    EventType,
    WebhookId,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedBy,
    CreatedAt,
    LastAttemptAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    AttemptedAt,
    StatusCode,
    DurationMs,
    Error,
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
                .table(WebhookEndpoints::Table)
                .col(big_pk_auto(WebhookEndpoints::Id))
                .col(big_integer(WebhookEndpoints::CompanyId))
                .col(text(WebhookEndpoints::Url))
                .col(text(WebhookEndpoints::Description))
                .col(text(WebhookEndpoints::EventTypes))
                .col(text(WebhookEndpoints::SecretSealed))
                .col(text_null(WebhookEndpoints::PreviousSecretSealed))
                .col(timestamp_with_time_zone_null(
                    WebhookEndpoints::PreviousSecretUntil,
                ))
                .col(boolean(WebhookEndpoints::Enabled))
                .col(text_null(WebhookEndpoints::DisabledReason))
                .col(big_integer(WebhookEndpoints::Cursor))
                .col(timestamp_with_time_zone_null(
                    WebhookEndpoints::FailingSince,
                ))
                .col(timestamp_with_time_zone(WebhookEndpoints::CreatedAt))
                .col(timestamp_with_time_zone(WebhookEndpoints::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(WebhookEndpoints::Table, WebhookEndpoints::CompanyId)
                        .to(Companies::Table, Companies::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("webhook_endpoints_company_id")
                .table(WebhookEndpoints::Table)
                .col(WebhookEndpoints::CompanyId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookDeliveries::Table)
                .col(big_pk_auto(WebhookDeliveries::Id))
                .col(big_integer(WebhookDeliveries::EndpointId))
                .col(big_integer(WebhookDeliveries::CompanyId))
                .col(big_integer_null(WebhookDeliveries::EventId))
                .col(string_len(WebhookDeliveries::EventType, 64))
                .col(string_len(WebhookDeliveries::WebhookId, 64))
                .col(text_null(WebhookDeliveries::Payload))
                .col(string_len(WebhookDeliveries::Status, 16))
                .col(integer(WebhookDeliveries::Attempts))
                .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                .col(string_len_null(WebhookDeliveries::ClaimedBy, 64))
                .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                .col(timestamp_with_time_zone_null(
                    WebhookDeliveries::LastAttemptAt,
                ))
                .foreign_key(
                    ForeignKey::create()
                        .from(WebhookDeliveries::Table, WebhookDeliveries::EndpointId)
                        .to(WebhookEndpoints::Table, WebhookEndpoints::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("webhook_deliveries_due")
                .table(WebhookDeliveries::Table)
                .col(WebhookDeliveries::Status)
                .col(WebhookDeliveries::NextAttemptAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("webhook_deliveries_endpoint")
                .table(WebhookDeliveries::Table)
                .col(WebhookDeliveries::EndpointId)
                .col(WebhookDeliveries::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookAttempts::Table)
                .col(big_pk_auto(WebhookAttempts::Id))
                .col(big_integer(WebhookAttempts::DeliveryId))
                .col(timestamp_with_time_zone(WebhookAttempts::AttemptedAt))
                .col(integer_null(WebhookAttempts::StatusCode))
                .col(integer(WebhookAttempts::DurationMs))
                .col(text_null(WebhookAttempts::Error))
                .foreign_key(
                    ForeignKey::create()
                        .from(WebhookAttempts::Table, WebhookAttempts::DeliveryId)
                        .to(WebhookDeliveries::Table, WebhookDeliveries::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("webhook_attempts_delivery")
                .table(WebhookAttempts::Table)
                .col(WebhookAttempts::DeliveryId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(WebhookAttempts::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(WebhookEndpoints::Table).to_owned())
            .await
    }
}
