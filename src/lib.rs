//! recruitmail: the recruiting-communication backend.
//!
//! Every email between a company's recruiters and its candidates goes through it,
//! behind one GraphQL API. The modules, in the order a request meets them:

/// Bearer tokens, the caller's rights and the guards that check them.
pub mod access;
/// Building and running the application.
pub mod app;
pub mod audit;
/// Opening and migrating the database.
pub mod db;
/// Validated value types: email addresses, names, language tags.
pub mod domain;
/// The one error type at the API boundary.
pub mod error;
/// The GraphQL schema: types, roots, batch loading, pagination, error codes.
pub mod graphql;
/// Thin HTTP adapters: `/graphql`, `/healthz`, `/metrics`, the playground.
pub mod http;
/// Prometheus metrics.
pub mod metrics;
/// Settings from the environment, validated at start.
pub mod settings;

/// Applications.
pub mod applications;
/// File contents, stored once per digest.
pub mod blobs;
/// Copies of a candidate's data for them (GDPR Art. 15 and 20), built in the background.
pub mod candidate_export;
/// Candidates.
pub mod candidates;
/// Companies (tenants) and their bootstrap.
pub mod companies;
/// Addresses a company must not write to, kept as keyed hashes.
pub mod do_not_contact;
/// Candidates' documents and template attachments.
pub mod documents;
/// Stored email templates, and previews of messages rendered from them.
pub mod email_templates;
/// Erasing a candidate's personal data everywhere it is kept.
pub mod erasure;
/// The event log that webhooks and subscriptions read.
pub mod events;
/// Mail arriving at a company's inbound address, filed in candidates' threads.
pub mod inbound;
/// The running `serve` processes, their identities and heartbeats.
pub mod instances;
/// Applications from the career page's form, and automatic acknowledgements.
pub mod intake;
/// Interviews and the calendar invitations sent for them.
pub mod interviews;
/// The languages recruitmail writes in: CLDR dates and times, catalogs of texts.
pub mod languages;
/// Outbound mail: SMTP settings, the outbox and its dispatcher.
pub mod mail;
/// Which network addresses are the server's own surroundings.
pub mod network;
/// Subsidiaries, recruiting categories and document categories.
pub mod organisation;
/// Users, recruiting roles, role assignments and API tokens.
pub mod people;
/// Positions and their hiring managers.
pub mod positions;
/// The candidate's privacy page: withdrawals and data requests by link.
pub mod privacy;
/// Working hours, busy times and free interview slots.
pub mod scheduling;
/// What a new company starts with: starter templates, document categories, roles.
pub mod starter;
/// The template language: checking, compiling and rendering templates.
pub mod templates;
/// Signed webhooks for integrations (Standard Webhooks 1.0).
pub mod webhooks;

/// Runs of periodic jobs, once per period across instances.
pub mod job_runs;
/// How long candidates are kept, legal holds, and the daily anonymisation.
pub mod retention;
