//! API enumerations, mirrored from the stored ones so each can evolve apart.

use async_graphql::Enum;
use entity::enums as stored;

/// A candidate's grammatical gender; templates pick word forms from it.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stored::Gender")]
pub enum Gender {
    Male,
    Female,
    Diverse,
    /// Not known (the default): templates use the neutral form.
    Unknown,
}

/// How an application reached the company.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stored::ApplicationSource")]
pub enum ApplicationSource {
    /// Entered by a recruiter.
    Manual,
    /// Sent from the career page's form.
    OnlineForm,
    /// Received by email at the inbound address.
    Email,
}

/// Where an application stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stored::ApplicationStatus")]
pub enum ApplicationStatus {
    New,
    InProcess,
    Offer,
    Hired,
    Rejected,
    Withdrawn,
}

/// Whether a position takes applications.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stored::PositionStatus")]
pub enum PositionStatus {
    Open,
    Closed,
}

/// What a role may do with documents of one category.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stored::DocumentAccess")]
pub enum DocumentAccess {
    View,
    /// View, upload and delete.
    Edit,
}

/// Where a document came from.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stored::DocumentSource")]
pub enum DocumentSource {
    /// Uploaded by a user as a candidate's document.
    Upload,
    /// Sent with an application from the career page's form.
    Form,
    /// Attached to mail the company received.
    Inbound,
    /// A company document, attached to templates and messages.
    Template,
}

/// Where a message stands in its life.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stored::MessageStatus")]
pub enum MessageStatus {
    Draft,
    /// Waits for its `scheduledAt`; can still be cancelled.
    Scheduled,
    /// Due, waiting for the dispatcher.
    Queued,
    /// Being handed to the mail server.
    Sending,
    /// Accepted by the mail server.
    Sent,
    /// Given up: `lastError` says why.
    Failed,
    /// Returned as undeliverable.
    Bounced,
    Cancelled,
    /// Arrived from outside.
    Received,
}

/// Which way a message travelled.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stored::MessageDirection")]
pub enum MessageDirection {
    Outbound,
    Inbound,
}

/// Transport security of an SMTP server.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stored::SmtpSecurity")]
pub enum SmtpSecurity {
    /// Plain SMTP; only for servers on a trusted network.
    None,
    /// Plain connection upgraded with STARTTLS (RFC 3207), usually port 587.
    #[graphql(name = "STARTTLS")]
    StartTls,
    /// TLS from the first byte (RFC 8314), usually port 465.
    Tls,
}

/// Whether an interview still takes place.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stored::InterviewStatus")]
pub enum InterviewStatus {
    Scheduled,
    Cancelled,
}

/// The candidate's answer to the invitation they hold.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stored::InvitationStatus")]
pub enum InvitationStatus {
    /// No invitation has reached the candidate yet.
    NotSent,
    /// Delivered (or updated), awaiting the answer.
    Pending,
    Accepted,
    Declined,
    Tentative,
    /// The invitation came back undelivered (a delivery report named it):
    /// the candidate never saw it. Check their address and invite again.
    Bounced,
}

/// An interview participant's answer to their calendar invitation (the
/// PARTSTAT of their calendar's REPLY, RFC 5546 §3.2.3).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stored::ParticipantResponse")]
pub enum ParticipantResponse {
    /// Invited (or the interview moved): no answer yet.
    NeedsAction,
    Accepted,
    Declined,
    Tentative,
}

/// The iTIP method of an invitation email (RFC 5546).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stored::InvitationMethod")]
pub enum InvitationMethod {
    /// A new or changed event.
    Request,
    /// The event is cancelled.
    Cancel,
}

/// The kind of a template made from the starter texts (`createStarterTemplates`).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stored::StarterKind")]
pub enum StarterTemplateKind {
    /// Thanks for an application: neutral forms and no interview
    /// placeholders, so it can be a category's automatic reply.
    Acknowledgement,
    /// An interview invitation using the interview placeholders.
    InterviewInvitation,
    Rejection,
    /// Asks the candidate for more documents.
    DocumentRequest,
}

/// What kind of program sent a received email no person wrote.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stored::MachineMailKind")]
pub enum MachineMailKind {
    /// A bounce: a delivery status notification (RFC 3464) or a mail
    /// server's report in an older format.
    DeliveryReport,
    /// A feedback-loop complaint (ARF, RFC 5965).
    FeedbackReport,
    /// A DMARC aggregate report (RFC 7489).
    DmarcAggregateReport,
    /// A DMARC failure report (RFC 6591).
    DmarcFailureReport,
    /// An automatic answer or vacation notice (RFC 3834), or a read receipt.
    AutoReply,
    /// A mailing list's post or its manager's notice.
    ListMail,
}

/// Why a bulk send left a candidate out.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// The candidate reported one of our messages as spam
    /// (`Candidate.complainedAt`).
    Complained,
    /// The candidate's address is on the company's do-not-contact list
    /// (`Candidate.doNotContact`).
    DoNotContact,
}

/// Why an address is on the company's do-not-contact list.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stored::DoNotContactReason")]
pub enum DoNotContactReason {
    /// The person asked for their data to be erased (GDPR Art. 17).
    Erasure,
    /// They reported our mail as spam (a feedback-loop report, RFC 5965).
    Complaint,
    /// They asked through their privacy page.
    CandidateRequest,
    /// A user of the company put them on the list.
    Recruiter,
}

/// What a candidate asked for through their privacy page.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stored::PrivacyRequestKind")]
pub enum PrivacyRequestKind {
    /// Erase their data (GDPR Art. 17).
    Erasure,
    /// A copy of their data (GDPR Art. 15(3)).
    Export,
}

/// Whether a privacy request still waits for an answer.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrivacyRequestStatus {
    Open,
    Resolved,
}
