//! GraphQL object types, each converted from a storage model so that columns
//! are exposed one by one, on purpose.

mod audit;
mod availability;
mod candidate_export;
mod do_not_contact;
mod documents;
mod enums;
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

pub use audit::AuditEntry;
pub use availability::{
    AvailabilityOverride, BusySourceKind, BusyTime, ExternalCalendar, ExternalCalendarKind,
    TimeSpan, Weekday, WorkingHours, WorkingSpan,
};
pub use candidate_export::{CandidateExport, CandidateExportStatus};
pub use do_not_contact::DoNotContactEntry;
pub use documents::Document;
pub use enums::*;
pub use events::Event;
pub use interviews::{Interview, InterviewReminders, Invitation};
pub use mail::{EmailBatch, Message, RecruitingEmailSettings, SmtpConnectionTest};
pub use node::Node;
pub use organisation::{Category, Company, DocumentCategory, Position, Subsidiary};
pub use people::{ApiToken, DocumentPermission, RecruitingRole, User, Viewer};
pub use privacy::{CandidatePrivacyRequest, PrivacyPage, PrivacyPageApplication, PrivacyRequest};
pub use recruiting::{Application, Candidate};
pub use retention::{LegalHold, RetentionSettings};
pub use scheduling_links::{
    InterviewBooking, PublicSchedulingLink, SchedulingLink, SchedulingSettings,
};
pub use slots::{
    InterviewSlot, InterviewSlotSuggestions, SlotConstraint, SlotObstacle, SlotShortfall,
};
pub use templates::{EmailPreview, EmailTemplate, PlaceholderInfo};
pub use webhooks::{WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint};

use async_graphql::Context;
use sea_orm::DatabaseConnection;

use crate::access::{Actor, ContextExt as _};
use crate::error::ApiError;

/// The database and caller a nested resolver loads with.
pub(crate) fn loading<'a>(
    ctx: &'a Context<'_>,
) -> Result<(&'a DatabaseConnection, &'a Actor), ApiError> {
    Ok((super::state::db(ctx)?, ctx.actor()?))
}
