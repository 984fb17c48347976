//! The one owner of message rows: every change of a message's status —
//! queue, schedule, claim, send, fail, retry, cancel, bounce, receive, the
//! rewrite of a waiting invitation — is written here, and nowhere else; so
//! is a received message's read state.
//!
//! Keeping them together keeps the lifecycle's rules in one place (a claim's
//! outcome counts only while the claim holds; a message that has left cannot
//! be cancelled) and lets every change append its event (`crate::events`) in
//! the same transaction, so the log never tells of a change that did not
//! happen, nor misses one that did. Functions that change a message take the
//! caller's write transaction; the dispatcher's own writes open theirs.
//!
//! Lifecycle: SCHEDULED → QUEUED → SENDING → SENT, or FAILED; QUEUED again
//! after a temporary failure; CANCELLED before leaving; BOUNCED when a
//! delivery report comes back; RECEIVED for inbound mail.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use entity::enums::{
    InvitationMethod, InvitationStatus, MessageDirection, MessageStatus, RecipientKind,
};
use entity::{
    email_batch, invitation, message, message_attachment, message_content, message_recipient,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, EntityTrait as _, QueryFilter as _, QuerySelect as _, Set, Statement,
};

use super::outbox::{AUTO_REPLIED, NewMessage, token};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventType, NewEvent};
use crate::graphql::ids::Kind;
use crate::instances::{self, Instance};

/// Messages per INSERT: their columns stay under SQLite's 32,766 parameters.
const ENQUEUE_CHUNK: usize = 500;

/// The stored name of a status, as events carry it.
fn status_name(status: MessageStatus) -> &'static str {
    super::messages::status_name(status)
}

/// The event telling of `row`'s new status.
fn event_of(row: &message::Model, event_type: EventType, status: MessageStatus) -> NewEvent {
    NewEvent::new(row.company_id, event_type, Kind::Message, row.id)
        .with("status", status_name(status))
        .with("direction", sea_orm::ActiveEnum::to_value(&row.direction))
        .with_id("candidateId", Kind::Candidate, row.candidate_id)
        .with_id("applicationId", Kind::Application, row.application_id)
        .with_id("interviewId", Kind::Interview, row.interview_id)
        .with_id("batchId", Kind::EmailBatch, row.batch_id)
}

/// Writes messages with their contents, recipients and attachments, in four
/// statements per chunk, and a `message.queued` event each. The Message-ID
/// (RFC 5322 §3.6.4) and the reply token are fixed now, so a retried
/// delivery carries the same ones and replies thread back whatever happens.
/// Returns the rows in the order given.
pub async fn enqueue(
    txn: &DatabaseTransaction,
    messages: Vec<NewMessage>,
    id_domain: &str,
    now: DateTime<Utc>,
) -> ApiResult<Vec<message::Model>> {
    let mut rows = Vec::with_capacity(messages.len());
    let mut messages = messages.into_iter().peekable();
    while messages.peek().is_some() {
        let chunk: Vec<NewMessage> = messages.by_ref().take(ENQUEUE_CHUNK).collect();
        let written = enqueue_chunk(txn, chunk, id_domain, now).await?;
        let queued = written
            .iter()
            .map(|row| event_of(row, EventType::MessageQueued, row.status).first())
            .collect();
        events::append(txn, queued, now).await?;
        rows.extend(written);
    }
    Ok(rows)
}

