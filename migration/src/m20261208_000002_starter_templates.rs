//! Templates made from the starter texts remember which kind they are, so
//! that `createStarterTemplates` in another language adds a translation to
//! the same template (whatever it was renamed to) instead of a second copy.
//! One template per kind and company: the unique index lets NULLs repeat on
//! both SQLite and PostgreSQL, so the admins' own templates are not limited.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EmailTemplates {
    Table,
    CompanyId,
    StarterKind,
}

const INDEX: &str = "ux_email_templates_company_starter_kind";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(EmailTemplates::Table)
                .add_column(string_len_null(EmailTemplates::StarterKind, 32))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(INDEX)
                .table(EmailTemplates::Table)
                .col(EmailTemplates::CompanyId)
                .col(EmailTemplates::StarterKind)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(INDEX)
                .table(EmailTemplates::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(EmailTemplates::Table)
                .drop_column(EmailTemplates::StarterKind)
                .to_owned(),
        )
        .await
    }
}
