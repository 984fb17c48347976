//! Query roots, one per feature, merged into [`QueryRoot`].

mod audit;
mod candidate_export;
mod do_not_contact;
mod documents;
mod events;
mod interviews;
mod mail;
mod node;
mod organisation;
mod people;
mod privacy;
mod recruiting;
mod retention;
mod scheduling_links;
mod slots;
mod templates;
mod webhooks;

use async_graphql::MergedObject;

/// Every query field of the API.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    people::PeopleQuery,
    node::NodeQuery,
    recruiting::RecruitingQuery,
    organisation::OrganisationQuery,
    templates::TemplatesQuery,
    mail::MailQuery,
    interviews::InterviewsQuery,
    slots::SlotsQuery,
    scheduling_links::SchedulingLinksQuery,
    documents::DocumentsQuery,
    webhooks::WebhooksQuery,
    events::EventsQuery,
    audit::AuditQuery,
    candidate_export::CandidateExportQuery,
    do_not_contact::DoNotContactQuery,
    retention::RetentionQuery,
    privacy::PrivacyQuery,
);