async fn enqueue_chunk(
    txn: &DatabaseTransaction,
    chunk: Vec<NewMessage>,
    id_domain: &str,
    now: DateTime<Utc>,
) -> ApiResult<Vec<message::Model>> {
    let mut parts = HashMap::new();
    let mut order = Vec::with_capacity(chunk.len());
    let models: Vec<message::ActiveModel> = chunk
        .into_iter()
        .map(|new| {
            let header = format!("<{}@{id_domain}>", token());
            let due = new.scheduled_at.filter(|at| *at > now);
            order.push(header.clone());
            let model = message::ActiveModel {
                company_id: Set(new.company_id),
                candidate_id: Set(new.candidate_id),
                application_id: Set(new.application_id),
                subsidiary_id: Set(new.subsidiary_id),
                sender_user_id: Set(new.sender_user_id),
                template_id: Set(new.template_id),
                batch_id: Set(new.batch_id),
                interview_id: Set(new.interview_id),
                direction: Set(MessageDirection::Outbound),
                status: Set(if due.is_some() {
                    MessageStatus::Scheduled
                } else {
                    MessageStatus::Queued
                }),
                subject: Set(new.subject),
                from_address: Set(new.from.address),
                from_name: Set(new.from.name),
                reply_token: Set(Some(token())),
                message_id_header: Set(Some(header.clone())),
                idempotency_key: Set(new.idempotency_key),
                scheduled_at: Set(due),
                next_attempt_at: Set(Some(due.unwrap_or(now))),
                lease_until: Set(None),
                sent_at: Set(None),
                received_at: Set(None),
                in_reply_to: Set(new.threading.as_ref().map(|t| t.in_reply_to.clone())),
                references_header: Set(new.threading.as_ref().map(|t| t.references.clone())),
                attempts: Set(0),
                last_error: Set(None),
                created_at: Set(now),
                calendar_method: Set(new.calendar.as_ref().map(|c| c.method.clone())),
                auto_submitted: Set(new.auto_reply.then(|| AUTO_REPLIED.to_owned())),
                claimed_by: Set(None),
                participant_user_id: Set(new.participant_user_id),
                ..Default::default()
            };
            let content = message_content::ActiveModel {
                message_id: Set(0),
                text_body: Set(new.text_body),
                html_body: Set(new.html_body),
                calendar: Set(new.calendar.map(|c| c.text)),
            };
            parts.insert(
                header,
                (new.to, new.cc, new.bcc, new.attachment_ids, content),
            );
            model
        })
        .collect();
    let inserted = message::Entity::insert_many(models)
        .exec_with_returning(txn)
        .await
        .map_err(|e| ApiError::from_write(e, "a message with this idempotency key"))?;
    let mut by_header: HashMap<String, message::Model> = inserted
        .into_iter()
        .filter_map(|m| Some((m.message_id_header.clone()?, m)))
        .collect();
    let mut contents = Vec::with_capacity(order.len());
    let mut recipients = Vec::new();
    let mut attachments = Vec::new();
    let mut rows = Vec::with_capacity(order.len());
    for header in order {
        let row = by_header
            .remove(&header)
            .ok_or_else(|| anyhow::anyhow!("an inserted message was not returned"))?;
        let (to, cc, bcc, attached, mut content) = parts
            .remove(&header)
            .ok_or_else(|| anyhow::anyhow!("an inserted message has no content"))?;
        content.message_id = Set(row.id);
        contents.push(content);
        for (kind, list) in [
            (RecipientKind::To, to),
            (RecipientKind::Cc, cc),
            (RecipientKind::Bcc, bcc),
        ] {
            recipients.extend(list.into_iter().map(|a| message_recipient::ActiveModel {
                message_id: Set(row.id),
                kind: Set(kind),
                address: Set(a.address),
                name: Set(a.name),
                ..Default::default()
            }));
        }
        attachments.extend(attached.iter().enumerate().map(|(i, document_id)| {
            message_attachment::ActiveModel {
                message_id: Set(row.id),
                document_id: Set(*document_id),
                position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
                content_id: Set(None),
            }
        }));
        rows.push(row);
    }
    message_content::Entity::insert_many(contents)
        .exec(txn)
        .await?;
    // Recipient rows have five columns, attachment rows three: 2,000 rows per
    // statement stay under the parameter limits whatever a message carries.
    for part in recipients.chunks(ENQUEUE_CHUNK * 4) {
        message_recipient::Entity::insert_many(part.to_vec())
            .exec(txn)
            .await?;
    }
    for part in attachments.chunks(ENQUEUE_CHUNK * 4) {
        message_attachment::Entity::insert_many(part.to_vec())
            .exec(txn)
            .await?;
    }
    Ok(rows)
}

