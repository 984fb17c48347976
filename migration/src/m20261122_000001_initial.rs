//! The whole data model of the first release.
//!
//! Conventions: `BIGINT` surrogate keys, `company_id` on every tenant-owned row
//! (so each query can be scoped without a join), enumerations stored as short
//! strings (portable across SQLite and PostgreSQL), timestamps with time zone in
//! UTC. Unique constraints guard the duplicates that would be bugs; an index
//! backs every lookup the API makes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Short enumeration strings (`MALE`, `ONLINE_FORM`, `STARTTLS` …).
fn code<T: IntoIden>(col: T) -> ColumnDef {
    string_len(col, 32)
}

fn fk(
    from: impl IntoIden,
    col: impl IntoIden,
    to: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, col)
        .to(to, Id::Id)
        .on_delete(on_delete)
        .take()
}

fn index(table: impl IntoIden, name: &str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    stmt.take()
}

fn unique(table: impl IntoIden, name: &str, cols: &[&'static str]) -> IndexCreateStatement {
    index(table, name, cols).unique().take()
}

#[derive(DeriveIden)]
enum Id {
    Id,
}

#[derive(DeriveIden)]
enum Companies {
    Table,
    Name,
    Slug,
    InboundToken,
    FormKey,
    DefaultLanguage,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Subsidiaries {
    Table,
    CompanyId,
    Name,
    EmailAddress,
    EmailDisplayName,
    UseCustomSmtp,
    SmtpHost,
    SmtpPort,
    SmtpSecurity,
    SmtpUsername,
    SmtpPasswordEncrypted,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    CompanyId,
    Email,
    DisplayName,
    SignatureHtml,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RecruitingRoles {
    Table,
    CompanyId,
    Name,
    IsAdmin,
    CandidatesAccess,
    MessagesAccess,
    InterviewsAccess,
    BulkEmailAccess,
    AssignedPositionsOnly,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DocumentCategories {
    Table,
    CompanyId,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RoleDocumentPermissions {
    Table,
    RoleId,
    DocumentCategoryId,
    Access,
}

#[derive(DeriveIden)]
enum RoleAssignments {
    Table,
    UserId,
    RoleId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    UserId,
    Name,
    TokenHash,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RecruitingCategories {
    Table,
    CompanyId,
    Name,
    AutoReplyOnline,
    AutoReplyEmail,
    AutoReplyTemplateId,
    AutoReplySenderId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Positions {
    Table,
    CompanyId,
    SubsidiaryId,
    CategoryId,
    Name,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PositionHiringManagers {
    Table,
    PositionId,
    UserId,
}

#[derive(DeriveIden)]
enum Candidates {
    Table,
    CompanyId,
    FirstName,
    LastName,
    Email,
    Gender,
    PreferredLanguage,
    Phone,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    CompanyId,
    CandidateId,
    PositionId,
    Source,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    CompanyId,
    CandidateId,
    DocumentCategoryId,
    FileName,
    ContentType,
    SizeBytes,
    Sha256,
    BlobKey,
    UploadedById,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EmailTemplates {
    Table,
    CompanyId,
    Name,
    InterviewRelated,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EmailTemplateVariants {
    Table,
    TemplateId,
    Language,
    Subject,
    Body,
}

#[derive(DeriveIden)]
enum EmailTemplateDocuments {
    Table,
    TemplateId,
    DocumentId,
}

#[derive(DeriveIden)]
enum EmailBatches {
    Table,
    CompanyId,
    CreatedById,
    IdempotencyKey,
    Total,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Interviews {
    Table,
    CompanyId,
    ApplicationId,
    Title,
    StartsAt,
    EndsAt,
    TimeZone,
    Location,
    VideoLink,
    Status,
    Sequence,
    Uid,
    CreatedById,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InterviewParticipants {
    Table,
    InterviewId,
    UserId,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    CompanyId,
    CandidateId,
    ApplicationId,
    SubsidiaryId,
    SenderUserId,
    TemplateId,
    BatchId,
    InterviewId,
    Direction,
    Status,
    Subject,
    TextBody,
    HtmlBody,
    FromAddress,
    FromName,
    ReplyToken,
    MessageIdHeader,
    InReplyTo,
    ReferencesHeader,
    IdempotencyKey,
    ScheduledAt,
    NextAttemptAt,
    LeaseUntil,
    SentAt,
    ReceivedAt,
    Attempts,
    LastError,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MessageRecipients {
    Table,
    MessageId,
    Kind,
    Address,
    Name,
}

#[derive(DeriveIden)]
enum MessageAttachments {
    Table,
    MessageId,
    DocumentId,
    Position,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    InterviewId,
    MessageId,
    Sequence,
    Method,
    Status,
    RespondedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict, SetNull};

        m.create_table(
            Table::create()
                .table(Companies::Table)
                .col(big_pk_auto(Id::Id))
                .col(string_len(Companies::Name, 200))
                .col(string_len_uniq(Companies::Slug, 63))
                .col(string_len_uniq(Companies::InboundToken, 64))
                .col(string_len_uniq(Companies::FormKey, 64))
                .col(string_len(Companies::DefaultLanguage, 35).default("en"))
                .col(timestamp_with_time_zone(Companies::CreatedAt))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Subsidiaries::Table)
                .col(big_pk_auto(Id::Id))
                .col(big_integer(Subsidiaries::CompanyId))
                .col(string_len(Subsidiaries::Name, 200))
                .col(string_len_null(Subsidiaries::EmailAddress, 254))
                .col(string_len_null(Subsidiaries::EmailDisplayName, 200))
                .col(boolean(Subsidiaries::UseCustomSmtp).default(false))
                .col(string_len_null(Subsidiaries::SmtpHost, 253))
                .col(integer_null(Subsidiaries::SmtpPort))
                .col(code(Subsidiaries::SmtpSecurity).default("STARTTLS"))
                .col(string_len_null(Subsidiaries::SmtpUsername, 254))
                .col(text_null(Subsidiaries::SmtpPasswordEncrypted))
                .col(timestamp_with_time_zone(Subsidiaries::CreatedAt))
                .foreign_key(&mut fk(
                    Subsidiaries::Table,
                    Subsidiaries::CompanyId,
                    Companies::Table,
                    Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(unique(
            Subsidiaries::Table,
            "ux_subsidiaries_company_name",
            &["company_id", "name"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(big_pk_auto(Id::Id))
                .col(big_integer(Users::CompanyId))
                .col(string_len(Users::Email, 254))
                .col(string_len(Users::DisplayName, 200))
                .col(text_null(Users::SignatureHtml))
                .col(boolean(Users::Active).default(true))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .foreign_key(&mut fk(
                    Users::Table,
                    Users::CompanyId,
                    Companies::Table,
                    Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(unique(
            Users::Table,
            "ux_users_company_email",
            &["company_id", "email"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(RecruitingRoles::Table)
                .col(big_pk_auto(Id::Id))
                .col(big_integer(RecruitingRoles::CompanyId))
                .col(string_len(RecruitingRoles::Name, 200))
                .col(boolean(RecruitingRoles::IsAdmin).default(false))
                .col(boolean(RecruitingRoles::CandidatesAccess).default(false))
                .col(boolean(RecruitingRoles::MessagesAccess).default(false))
                .col(boolean(RecruitingRoles::InterviewsAccess).default(false))
                .col(boolean(RecruitingRoles::BulkEmailAccess).default(false))
                .col(boolean(RecruitingRoles::AssignedPositionsOnly).default(false))
                .col(timestamp_with_time_zone(RecruitingRoles::CreatedAt))
                .foreign_key(&mut fk(
                    RecruitingRoles::Table,
                    RecruitingRoles::CompanyId,
                    Companies::Table,
                    Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(unique(
            RecruitingRoles::Table,
            "ux_roles_company_name",
            &["company_id", "name"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(DocumentCategories::Table)
                .col(big_pk_auto(Id::Id))
                .col(big_integer(DocumentCategories::CompanyId))
                .col(string_len(DocumentCategories::Name, 200))
                .col(timestamp_with_time_zone(DocumentCategories::CreatedAt))
                .foreign_key(&mut fk(
                    DocumentCategories::Table,
                    DocumentCategories::CompanyId,
                    Companies::Table,
                    Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(unique(
            DocumentCategories::Table,
            "ux_document_categories_company_name",
            &["company_id", "name"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(RoleDocumentPermissions::Table)
                .col(big_integer(RoleDocumentPermissions::RoleId))
                .col(big_integer(RoleDocumentPermissions::DocumentCategoryId))
                .col(code(RoleDocumentPermissions::Access))
                .primary_key(
                    Index::create()
                        .col(RoleDocumentPermissions::RoleId)
                        .col(RoleDocumentPermissions::DocumentCategoryId),
                )
                .foreign_key(&mut fk(
                    RoleDocumentPermissions::Table,
                    RoleDocumentPermissions::RoleId,
                    RecruitingRoles::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    RoleDocumentPermissions::Table,
                    RoleDocumentPermissions::DocumentCategoryId,
                    DocumentCategories::Table,
                    Cascade,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RoleAssignments::Table)
                .col(big_integer(RoleAssignments::UserId))
                .col(big_integer(RoleAssignments::RoleId))
                .col(timestamp_with_time_zone(RoleAssignments::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(RoleAssignments::UserId)
                        .col(RoleAssignments::RoleId),
                )
                .foreign_key(&mut fk(
                    RoleAssignments::Table,
                    RoleAssignments::UserId,
                    Users::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    RoleAssignments::Table,
                    RoleAssignments::RoleId,
                    RecruitingRoles::Table,
                    Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            RoleAssignments::Table,
            "ix_role_assignments_role",
            &["role_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .col(big_pk_auto(Id::Id))
                .col(big_integer(ApiTokens::UserId))
                .col(string_len(ApiTokens::Name, 200))
                .col(string_len_uniq(ApiTokens::TokenHash, 64))
                .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                .col(timestamp_with_time_zone_null(ApiTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                .foreign_key(&mut fk(
                    ApiTokens::Table,
                    ApiTokens::UserId,
                    Users::Table,
                    Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(ApiTokens::Table, "ix_api_tokens_user", &["user_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table(EmailTemplates::Table)
                .col(big_pk_auto(Id::Id))
                .col(big_integer(EmailTemplates::CompanyId))
                .col(string_len(EmailTemplates::Name, 200))
                .col(boolean(EmailTemplates::InterviewRelated).default(false))
                .col(timestamp_with_time_zone(EmailTemplates::CreatedAt))
                .col(timestamp_with_time_zone(EmailTemplates::UpdatedAt))
                .foreign_key(&mut fk(
                    EmailTemplates::Table,
                    EmailTemplates::CompanyId,
                    Companies::Table,
                    Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(unique(
            EmailTemplates::Table,
            "ux_email_templates_company_name",
            &["company_id", "name"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(EmailTemplateVariants::Table)
                .col(big_pk_auto(Id::Id))
                .col(big_integer(EmailTemplateVariants::TemplateId))
                .col(string_len(EmailTemplateVariants::Language, 35))
                .col(text(EmailTemplateVariants::Subject))
                .col(text(EmailTemplateVariants::Body))
                .foreign_key(&mut fk(
                    EmailTemplateVariants::Table,
                    EmailTemplateVariants::TemplateId,
                    EmailTemplates::Table,
                    Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(unique(
            EmailTemplateVariants::Table,
            "ux_email_template_variants_language",
            &["template_id", "language"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(RecruitingCategories::Table)
                .col(big_pk_auto(Id::Id))
                .col(big_integer(RecruitingCategories::CompanyId))
                .col(string_len(RecruitingCategories::Name, 200))
                .col(boolean(RecruitingCategories::AutoReplyOnline).default(false))
                .col(boolean(RecruitingCategories::AutoReplyEmail).default(false))
                .col(big_integer_null(RecruitingCategories::AutoReplyTemplateId))
                .col(big_integer_null(RecruitingCategories::AutoReplySenderId))
                .col(timestamp_with_time_zone(RecruitingCategories::CreatedAt))
                .foreign_key(&mut fk(
                    RecruitingCategories::Table,
                    RecruitingCategories::CompanyId,
                    Companies::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    RecruitingCategories::Table,
                    RecruitingCategories::AutoReplyTemplateId,
                    EmailTemplates::Table,
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    RecruitingCategories::Table,
                    RecruitingCategories::AutoReplySenderId,
                    Users::Table,
                    SetNull,
                ))
                .take(),
        )
        .await?;
        m.create_index(unique(
            RecruitingCategories::Table,
            "ux_categories_company_name",
            &["company_id", "name"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Positions::Table)
                .col(big_pk_auto(Id::Id))
                .col(big_integer(Positions::CompanyId))
                .col(big_integer(Positions::SubsidiaryId))
                .col(big_integer(Positions::CategoryId))
                .col(string_len(Positions::Name, 200))
                .col(code(Positions::Status).default("OPEN"))
                .col(timestamp_with_time_zone(Positions::CreatedAt))
                .foreign_key(&mut fk(
                    Positions::Table,
                    Positions::CompanyId,
                    Companies::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    Positions::Table,
                    Positions::SubsidiaryId,
                    Subsidiaries::Table,
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    Positions::Table,
                    Positions::CategoryId,
                    RecruitingCategories::Table,
                    Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            Positions::Table,
            "ix_positions_company",
            &["company_id", "id"],
        ))
        .await?;
        m.create_index(index(
            Positions::Table,
            "ix_positions_subsidiary",
            &["subsidiary_id"],
        ))
        .await?;
        m.create_index(index(
            Positions::Table,
            "ix_positions_category",
            &["category_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(PositionHiringManagers::Table)
                .col(big_integer(PositionHiringManagers::PositionId))
                .col(big_integer(PositionHiringManagers::UserId))
                .primary_key(
                    Index::create()
                        .col(PositionHiringManagers::PositionId)
                        .col(PositionHiringManagers::UserId),
                )
                .foreign_key(&mut fk(
                    PositionHiringManagers::Table,
                    PositionHiringManagers::PositionId,
                    Positions::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    PositionHiringManagers::Table,
                    PositionHiringManagers::UserId,
                    Users::Table,
                    Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            PositionHiringManagers::Table,
            "ix_position_hiring_managers_user",
            &["user_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Candidates::Table)
                .col(big_pk_auto(Id::Id))
                .col(big_integer(Candidates::CompanyId))
                .col(string_len(Candidates::FirstName, 200))
                .col(string_len(Candidates::LastName, 200))
                .col(string_len(Candidates::Email, 254))
                .col(code(Candidates::Gender).default("UNKNOWN"))
                .col(string_len_null(Candidates::PreferredLanguage, 35))
                .col(string_len_null(Candidates::Phone, 50))
                .col(timestamp_with_time_zone(Candidates::CreatedAt))
                .col(timestamp_with_time_zone(Candidates::UpdatedAt))
                .foreign_key(&mut fk(
                    Candidates::Table,
                    Candidates::CompanyId,
                    Companies::Table,
                    Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(unique(
            Candidates::Table,
            "ux_candidates_company_email",
            &["company_id", "email"],
        ))
        .await?;
        m.create_index(index(
            Candidates::Table,
            "ix_candidates_company_page",
            &["company_id", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Applications::Table)
                .col(big_pk_auto(Id::Id))
                .col(big_integer(Applications::CompanyId))
                .col(big_integer(Applications::CandidateId))
                .col(big_integer(Applications::PositionId))
                .col(code(Applications::Source))
                .col(code(Applications::Status).default("NEW"))
                .col(timestamp_with_time_zone(Applications::CreatedAt))
                .col(timestamp_with_time_zone(Applications::UpdatedAt))
                .foreign_key(&mut fk(
                    Applications::Table,
                    Applications::CompanyId,
                    Companies::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    Applications::Table,
                    Applications::CandidateId,
                    Candidates::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    Applications::Table,
                    Applications::PositionId,
                    Positions::Table,
                    Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(unique(
            Applications::Table,
            "ux_applications_candidate_position",
            &["candidate_id", "position_id"],
        ))
        .await?;
        m.create_index(index(
            Applications::Table,
            "ix_applications_position",
            &["position_id"],
        ))
        .await?;
        m.create_index(index(
            Applications::Table,
            "ix_applications_company",
            &["company_id", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Documents::Table)
                .col(big_pk_auto(Id::Id))
                .col(big_integer(Documents::CompanyId))
                .col(big_integer_null(Documents::CandidateId))
                .col(big_integer_null(Documents::DocumentCategoryId))
                .col(string_len(Documents::FileName, 255))
                .col(string_len(Documents::ContentType, 255))
                .col(big_integer(Documents::SizeBytes))
                .col(char_len(Documents::Sha256, 64))
                .col(string_len(Documents::BlobKey, 255))
                .col(big_integer_null(Documents::UploadedById))
                .col(timestamp_with_time_zone(Documents::CreatedAt))
                .foreign_key(&mut fk(
                    Documents::Table,
                    Documents::CompanyId,
                    Companies::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    Documents::Table,
                    Documents::CandidateId,
                    Candidates::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    Documents::Table,
                    Documents::DocumentCategoryId,
                    DocumentCategories::Table,
                    SetNull,
                ))
                .foreign_key(&mut fk(
                    Documents::Table,
                    Documents::UploadedById,
                    Users::Table,
                    SetNull,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            Documents::Table,
            "ix_documents_candidate",
            &["candidate_id"],
        ))
        .await?;
        m.create_index(index(Documents::Table, "ix_documents_sha256", &["sha256"]))
            .await?;

        m.create_table(
            Table::create()
                .table(EmailTemplateDocuments::Table)
                .col(big_integer(EmailTemplateDocuments::TemplateId))
                .col(big_integer(EmailTemplateDocuments::DocumentId))
                .primary_key(
                    Index::create()
                        .col(EmailTemplateDocuments::TemplateId)
                        .col(EmailTemplateDocuments::DocumentId),
                )
                .foreign_key(&mut fk(
                    EmailTemplateDocuments::Table,
                    EmailTemplateDocuments::TemplateId,
                    EmailTemplates::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    EmailTemplateDocuments::Table,
                    EmailTemplateDocuments::DocumentId,
                    Documents::Table,
                    Restrict,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(EmailBatches::Table)
                .col(big_pk_auto(Id::Id))
                .col(big_integer(EmailBatches::CompanyId))
                .col(big_integer_null(EmailBatches::CreatedById))
                .col(string_len_null(EmailBatches::IdempotencyKey, 200))
                .col(integer(EmailBatches::Total))
                .col(timestamp_with_time_zone(EmailBatches::CreatedAt))
                .foreign_key(&mut fk(
                    EmailBatches::Table,
                    EmailBatches::CompanyId,
                    Companies::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    EmailBatches::Table,
                    EmailBatches::CreatedById,
                    Users::Table,
                    SetNull,
                ))
                .take(),
        )
        .await?;
        m.create_index(unique(
            EmailBatches::Table,
            "ux_email_batches_idempotency",
            &["company_id", "idempotency_key"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Interviews::Table)
                .col(big_pk_auto(Id::Id))
                .col(big_integer(Interviews::CompanyId))
                .col(big_integer(Interviews::ApplicationId))
                .col(string_len(Interviews::Title, 200))
                .col(timestamp_with_time_zone(Interviews::StartsAt))
                .col(timestamp_with_time_zone(Interviews::EndsAt))
                .col(string_len(Interviews::TimeZone, 64))
                .col(string_len_null(Interviews::Location, 500))
                .col(string_len_null(Interviews::VideoLink, 2000))
                .col(code(Interviews::Status).default("SCHEDULED"))
                .col(integer(Interviews::Sequence).default(0))
                .col(string_len_uniq(Interviews::Uid, 255))
                .col(big_integer_null(Interviews::CreatedById))
                .col(timestamp_with_time_zone(Interviews::CreatedAt))
                .col(timestamp_with_time_zone(Interviews::UpdatedAt))
                .foreign_key(&mut fk(
                    Interviews::Table,
                    Interviews::CompanyId,
                    Companies::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    Interviews::Table,
                    Interviews::ApplicationId,
                    Applications::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    Interviews::Table,
                    Interviews::CreatedById,
                    Users::Table,
                    SetNull,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            Interviews::Table,
            "ix_interviews_application",
            &["application_id"],
        ))
        .await?;
        m.create_index(index(
            Interviews::Table,
            "ix_interviews_company_starts",
            &["company_id", "starts_at"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(InterviewParticipants::Table)
                .col(big_integer(InterviewParticipants::InterviewId))
                .col(big_integer(InterviewParticipants::UserId))
                .primary_key(
                    Index::create()
                        .col(InterviewParticipants::InterviewId)
                        .col(InterviewParticipants::UserId),
                )
                .foreign_key(&mut fk(
                    InterviewParticipants::Table,
                    InterviewParticipants::InterviewId,
                    Interviews::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    InterviewParticipants::Table,
                    InterviewParticipants::UserId,
                    Users::Table,
                    Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            InterviewParticipants::Table,
            "ix_interview_participants_user",
            &["user_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Messages::Table)
                .col(big_pk_auto(Id::Id))
                .col(big_integer(Messages::CompanyId))
                .col(big_integer_null(Messages::CandidateId))
                .col(big_integer_null(Messages::ApplicationId))
                .col(big_integer_null(Messages::SubsidiaryId))
                .col(big_integer_null(Messages::SenderUserId))
                .col(big_integer_null(Messages::TemplateId))
                .col(big_integer_null(Messages::BatchId))
                .col(big_integer_null(Messages::InterviewId))
                .col(code(Messages::Direction))
                .col(code(Messages::Status))
                .col(text(Messages::Subject))
                .col(text(Messages::TextBody))
                .col(text_null(Messages::HtmlBody))
                .col(string_len(Messages::FromAddress, 254))
                .col(string_len_null(Messages::FromName, 200))
                .col(string_len_null(Messages::ReplyToken, 64))
                .col(string_len_null(Messages::MessageIdHeader, 998))
                .col(string_len_null(Messages::InReplyTo, 998))
                .col(text_null(Messages::ReferencesHeader))
                .col(string_len_null(Messages::IdempotencyKey, 200))
                .col(timestamp_with_time_zone_null(Messages::ScheduledAt))
                .col(timestamp_with_time_zone_null(Messages::NextAttemptAt))
                .col(timestamp_with_time_zone_null(Messages::LeaseUntil))
                .col(timestamp_with_time_zone_null(Messages::SentAt))
                .col(timestamp_with_time_zone_null(Messages::ReceivedAt))
                .col(integer(Messages::Attempts).default(0))
                .col(text_null(Messages::LastError))
                .col(timestamp_with_time_zone(Messages::CreatedAt))
                .foreign_key(&mut fk(
                    Messages::Table,
                    Messages::CompanyId,
                    Companies::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    Messages::Table,
                    Messages::CandidateId,
                    Candidates::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    Messages::Table,
                    Messages::ApplicationId,
                    Applications::Table,
                    SetNull,
                ))
                .foreign_key(&mut fk(
                    Messages::Table,
                    Messages::SubsidiaryId,
                    Subsidiaries::Table,
                    SetNull,
                ))
                .foreign_key(&mut fk(
                    Messages::Table,
                    Messages::SenderUserId,
                    Users::Table,
                    SetNull,
                ))
                .foreign_key(&mut fk(
                    Messages::Table,
                    Messages::TemplateId,
                    EmailTemplates::Table,
                    SetNull,
                ))
                .foreign_key(&mut fk(
                    Messages::Table,
                    Messages::BatchId,
                    EmailBatches::Table,
                    SetNull,
                ))
                .foreign_key(&mut fk(
                    Messages::Table,
                    Messages::InterviewId,
                    Interviews::Table,
                    SetNull,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            Messages::Table,
            "ix_messages_candidate",
            &["candidate_id", "id"],
        ))
        .await?;
        m.create_index(index(
            Messages::Table,
            "ix_messages_due",
            &["status", "next_attempt_at"],
        ))
        .await?;
        m.create_index(index(Messages::Table, "ix_messages_batch", &["batch_id"]))
            .await?;
        m.create_index(index(
            Messages::Table,
            "ix_messages_template",
            &["template_id"],
        ))
        .await?;
        m.create_index(unique(
            Messages::Table,
            "ux_messages_message_id_header",
            &["message_id_header"],
        ))
        .await?;
        m.create_index(unique(
            Messages::Table,
            "ux_messages_reply_token",
            &["reply_token"],
        ))
        .await?;
        m.create_index(unique(
            Messages::Table,
            "ux_messages_idempotency",
            &["company_id", "idempotency_key"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(MessageRecipients::Table)
                .col(big_pk_auto(Id::Id))
                .col(big_integer(MessageRecipients::MessageId))
                .col(code(MessageRecipients::Kind))
                .col(string_len(MessageRecipients::Address, 254))
                .col(string_len_null(MessageRecipients::Name, 200))
                .foreign_key(&mut fk(
                    MessageRecipients::Table,
                    MessageRecipients::MessageId,
                    Messages::Table,
                    Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            MessageRecipients::Table,
            "ix_message_recipients_message",
            &["message_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(MessageAttachments::Table)
                .col(big_integer(MessageAttachments::MessageId))
                .col(big_integer(MessageAttachments::DocumentId))
                .col(integer(MessageAttachments::Position).default(0))
                .primary_key(
                    Index::create()
                        .col(MessageAttachments::MessageId)
                        .col(MessageAttachments::DocumentId),
                )
                .foreign_key(&mut fk(
                    MessageAttachments::Table,
                    MessageAttachments::MessageId,
                    Messages::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    MessageAttachments::Table,
                    MessageAttachments::DocumentId,
                    Documents::Table,
                    Restrict,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            MessageAttachments::Table,
            "ix_message_attachments_document",
            &["document_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Invitations::Table)
                .col(big_pk_auto(Id::Id))
                .col(big_integer(Invitations::InterviewId))
                .col(big_integer_null(Invitations::MessageId))
                .col(integer(Invitations::Sequence))
                .col(code(Invitations::Method))
                .col(code(Invitations::Status).default("NOT_SENT"))
                .col(timestamp_with_time_zone_null(Invitations::RespondedAt))
                .col(timestamp_with_time_zone(Invitations::CreatedAt))
                .foreign_key(&mut fk(
                    Invitations::Table,
                    Invitations::InterviewId,
                    Interviews::Table,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    Invitations::Table,
                    Invitations::MessageId,
                    Messages::Table,
                    SetNull,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            Invitations::Table,
            "ix_invitations_interview",
            &["interview_id"],
        ))
        .await?;
        m.create_index(index(
            Invitations::Table,
            "ix_invitations_message",
            &["message_id"],
        ))
        .await?;

        // Indexes on the remaining foreign keys, so deletes that cascade or set
        // NULL through them do not scan the referencing table.
        for (table, name, col) in [
            ("messages", "ix_messages_application", "application_id"),
            ("messages", "ix_messages_interview", "interview_id"),
            ("messages", "ix_messages_subsidiary", "subsidiary_id"),
            ("messages", "ix_messages_sender", "sender_user_id"),
            ("documents", "ix_documents_category", "document_category_id"),
            ("documents", "ix_documents_uploaded_by", "uploaded_by_id"),
            (
                "email_template_documents",
                "ix_email_template_documents_document",
                "document_id",
            ),
            (
                "recruiting_categories",
                "ix_categories_auto_reply_template",
                "auto_reply_template_id",
            ),
            (
                "recruiting_categories",
                "ix_categories_auto_reply_sender",
                "auto_reply_sender_id",
            ),
            ("interviews", "ix_interviews_created_by", "created_by_id"),
            (
                "email_batches",
                "ix_email_batches_created_by",
                "created_by_id",
            ),
            (
                "role_document_permissions",
                "ix_role_document_permissions_category",
                "document_category_id",
            ),
        ] {
            m.create_index(index(Alias::new(table), name, &[col]))
                .await?;
        }

        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let tables: [DynIden; 24] = [
            Invitations::Table.into_iden(),
            MessageAttachments::Table.into_iden(),
            MessageRecipients::Table.into_iden(),
            Messages::Table.into_iden(),
            InterviewParticipants::Table.into_iden(),
            Interviews::Table.into_iden(),
            EmailBatches::Table.into_iden(),
            EmailTemplateDocuments::Table.into_iden(),
            Documents::Table.into_iden(),
            Applications::Table.into_iden(),
            Candidates::Table.into_iden(),
            PositionHiringManagers::Table.into_iden(),
            Positions::Table.into_iden(),
            RecruitingCategories::Table.into_iden(),
            EmailTemplateVariants::Table.into_iden(),
            EmailTemplates::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            RoleAssignments::Table.into_iden(),
            RoleDocumentPermissions::Table.into_iden(),
            DocumentCategories::Table.into_iden(),
            RecruitingRoles::Table.into_iden(),
            Users::Table.into_iden(),
            Subsidiaries::Table.into_iden(),
            Companies::Table.into_iden(),
        ];
        for table in tables {
            m.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
