//! Integration tests: the real application on port 0 against a fresh database
//! (SQLite always; PostgreSQL too when `TEST_DATABASE_URL` is set).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed set-up step should fail the test loudly"
)]

mod helpers;
mod loopback_smtp;
mod smtp_server;

mod audit;
mod availability;
mod bad_input;
mod bulk_copies;
mod candidate_export;
mod cli;
mod contention;
mod crash_recovery;
mod crud;
mod database_unavailable;
mod do_not_contact;
mod documents;
mod erasure;
mod event_log;
mod graphql_over_http;
mod http_endpoints;
mod inbound;
mod intake;
mod interview_participants;
mod interview_reminders;
mod interviews;
mod introspection;
mod invitation_outcomes;
mod languages;
mod machine_mail;
mod mail_model;
mod migrations;
mod n_plus_one;
mod outbound;
mod permissions;
mod privacy_page;
mod reading;
mod retention;
mod s3;
mod scheduling_links;
mod schema_file;
mod slots;
mod starter;
mod subscriptions;
mod templates;
mod tenancy;
mod waiting;
mod webhooks;