/// What an inbound message is, before it is filed.
#[derive(Debug)]
pub struct Received {
    pub company_id: i64,
    /// `None` for mail set aside: from an unknown sender that applies for
    /// nothing (until a recruiter assigns it), or from a machine.
    pub candidate_id: Option<i64>,
    pub machine_kind: Option<entity::enums::MachineMailKind>,
    pub application_id: Option<i64>,
    pub subsidiary_id: Option<i64>,
    pub subject: String,
    pub from_address: String,
    pub from_name: Option<String>,
    pub message_id_header: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Option<String>,
}

/// Files a received message (its row; the caller adds its content) with a
/// `message.received` event.
pub async fn receive(
    txn: &DatabaseTransaction,
    received: Received,
    now: DateTime<Utc>,
) -> ApiResult<message::Model> {
    let row = message::ActiveModel {
        company_id: Set(received.company_id),
        candidate_id: Set(received.candidate_id),
        machine_kind: Set(received.machine_kind),
        application_id: Set(received.application_id),
        subsidiary_id: Set(received.subsidiary_id),
        direction: Set(MessageDirection::Inbound),
        status: Set(MessageStatus::Received),
        subject: Set(received.subject),
        from_address: Set(received.from_address),
        from_name: Set(received.from_name),
        message_id_header: Set(received.message_id_header),
        in_reply_to: Set(received.in_reply_to),
        references_header: Set(received.references),
        received_at: Set(Some(now)),
        attempts: Set(0),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| ApiError::from_write(e, "a message with this Message-ID"))?;
    let event = event_of(&row, EventType::MessageReceived, MessageStatus::Received).first();
    events::append(txn, vec![event], now).await?;
    Ok(row)
}

/// A change asked of messages that wait to leave (or, for a retry, that
/// failed to). Each is one conditional UPDATE on the status it starts from,
/// like the dispatcher's claim, so when both reach a message at once exactly
/// one wins: a message a dispatcher has claimed (SENDING) is never touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// SCHEDULED or QUEUED (also between retries) → CANCELLED.
    Cancel,
    /// SCHEDULED → QUEUED, due at once.
    SendNow,
    /// SCHEDULED stays SCHEDULED, due at the new time.
    Reschedule(DateTime<Utc>),
    /// FAILED → QUEUED, due at once. `attempts` keeps counting.
    Retry,
}

impl Change {
    /// The statuses a message may have for the change to apply.
    pub fn applies_to(self) -> &'static [MessageStatus] {
        match self {
            Change::Cancel => &WAITING,
            Change::SendNow | Change::Reschedule(_) => &[MessageStatus::Scheduled],
            Change::Retry => &[MessageStatus::Failed],
        }
    }

    /// The status a changed message has, and the event telling of it.
    fn outcome(self) -> (MessageStatus, EventType) {
        match self {
            Change::Cancel => (MessageStatus::Cancelled, EventType::MessageCancelled),
            Change::SendNow | Change::Retry => (MessageStatus::Queued, EventType::MessageQueued),
            Change::Reschedule(_) => (MessageStatus::Scheduled, EventType::MessageRescheduled),
        }
    }
}

