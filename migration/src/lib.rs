//! Schema migrations for recruitmail.
//!
//! Migrations describe tables with their own identifiers and never import the
//! `entity` crate: an old migration must keep compiling after the models move on.
//! Every migration runs on both SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_initial;
mod m20261123_000001_invitation_content;
mod m20261202_000001_message_contents;
mod m20261202_000002_message_ids_per_company;
mod m20261202_000003_auto_submitted;
mod m20261206_000001_health_checks;
mod m20261206_000002_document_sources;
mod m20261206_000003_event_log;
mod m20261206_000010_webhooks;
mod m20261207_000001_availability;
mod m20261207_000002_participant_invitations_and_reminders;
mod m20261207_000003_scheduling_links;
mod m20261208_000001_company_time_zone;
mod m20261208_000002_starter_templates;
mod m20261208_000004_machine_mail;
mod m20261208_000005_read_state_and_inline_parts;
mod m20261208_000010_audit_log;
mod m20261209_000001_erasure;
mod m20261209_000002_retention;
mod m20261209_000003_candidate_exports;
mod m20261209_000004_do_not_contact;
mod m20261209_000005_privacy_requests;
mod m20261210_000001_privacy_link_version;
mod m20261210_000002_blob_sweep_index;

/// Applies recruitmail's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_initial::Migration),
            Box::new(m20261123_000001_invitation_content::Migration),
            Box::new(m20261202_000001_message_contents::Migration),
            Box::new(m20261202_000002_message_ids_per_company::Migration),
            Box::new(m20261202_000003_auto_submitted::Migration),
            Box::new(m20261206_000001_health_checks::Migration),
            Box::new(m20261206_000002_document_sources::Migration),
            Box::new(m20261206_000003_event_log::Migration),
            Box::new(m20261206_000010_webhooks::Migration),
            Box::new(m20261207_000001_availability::Migration),
            Box::new(m20261207_000002_participant_invitations_and_reminders::Migration),
            Box::new(m20261207_000003_scheduling_links::Migration),
            Box::new(m20261208_000001_company_time_zone::Migration),
            Box::new(m20261208_000002_starter_templates::Migration),
            Box::new(m20261208_000004_machine_mail::Migration),
            Box::new(m20261208_000005_read_state_and_inline_parts::Migration),
            Box::new(m20261208_000010_audit_log::Migration),
            Box::new(m20261209_000001_erasure::Migration),
            Box::new(m20261209_000002_retention::Migration),
            Box::new(m20261209_000003_candidate_exports::Migration),
            Box::new(m20261209_000004_do_not_contact::Migration),
            Box::new(m20261209_000005_privacy_requests::Migration),
            Box::new(m20261210_000001_privacy_link_version::Migration),
            Box::new(m20261210_000002_blob_sweep_index::Migration),
        ]
    }
}
