//! The outbox: every outbound message is a row that moves SCHEDULED → QUEUED →
//! SENDING → SENT (or FAILED, or CANCELLED before it leaves). Writing the row
//! is what "sending" means to the API; the dispatcher delivers it. This module
//! describes a message to write; `message_state` writes it.

use chrono::{DateTime, Utc};
use rand::RngCore as _;

use super::compose::CalendarPart;

/// An addressee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Addressee {
    pub address: String,
    pub name: Option<String>,
}

impl Addressee {
    /// A candidate, by their full name.
    pub fn candidate(candidate: &entity::candidate::Model) -> Self {
        Self {
            address: candidate.email.clone(),
            name: Some(crate::candidates::full_name(candidate)),
        }
    }
}

/// A rendered message ready for the outbox.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub company_id: i64,
    pub candidate_id: Option<i64>,
    pub application_id: Option<i64>,
    pub subsidiary_id: Option<i64>,
    pub sender_user_id: Option<i64>,
    pub template_id: Option<i64>,
    pub batch_id: Option<i64>,
    pub interview_id: Option<i64>,
    pub subject: String,
    pub text_body: String,
    pub html_body: Option<String>,
    pub from: Addressee,
    pub to: Vec<Addressee>,
    pub cc: Vec<Addressee>,
    pub bcc: Vec<Addressee>,
    /// Documents attached, in order.
    pub attachment_ids: Vec<i64>,
    /// Delivery not before this time; `None` means now.
    pub scheduled_at: Option<DateTime<Utc>>,
    pub idempotency_key: Option<String>,
    /// The iCalendar object of an interview invitation.
    pub calendar: Option<CalendarPart>,
    /// An automatic answer (RFC 3834 §5): sent with `Auto-Submitted:
    /// auto-replied`, so that other responders leave it unanswered.
    pub auto_reply: bool,
    /// Set on an answer to a message of the thread.
    pub threading: Option<Threading>,
    /// Set on a participant's copy of an interview email: the employee it
    /// is for (see `entity::message::Model::participant_user_id`).
    pub participant_user_id: Option<i64>,
}

/// What makes a message an answer in the recipient's mail program
/// (RFC 5322 §3.6.4).
#[derive(Clone, Debug)]
pub struct Threading {
    /// The Message-ID answered.
    pub in_reply_to: String,
    /// The chain of Message-IDs up to and including the one answered.
    pub references: String,
}

/// The `Auto-Submitted` value of automatic answers (RFC 3834 §5).
pub const AUTO_REPLIED: &str = "auto-replied";

/// A random token of 128 bits, hex-encoded.
pub fn token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}