/// Applies `change` to the messages `which` selects that are in a status it
/// applies to, with an event each and the progress of the bulk sends they
/// belong to. Returns the changed messages as they are now.
pub async fn change_waiting(
    txn: &DatabaseTransaction,
    which: Condition,
    change: Change,
    now: DateTime<Utc>,
) -> ApiResult<Vec<message::Model>> {
    let (status, event_type) = change.outcome();
    let mut update = message::Entity::update_many()
        .filter(which)
        .filter(message::Column::Direction.eq(MessageDirection::Outbound))
        .filter(message::Column::Status.is_in(change.applies_to().iter().copied()))
        .col_expr(message::Column::Status, Expr::value(status));
    // `scheduled_at` says when a message waits for: nothing once it is due
    // now, the new time when it moves; a retried one keeps its history.
    let (due, scheduled) = match change {
        Change::Cancel => (None, None),
        Change::Retry => (Some(now), None),
        Change::SendNow => (Some(now), Some(None)),
        Change::Reschedule(at) => (Some(at), Some(Some(at))),
    };
    if let Some(due) = due {
        update = update.col_expr(message::Column::NextAttemptAt, Expr::value(Some(due)));
    }
    if let Some(scheduled) = scheduled {
        update = update.col_expr(message::Column::ScheduledAt, Expr::value(scheduled));
    }
    let changed = update.exec_with_returning(txn).await?;
    let mut events: Vec<NewEvent> = changed
        .iter()
        .map(|row| event_of(row, event_type, status))
        .collect();
    let batches = changed.iter().filter_map(|row| row.batch_id).collect();
    events.extend(batch_progress(txn, batches).await?);
    events::append(txn, events, now).await?;
    Ok(changed)
}

/// Statuses of a message that has not started to leave.
pub const WAITING: [MessageStatus; 2] = [MessageStatus::Scheduled, MessageStatus::Queued];

/// Cancels an interview's messages that have not started to leave.
pub async fn cancel_waiting_of_interview(
    txn: &DatabaseTransaction,
    interview_id: i64,
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    cancel_waiting(txn, interview_id, false, now).await
}

/// Cancels what would carry an interview's old details once it moves and
/// has not started to leave: the participants' copies and the reminders
/// (the only interview mail without a calendar). The candidate's own
/// invitation or update stays: the move sends them the update after it.
pub async fn cancel_waiting_out_of_date(
    txn: &DatabaseTransaction,
    interview_id: i64,
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    cancel_waiting(txn, interview_id, true, now).await
}

async fn cancel_waiting(
    txn: &DatabaseTransaction,
    interview_id: i64,
    out_of_date_only: bool,
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    let mut query = message::Entity::find()
        .filter(message::Column::InterviewId.eq(interview_id))
        .filter(message::Column::Status.is_in(WAITING));
    if out_of_date_only {
        query = query.filter(
            Condition::any()
                .add(message::Column::ParticipantUserId.is_not_null())
                .add(message::Column::CalendarMethod.is_null()),
        );
    }
    let waiting = query.all(txn).await?;
    if waiting.is_empty() {
        return Ok(0);
    }
    message::Entity::update_many()
        .filter(message::Column::Id.is_in(waiting.iter().map(|m| m.id)))
        .filter(message::Column::Status.is_in(WAITING))
        .col_expr(
            message::Column::Status,
            Expr::value(MessageStatus::Cancelled),
        )
        .exec(txn)
        .await?;
    let cancelled = waiting
        .iter()
        .map(|row| event_of(row, EventType::MessageCancelled, MessageStatus::Cancelled))
        .collect::<Vec<_>>();
    let count = cancelled.len() as u64;
    events::append(txn, cancelled, now).await?;
    Ok(count)
}

/// The new text of an invitation that has not left yet, after its interview
/// moved.
#[derive(Debug)]
pub struct Rewrite {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub calendar: String,
    /// The interview now starts before the message was to be sent: it goes
    /// at once instead.
    pub send_now: bool,
}

