//! Enumerations stored as short upper-case strings, portable across databases.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Declares a string-backed enumeration whose stored value is the variant's
/// SCREAMING_CASE name.
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
        pub enum $name {
            $($(#[$vmeta])* #[sea_orm(string_value = $value)] $variant,)+
        }
    };
}

stored_enum!(
    /// A candidate's grammatical gender, used to pick template forms.
    Gender { Male = "MALE", Female = "FEMALE", Diverse = "DIVERSE", Unknown = "UNKNOWN" }
);

stored_enum!(
    /// How an application reached the company.
    ApplicationSource { Manual = "MANUAL", OnlineForm = "ONLINE_FORM", Email = "EMAIL" }
);

stored_enum!(
    /// Where an application stands in the hiring process.
    ApplicationStatus {
        New = "NEW",
        InProcess = "IN_PROCESS",
        Offer = "OFFER",
        Hired = "HIRED",
        Rejected = "REJECTED",
        Withdrawn = "WITHDRAWN",
    }
);

stored_enum!(
    /// Whether a position takes applications.
    PositionStatus { Open = "OPEN", Closed = "CLOSED" }
);

stored_enum!(
    /// Transport security of a subsidiary's SMTP server.
    SmtpSecurity { None = "NONE", StartTls = "STARTTLS", Tls = "TLS" }
);

stored_enum!(
    /// What a recruiting role may do with documents of one category.
    DocumentAccess { View = "VIEW", Edit = "EDIT" }
);

stored_enum!(
    /// Where a document came from.
    DocumentSource {
        /// Uploaded by a user as a candidate's document.
        Upload = "UPLOAD",
        /// Sent with an application from the career page's form.
        Form = "FORM",
        /// Attached to mail the company received.
        Inbound = "INBOUND",
        /// A company document, for templates and messages.
        Template = "TEMPLATE",
    }
);

stored_enum!(
    /// Which way a message travelled.
    MessageDirection { Outbound = "OUTBOUND", Inbound = "INBOUND" }
);

stored_enum!(
    /// The lifecycle of a message (SPEC §4).
    MessageStatus {
        Draft = "DRAFT",
        Scheduled = "SCHEDULED",
        Queued = "QUEUED",
        Sending = "SENDING",
        Sent = "SENT",
        Failed = "FAILED",
        Bounced = "BOUNCED",
        Cancelled = "CANCELLED",
        Received = "RECEIVED",
    }
);

stored_enum!(
    /// The header a recipient stands in.
    RecipientKind { To = "TO", Cc = "CC", Bcc = "BCC" }
);

stored_enum!(
    /// Whether an interview still takes place.
    InterviewStatus { Scheduled = "SCHEDULED", Cancelled = "CANCELLED" }
);

stored_enum!(
    /// The candidate's answer to an interview invitation.
    InvitationStatus {
        NotSent = "NOT_SENT",
        Pending = "PENDING",
        Accepted = "ACCEPTED",
        Declined = "DECLINED",
        Tentative = "TENTATIVE",
        /// The invitation's message came back undelivered.
        Bounced = "BOUNCED",
    }
);

stored_enum!(
    /// An interview participant's answer to their calendar invitation
    /// (the PARTSTAT of their iTIP REPLY, RFC 5546 §3.2.3).
    ParticipantResponse {
        NeedsAction = "NEEDS_ACTION",
        Accepted = "ACCEPTED",
        Declined = "DECLINED",
        Tentative = "TENTATIVE",
    }
);

stored_enum!(
    /// Who an interview reminder is for.
    ReminderRecipient { Candidate = "CANDIDATE", Participants = "PARTICIPANTS" }
);

stored_enum!(
    /// The iTIP method of an invitation email (RFC 5546 §1.4).
    InvitationMethod { Request = "REQUEST", Cancel = "CANCEL" }
);

stored_enum!(
    /// The kind of a template made from the starter texts.
    StarterKind {
        /// Thanks for an application; neutral forms, no interview placeholders.
        Acknowledgement = "ACKNOWLEDGEMENT",
        InterviewInvitation = "INTERVIEW_INVITATION",
        Rejection = "REJECTION",
        DocumentRequest = "DOCUMENT_REQUEST",
    }
);

stored_enum!(
    /// What kind of program sent a received email that no person wrote.
    MachineMailKind {
        /// A delivery status notification (RFC 3464) or a mail server's
        /// bounce in one of the older non-standard formats.
        DeliveryReport = "DELIVERY_REPORT",
        /// A feedback-loop complaint (ARF, RFC 5965).
        FeedbackReport = "FEEDBACK_REPORT",
        /// A DMARC aggregate report (RFC 7489 §7.2).
        DmarcAggregateReport = "DMARC_AGGREGATE_REPORT",
        /// A DMARC failure report (RFC 6591, ARF with `auth-failure`).
        DmarcFailureReport = "DMARC_FAILURE_REPORT",
        /// An automatic answer: vacation notice, auto-responder, read
        /// receipt (RFC 3834, RFC 8098).
        AutoReply = "AUTO_REPLY",
        /// A mailing list's post or its manager's notice (RFC 2369, RFC 2919).
        ListMail = "LIST_MAIL",
    }
);

stored_enum!(
    /// Why an address is on a company's do-not-contact list.
    DoNotContactReason {
        /// The person asked for their data to be erased (GDPR Art. 17).
        Erasure = "ERASURE",
        /// They reported our mail as spam (a feedback-loop report, RFC 5965).
        Complaint = "COMPLAINT",
        /// They asked through their privacy page.
        CandidateRequest = "CANDIDATE_REQUEST",
        /// A user of the company added them.
        Recruiter = "RECRUITER",
    }
);

stored_enum!(
    /// What a candidate asked for through their privacy page.
    PrivacyRequestKind {
        /// Erase their data (GDPR Art. 17).
        Erasure = "ERASURE",
        /// A copy of their data (GDPR Art. 15(3), Art. 20).
        Export = "EXPORT",
    }
);
