//! The Relay `Node` interface: every object with a global ID.

use async_graphql::{ID, Interface};

use super::{
    ApiToken, Application, Candidate, CandidateExport, Category, Company, Document,
    DocumentCategory, EmailBatch, EmailTemplate, ExternalCalendar, Interview, Message, Position,
    PrivacyRequest, RecruitingRole, Subsidiary, User, WebhookDelivery, WebhookEndpoint,
};

/// An object that can be fetched again by its global ID through `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Company(Company),
    Subsidiary(Subsidiary),
    Category(Category),
    Position(Position),
    Candidate(Candidate),
    Application(Application),
    User(User),
    RecruitingRole(RecruitingRole),
    DocumentCategory(DocumentCategory),
    ApiToken(ApiToken),
    EmailTemplate(EmailTemplate),
    Document(Document),
    Message(Message),
    EmailBatch(EmailBatch),
    Interview(Interview),
    WebhookEndpoint(WebhookEndpoint),
    WebhookDelivery(WebhookDelivery),
    ExternalCalendar(ExternalCalendar),
    CandidateExport(CandidateExport),
    PrivacyRequest(PrivacyRequest),
}