/// Rewrites a waiting invitation. Returns `false`, changing nothing, when it
/// has started to leave meanwhile.
pub async fn rewrite_waiting(
    txn: &DatabaseTransaction,
    row: &message::Model,
    rewrite: Rewrite,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let mut update = message::Entity::update_many()
        .filter(message::Column::Id.eq(row.id))
        .filter(message::Column::Status.is_in(WAITING))
        .col_expr(message::Column::Subject, Expr::value(rewrite.subject));
    if rewrite.send_now {
        update = update
            .col_expr(message::Column::Status, Expr::value(MessageStatus::Queued))
            .col_expr(
                message::Column::ScheduledAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(message::Column::NextAttemptAt, Expr::value(Some(now)));
    }
    if update.exec(txn).await?.rows_affected == 0 {
        return Ok(false);
    }
    message_content::Entity::update_many()
        .filter(message_content::Column::MessageId.eq(row.id))
        .col_expr(message_content::Column::TextBody, Expr::value(rewrite.text))
        .col_expr(
            message_content::Column::HtmlBody,
            Expr::value(Some(rewrite.html)),
        )
        .col_expr(
            message_content::Column::Calendar,
            Expr::value(Some(rewrite.calendar)),
        )
        .exec(txn)
        .await?;
    if rewrite.send_now && row.status == MessageStatus::Scheduled {
        let event = event_of(row, EventType::MessageQueued, MessageStatus::Queued);
        events::append(txn, vec![event], now).await?;
    }
    Ok(true)
}

/// Marks a message that left as bounced, with the delivery report's reason.
/// An interview invitation (or update) it carried is BOUNCED too, unless
/// the candidate answered it: an answer proves it arrived, whatever a
/// report says later.
pub async fn bounce(
    txn: &DatabaseTransaction,
    row: &message::Model,
    reason: String,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    message::Entity::update_many()
        .filter(message::Column::Id.eq(row.id))
        .col_expr(message::Column::Status, Expr::value(MessageStatus::Bounced))
        .col_expr(message::Column::LastError, Expr::value(Some(reason)))
        .exec(txn)
        .await?;
    invitation::Entity::update_many()
        .filter(invitation::Column::MessageId.eq(row.id))
        .filter(invitation::Column::Method.eq(InvitationMethod::Request))
        .filter(invitation::Column::Status.eq(InvitationStatus::Pending))
        .col_expr(
            invitation::Column::Status,
            Expr::value(InvitationStatus::Bounced),
        )
        .exec(txn)
        .await?;
    if row.status != MessageStatus::Bounced {
        let event = event_of(row, EventType::MessageBounced, MessageStatus::Bounced);
        events::append(txn, vec![event], now).await?;
    }
    Ok(())
}

/// Marks the company's received messages `ids` read at `now`, or unread
/// again; one already read keeps the time it was first read, and mail we
/// sent has no read state. Returns how many changed.
pub async fn set_read(
    txn: &DatabaseTransaction,
    company_id: i64,
    ids: &[i64],
    read: bool,
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    let update = message::Entity::update_many()
        .filter(message::Column::CompanyId.eq(company_id))
        .filter(message::Column::Id.is_in(ids.iter().copied()))
        .filter(message::Column::Direction.eq(MessageDirection::Inbound));
    let update = if read {
        update
            .filter(message::Column::ReadAt.is_null())
            .col_expr(message::Column::ReadAt, Expr::value(Some(now)))
    } else {
        update
            .filter(message::Column::ReadAt.is_not_null())
            .col_expr(
                message::Column::ReadAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
    };
    Ok(update.exec(txn).await?.rows_affected)
}

// The dispatcher's side: claims and their outcomes.

/// Scheduled messages whose time has come join the queue.
pub async fn promote_scheduled(db: &DatabaseConnection, now: DateTime<Utc>) -> anyhow::Result<()> {
    crate::db::write_transaction!(db, |txn| {
        message::Entity::update_many()
            .col_expr(message::Column::Status, Expr::value(MessageStatus::Queued))
            .col_expr(message::Column::NextAttemptAt, Expr::value(Some(now)))
            .filter(message::Column::Status.eq(MessageStatus::Scheduled))
            .filter(message::Column::ScheduledAt.lte(now))
            .exec(txn)
            .await?;
        Ok(())
    })
}

/// Moves up to `limit` due messages to SENDING under `instance`'s claim and
/// returns them. Due: QUEUED and past `next_attempt_at`; or SENDING under a
/// claim that died with its instance ([`instances::dead_claim_sql`]); or, for
/// a claim that names no instance, past its lease. The instance's own claims
/// are never taken for dead, even before its first heartbeat is written.
///
/// One statement: on PostgreSQL it skips rows another instance is claiming
/// (`FOR UPDATE SKIP LOCKED`), so two instances never claim one message; on
/// SQLite the statement is atomic. The claim does not count an attempt:
/// only a delivery that reached a server, or failed to, does.
pub async fn claim(
    db: &DatabaseConnection,
    instance: &Instance,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    limit: u64,
) -> anyhow::Result<Vec<message::Model>> {
    let backend = db.get_database_backend();
    let (lock, mark) = match backend {
        DatabaseBackend::Postgres => ("FOR UPDATE SKIP LOCKED", "$"),
        // SQLite reads `?N` as the N-th bound value, like PostgreSQL's `$N`.
        _ => ("", "?"),
    };
    let dead = instances::dead_claim_sql("claimed_by", &format!("{mark}5"));
    let sql = format!(
        "UPDATE messages SET status = 'SENDING', lease_until = {mark}1, claimed_by = {mark}4 \
         WHERE id IN (SELECT id FROM messages \
           WHERE direction = 'OUTBOUND' \
           AND ((status = 'QUEUED' AND next_attempt_at <= {mark}2) \
             OR (status = 'SENDING' AND (({dead} AND claimed_by <> {mark}4) \
               OR (claimed_by IS NULL AND lease_until < {mark}2)))) \
           ORDER BY next_attempt_at, id LIMIT {mark}3 {lock}) \
         RETURNING *"
    );
    let values: Vec<sea_orm::Value> = vec![
        (now + lease).into(),
        now.into(),
        i64::try_from(limit)?.into(),
        instance.id.clone().into(),
        instances::alive_since(now).into(),
    ];
    let statement = Statement::from_sql_and_values(backend, sql, values);
    let mut rows = message::Entity::find()
        .from_raw_sql(statement)
        .all(db)
        .await?;
    rows.sort_by_key(|r| (r.next_attempt_at, r.id));
    Ok(rows)
}

/// An update of the messages `instance`'s claims still hold (SENDING, named
/// by it), which ends the claim: every outcome is written through it, so a
/// claim taken over after its instance was declared dead changes nothing.
fn ending_claim(instance: &Instance) -> sea_orm::UpdateMany<message::Entity> {
    message::Entity::update_many()
        .filter(message::Column::Status.eq(MessageStatus::Sending))
        .filter(message::Column::ClaimedBy.eq(instance.id.clone()))
        .col_expr(
            message::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            message::Column::ClaimedBy,
            Expr::value(Option::<String>::None),
        )
}

/// Puts back in the queue, as if never claimed, every message `instance`
/// holds: those a claim did not start, at a clean shutdown, or those left
/// by a tick that stopped on an error.
pub async fn release_all(db: &DatabaseConnection, instance: &Instance) -> anyhow::Result<u64> {
    crate::db::write_transaction!(db, |txn| {
        let released = ending_claim(instance)
            .col_expr(message::Column::Status, Expr::value(MessageStatus::Queued))
            .exec(txn)
            .await?;
        Ok(released.rows_affected)
    })
}

/// How one claimed message ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The server accepted it; a note says which copies (CC, BCC) it refused.
    Sent(Option<String>),
    /// A temporary failure: tried again after `retry_after`. `attempted`
    /// says whether it counts as an attempt (the server was reached, or
    /// connecting to it failed).
    Retry {
        error: String,
        retry_after: chrono::Duration,
        attempted: bool,
    },
    /// A permanent failure, or the last allowed attempt.
    Fail(String),
    /// Not attempted: back to the queue without counting an attempt.
    Release,
}

/// What [`record`] changed, for the dispatcher's counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    pub released: usize,
}

