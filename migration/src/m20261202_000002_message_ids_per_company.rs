//! A Message-ID is unique within a company, not across all companies.
//!
//! Our own Message-IDs are random, but received mail carries the sender's:
//! one email sent to two companies (a candidate applying to both) arrives at
//! each with the same Message-ID, and each must be able to file it. Within a
//! company the index still refuses a second copy, which makes receiving the
//! same email twice (a forwarder retrying) harmless, and it answers the
//! lookup of `In-Reply-To` and `References` (RFC 5322 §3.6.4) by company.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
}

const GLOBAL: &str = "ux_messages_message_id_header";
const PER_COMPANY: &str = "ux_messages_company_message_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(unique(PER_COMPANY, &["company_id", "message_id_header"]))
            .await?;
        m.drop_index(drop_statement(GLOBAL)).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(unique(GLOBAL, &["message_id_header"]))
            .await?;
        m.drop_index(drop_statement(PER_COMPANY)).await
    }
}

fn unique(name: &str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(Messages::Table).unique();
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    stmt.take()
}

fn drop_statement(name: &str) -> IndexDropStatement {
    Index::drop().name(name).table(Messages::Table).to_owned()
}
