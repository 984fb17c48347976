//! The audit trail: one append-only chain of entries per company, each
//! carrying the SHA-256 of the one before it, so that a changed or removed
//! row shows when the chain is checked.
//!
//! Entries name people and records by ID only, never candidates' names or
//! addresses, so erasing a candidate leaves the trail whole. Triggers refuse
//! UPDATE and DELETE on both backends; the rows leave only with their
//! company.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEntries {
    Table,
    Id,
    CompanyId,
    Seq,
    At,
    ActorUserId,
    ActorTokenId,
    Action,
    SubjectKind,
    SubjectId,
    Details,
    PrevHash,
    Hash,
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
                .table(AuditEntries::Table)
                .col(big_pk_auto(AuditEntries::Id))
                .col(big_integer(AuditEntries::CompanyId))
                .col(big_integer(AuditEntries::Seq))
                .col(timestamp_with_time_zone(AuditEntries::At))
                .col(big_integer_null(AuditEntries::ActorUserId))
                .col(big_integer_null(AuditEntries::ActorTokenId))
                .col(string_len(AuditEntries::Action, 64))
                .col(string_len_null(AuditEntries::SubjectKind, 64))
                .col(big_integer_null(AuditEntries::SubjectId))
                .col(text(AuditEntries::Details))
                .col(string_len(AuditEntries::PrevHash, 64))
                .col(string_len(AuditEntries::Hash, 64))
                .foreign_key(
                    ForeignKey::create()
                        .from(AuditEntries::Table, AuditEntries::CompanyId)
                        .to(Companies::Table, Companies::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("audit_entries_company_seq")
                .table(AuditEntries::Table)
                .col(AuditEntries::CompanyId)
                .col(AuditEntries::Seq)
                .unique()
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        match m.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
                     BEGIN
                       IF TG_OP = 'DELETE' AND NOT EXISTS
                          (SELECT 1 FROM companies WHERE id = OLD.company_id) THEN
                         RETURN OLD;
                       END IF;
                       RAISE EXCEPTION 'the audit trail is append-only';
                     END $$ LANGUAGE plpgsql",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_entries_append_only
                     BEFORE UPDATE OR DELETE ON audit_entries
                     FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
                     BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
                     WHEN EXISTS (SELECT 1 FROM companies WHERE id = OLD.company_id)
                     BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if m.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            db.execute_unprepared(
                "DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries",
            )
            .await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS audit_entries_append_only()")
                .await?;
        }
        m.drop_table(Table::drop().table(AuditEntries::Table).to_owned())
            .await
    }
}