/// Writes the outcomes of messages `instance` claimed, in one transaction,
/// with their events, the invitations that now await an answer, and, when
/// `with_progress`, the progress of the bulk sends they belong to (counting
/// a send's messages costs a scan of them, so the dispatcher asks for it
/// about once a second and at the end of each claim). An outcome counts only while
/// the claim still holds (SENDING, claimed by `instance`): a claim taken over
/// after its instance was declared dead changes nothing here.
pub async fn record(
    db: &DatabaseConnection,
    instance: &Instance,
    outcomes: &[(&message::Model, Outcome)],
    with_progress: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<Recorded> {
    crate::db::write_transaction!(db, |txn| {
        record_in(txn, instance, outcomes, with_progress, now).await
    })
}

async fn record_in(
    txn: &DatabaseTransaction,
    instance: &Instance,
    outcomes: &[(&message::Model, Outcome)],
    with_progress: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<Recorded> {
    let mut recorded = Recorded::default();
    let mut changed = Vec::new();
    let mut sent_plain = Vec::new();
    for (row, outcome) in outcomes {
        let held = ending_claim(instance);
        let attempted = held
            .clone()
            .col_expr(message::Column::Attempts, Expr::value(row.attempts + 1));
        let (update, event) = match outcome {
            Outcome::Sent(None) => {
                // Written together below: one statement for all of them.
                sent_plain.push(row.id);
                continue;
            }
            Outcome::Sent(Some(note)) => (
                attempted
                    .col_expr(message::Column::Status, Expr::value(MessageStatus::Sent))
                    .col_expr(message::Column::SentAt, Expr::value(Some(now)))
                    .col_expr(message::Column::LastError, Expr::value(Some(note.clone()))),
                Some((EventType::MessageSent, MessageStatus::Sent)),
            ),
            Outcome::Retry {
                error,
                retry_after,
                attempted: counted,
            } => (
                if *counted { attempted } else { held }
                    .col_expr(message::Column::Status, Expr::value(MessageStatus::Queued))
                    .col_expr(message::Column::LastError, Expr::value(Some(error.clone())))
                    .col_expr(
                        message::Column::NextAttemptAt,
                        Expr::value(Some(now + *retry_after)),
                    ),
                None,
            ),
            Outcome::Fail(error) => (
                attempted
                    .col_expr(message::Column::Status, Expr::value(MessageStatus::Failed))
                    .col_expr(message::Column::LastError, Expr::value(Some(error.clone()))),
                Some((EventType::MessageFailed, MessageStatus::Failed)),
            ),
            Outcome::Release => (
                held.col_expr(message::Column::Status, Expr::value(MessageStatus::Queued)),
                None,
            ),
        };
        let applied = update
            .filter(message::Column::Id.eq(row.id))
            .exec(txn)
            .await?
            .rows_affected
            > 0;
        if !applied {
            continue;
        }
        match outcome {
            Outcome::Sent(_) => recorded.sent += 1,
            Outcome::Retry { .. } => recorded.retried += 1,
            Outcome::Fail(_) => recorded.failed += 1,
            Outcome::Release => recorded.released += 1,
        }
        if let Some((event_type, status)) = event {
            changed.push(event_of(row, event_type, status));
        }
        if matches!(outcome, Outcome::Sent(_)) {
            invitation_sent(txn, row).await?;
        }
    }
    if !sent_plain.is_empty() {
        recorded.sent += mark_sent(txn, instance, outcomes, &sent_plain, now, &mut changed).await?;
    }
    if with_progress {
        let batches = outcomes
            .iter()
            .filter_map(|(row, _)| row.batch_id)
            .collect();
        changed.extend(batch_progress(txn, batches).await?);
    }
    events::append(txn, changed, now).await?;
    Ok(recorded)
}

/// Appends the progress of bulk sends (see [`batch_progress`]) on its own:
/// after a claim, for the sends it touched.
pub async fn report_progress(
    db: &DatabaseConnection,
    batches: Vec<i64>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if batches.is_empty() {
        return Ok(());
    }
    crate::db::write_transaction!(db, |txn| {
        let progress = batch_progress(txn, batches.clone()).await?;
        events::append(txn, progress, now).await?;
        Ok(())
    })
}

/// Marks the plainly delivered messages among `outcomes` SENT, in one
/// statement per attempt count (each message's new count is one more than its
/// claim's). Returns how many were still held.
async fn mark_sent(
    txn: &DatabaseTransaction,
    instance: &Instance,
    outcomes: &[(&message::Model, Outcome)],
    ids: &[i64],
    now: DateTime<Utc>,
    changed: &mut Vec<NewEvent>,
) -> anyhow::Result<usize> {
    let mut by_attempts: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    for (row, _) in outcomes.iter().filter(|(row, _)| ids.contains(&row.id)) {
        by_attempts.entry(row.attempts).or_default().push(row.id);
    }
    let mut held = Vec::new();
    for (attempts, ids) in by_attempts {
        held.extend(
            ending_claim(instance)
                .filter(message::Column::Id.is_in(ids))
                .col_expr(message::Column::Status, Expr::value(MessageStatus::Sent))
                .col_expr(message::Column::SentAt, Expr::value(Some(now)))
                .col_expr(message::Column::Attempts, Expr::value(attempts + 1))
                .col_expr(
                    message::Column::LastError,
                    Expr::value(Option::<String>::None),
                )
                .exec_with_returning(txn)
                .await?,
        );
    }
    for row in &held {
        changed.push(event_of(row, EventType::MessageSent, MessageStatus::Sent));
        invitation_sent(txn, row).await?;
    }
    Ok(held.len())
}

/// An interview invitation awaits the candidate's answer once it has left.
async fn invitation_sent(txn: &DatabaseTransaction, row: &message::Model) -> anyhow::Result<()> {
    if row.calendar_method.as_deref() != Some("REQUEST") {
        return Ok(());
    }
    invitation::Entity::update_many()
        .filter(invitation::Column::MessageId.eq(row.id))
        .filter(invitation::Column::Status.eq(InvitationStatus::NotSent))
        .col_expr(
            invitation::Column::Status,
            Expr::value(InvitationStatus::Pending),
        )
        .exec(txn)
        .await?;
    Ok(())
}

/// `email_batch.progressed` for each bulk send in `batches`, with its counts,
/// and `email_batch.completed` for those with nothing left to send.
async fn batch_progress(
    txn: &DatabaseTransaction,
    mut batches: Vec<i64>,
) -> anyhow::Result<Vec<NewEvent>> {
    batches.sort_unstable();
    batches.dedup();
    if batches.is_empty() {
        return Ok(Vec::new());
    }
    let counts: Vec<(i64, MessageStatus, i64)> = message::Entity::find()
        .select_only()
        .column(message::Column::BatchId)
        .column(message::Column::Status)
        .column_as(message::Column::Id.count(), "n")
        .filter(message::Column::BatchId.is_in(batches.clone()))
        // The summary copy to CC and BCC is to no candidate: not one of
        // the send's messages (see `bulk_copies`).
        .filter(message::Column::CandidateId.is_not_null())
        .group_by(message::Column::BatchId)
        .group_by(message::Column::Status)
        .into_tuple()
        .all(txn)
        .await?;
    let rows = email_batch::Entity::find()
        .filter(email_batch::Column::Id.is_in(batches))
        .all(txn)
        .await?;
    let mut out = Vec::new();
    for batch in rows {
        let of = |statuses: &[MessageStatus]| -> i64 {
            counts
                .iter()
                .filter(|(b, s, _)| *b == batch.id && statuses.contains(s))
                .map(|(_, _, n)| n)
                .sum()
        };
        let pending = of(&[
            MessageStatus::Scheduled,
            MessageStatus::Queued,
            MessageStatus::Sending,
        ]);
        let progress = |event_type| {
            NewEvent::new(batch.company_id, event_type, Kind::EmailBatch, batch.id)
                .with("total", batch.total)
                .with("sent", of(&[MessageStatus::Sent]))
                .with(
                    "failed",
                    of(&[MessageStatus::Failed, MessageStatus::Bounced]),
                )
                .with("cancelled", of(&[MessageStatus::Cancelled]))
                .with("pending", pending)
        };
        out.push(progress(EventType::EmailBatchProgressed));
        if pending == 0 {
            out.push(progress(EventType::EmailBatchCompleted));
        }
    }
    Ok(out)
}
