//! The kinds of events, by the names consumers filter on.

/// What happened. The names are the payloads' `type` and the values of
/// webhook endpoints' and subscriptions' type filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    MessageQueued,
    MessageSent,
    MessageFailed,
    MessageBounced,
    MessageCancelled,
    MessageRescheduled,
    MessageReceived,
    InvitationResponded,
    InterviewScheduled,
    InterviewRescheduled,
    InterviewCancelled,
    ApplicationCreated,
    CandidateCreated,
    CandidateUpdated,
    CandidateDeleted,
    EmailBatchProgressed,
    EmailBatchCompleted,
    WebhookEndpointDisabled,
    CandidateExportReady,
    CandidateErased,
    ApplicationStatusChanged,
    PrivacyRequestCreated,
    PrivacyRequestResolved,
}

impl EventType {
    pub const ALL: [EventType; 23] = [
        EventType::MessageQueued,
        EventType::MessageSent,
        EventType::MessageFailed,
        EventType::MessageBounced,
        EventType::MessageCancelled,
        EventType::MessageRescheduled,
        EventType::MessageReceived,
        EventType::InvitationResponded,
        EventType::InterviewScheduled,
        EventType::InterviewRescheduled,
        EventType::InterviewCancelled,
        EventType::ApplicationCreated,
        EventType::CandidateCreated,
        EventType::CandidateUpdated,
        EventType::CandidateDeleted,
        EventType::EmailBatchProgressed,
        EventType::EmailBatchCompleted,
        EventType::WebhookEndpointDisabled,
        EventType::CandidateExportReady,
        EventType::CandidateErased,
        EventType::ApplicationStatusChanged,
        EventType::PrivacyRequestCreated,
        EventType::PrivacyRequestResolved,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventType::MessageQueued => "message.queued",
            EventType::MessageSent => "message.sent",
            EventType::MessageFailed => "message.failed",
            EventType::MessageBounced => "message.bounced",
            EventType::MessageCancelled => "message.cancelled",
            EventType::MessageRescheduled => "message.rescheduled",
            EventType::MessageReceived => "message.received",
            EventType::InvitationResponded => "invitation.responded",
            EventType::InterviewScheduled => "interview.scheduled",
            EventType::InterviewRescheduled => "interview.rescheduled",
            EventType::InterviewCancelled => "interview.cancelled",
            EventType::ApplicationCreated => "application.created",
            EventType::CandidateCreated => "candidate.created",
            EventType::CandidateUpdated => "candidate.updated",
            EventType::CandidateDeleted => "candidate.deleted",
            EventType::EmailBatchProgressed => "email_batch.progressed",
            EventType::EmailBatchCompleted => "email_batch.completed",
            EventType::WebhookEndpointDisabled => "webhook_endpoint.disabled",
            EventType::CandidateExportReady => "candidate_export.ready",
            EventType::CandidateErased => "candidate.erased",
            EventType::ApplicationStatusChanged => "application.status_changed",
            EventType::PrivacyRequestCreated => "privacy_request.created",
            EventType::PrivacyRequestResolved => "privacy_request.resolved",
        }
    }

    /// The type named `name`, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_to_its_type() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.name()), Some(t));
        }
        assert_eq!(EventType::parse("message.unknown"), None);
        assert_eq!(EventType::parse("MESSAGE.SENT"), None);
    }
}
