//! Do-not-contact: the addresses a company must not write to, per company.
//!
//! An address is kept only as its HMAC-SHA-256 (RFC 2104) under a key
//! derived from the server's secret key: the list must outlive the
//! candidate it came from (an erasure is exactly when it is needed), yet
//! erased data must not stay readable in it (GDPR Art. 17). A company's
//! address appears once (the unique index), with why, when and by whom it
//! was added.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DoNotContact {
    Table,
    Id,
    CompanyId,
    AddressHash,
    Reason,
    CreatedById,
    CreatedAt,
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DoNotContact::Table)
                .col(big_pk_auto(DoNotContact::Id))
                .col(big_integer(DoNotContact::CompanyId))
                .col(string_len(DoNotContact::AddressHash, 64))
                .col(string_len(DoNotContact::Reason, 32))
                .col(big_integer_null(DoNotContact::CreatedById))
                .col(timestamp_with_time_zone(DoNotContact::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(DoNotContact::Table, DoNotContact::CompanyId)
                        .to(Companies::Table, Companies::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(DoNotContact::Table, DoNotContact::CreatedById)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("do_not_contact_company_address")
                .table(DoNotContact::Table)
                .col(DoNotContact::CompanyId)
                .col(DoNotContact::AddressHash)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(DoNotContact::Table).to_owned())
            .await
    }
}
