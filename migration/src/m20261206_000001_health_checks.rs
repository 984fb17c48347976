//! One row that `GET /healthz` writes to: a database that answers reads but
//! refuses writes (a read-only file, a full disk, a standby server) cannot
//! do recruitmail's work, and the health check must say so.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum HealthChecks {
    Table,
    Id,
    CheckedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(HealthChecks::Table)
                .col(integer(HealthChecks::Id).primary_key())
                .col(timestamp_with_time_zone_null(HealthChecks::CheckedAt))
                .to_owned(),
        )
        .await?;
        let mut row = Query::insert();
        row.into_table(HealthChecks::Table)
            .columns([HealthChecks::Id])
            .values([1.into()])
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        m.exec_stmt(row).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(HealthChecks::Table).to_owned())
            .await
    }
}
