//! Mutation roots, one per feature, merged into [`MutationRoot`]. Each mutation
//! takes one `input` object and returns a payload object.

mod availability;
mod candidate_export;
mod do_not_contact;
mod documents;
mod erasure;
mod inbound;
mod intake;
mod interviews;
mod mail;
mod organisation;
mod people;
mod privacy;
mod recruiting;
mod retention;
mod scheduling_links;
mod templates;
mod waiting;
mod webhooks;

use async_graphql::MergedObject;

/// Every mutation of the API.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    organisation::OrganisationMutation,
    recruiting::RecruitingMutation,
    people::PeopleMutation,
    templates::TemplatesMutation,
    mail::MailMutation,
    waiting::WaitingMutation,
    interviews::InterviewsMutation,
    scheduling_links::SchedulingLinksMutation,
    intake::IntakeMutation,
    inbound::InboundMutation,
    documents::DocumentsMutation,
    webhooks::WebhooksMutation,
    availability::AvailabilityMutation,
    candidate_export::CandidateExportMutation,
    do_not_contact::DoNotContactMutation,
    erasure::ErasureMutation,
    retention::RetentionMutation,
    privacy::PrivacyMutation,
);
