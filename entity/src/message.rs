//! One email in either direction, with its delivery lifecycle. Its bodies
//! are in `message_content`, so the row stays small while its state changes.

use crate::enums::{MachineMailKind, MessageDirection, MessageStatus};
use sea_orm::entity::prelude::*;
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub candidate_id: Option<i64>,
    pub application_id: Option<i64>,
    pub subsidiary_id: Option<i64>,
    pub sender_user_id: Option<i64>,
    pub template_id: Option<i64>,
    pub batch_id: Option<i64>,
    pub interview_id: Option<i64>,
    pub direction: MessageDirection,
    pub status: MessageStatus,
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    pub from_address: String,
    pub from_name: Option<String>,
    /// Token in the Reply-To address that threads answers back to the candidate.
    pub reply_token: Option<String>,
    /// Our own or the sender's Message-ID (RFC 5322 §3.6.4).
    pub message_id_header: Option<String>,
    pub in_reply_to: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub references_header: Option<String>,
    pub idempotency_key: Option<String>,
    pub scheduled_at: Option<DateTimeUtc>,
    /// When the dispatcher may next try to deliver the message.
    pub next_attempt_at: Option<DateTimeUtc>,
    /// A dispatcher's claim on a SENDING message expires at this time.
    pub lease_until: Option<DateTimeUtc>,
    pub sent_at: Option<DateTimeUtc>,
    pub received_at: Option<DateTimeUtc>,
    pub attempts: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    /// The calendar's iTIP METHOD (RFC 5546 §1.4): REQUEST or CANCEL.
    pub calendar_method: Option<String>,
    /// `Auto-Submitted` of a message recruitmail wrote on its own
    /// (RFC 3834 §5): `auto-replied` for acknowledgements.
    pub auto_submitted: Option<String>,
    /// The `serve` instance whose claim holds a SENDING message.
    pub claimed_by: Option<String>,
    /// Set on a participant's copy of an interview email: the employee it
    /// is addressed to. The copy keeps the candidate's `candidate_id` (who
    /// may see it follows the candidate) but is not mail to the candidate.
    pub participant_user_id: Option<i64>,
    /// When a received message was read, by anyone at the company: the
    /// recruiting mailbox is shared. Always `None` on mail we send.
    pub read_at: Option<DateTimeUtc>,
    /// Set on received mail that a program sent (a report, an automatic
    /// answer, a list's notice): kept out of every candidate's thread.
    pub machine_kind: Option<MachineMailKind>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
