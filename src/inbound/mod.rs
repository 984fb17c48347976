//! Mail arriving at a company's inbound address: the company's
//! recruiting mailbox forwards it there, and recruitmail files it.
//!
//! - A reply finds its candidate by the reply token in the address it was
//!   sent to, else by the Message-IDs it answers (`In-Reply-To`,
//!   `References`), else by the sender's address.
//! - Mail from an unknown sender whose subject names an open position is an
//!   application: it makes a candidate and an application by email,
//!   acknowledged as the position's category decides. Other mail from
//!   unknown senders is set aside, with no candidate, for a recruiter to
//!   assign (`unassignedMessages`, `assignMessage`).
//! - Mail from machines (see `machine_mail`) never makes a candidate and is
//!   never filed in a thread: a bounce of one of our messages marks it
//!   BOUNCED, a complaint flags its candidate (see `reports`), and the rest
//!   is set aside with its kind.
//! - Attachments become the candidate's documents; HTML is sanitised before
//!   it is stored, and again as it is shown, without remote images unless
//!   the reader asks for them (see [`received_html`]).
//! - An iTIP REPLY from the candidate's calendar (in a `text/calendar` or
//!   `application/ics` part) sets their answer on the interview's
//!   invitation, found by the event's UID even when the candidate's address
//!   changed since; one from an interview participant's calendar sets that
//!   participant's answer and is not filed in any thread.
//! - A delivery status notification marks our message BOUNCED with the
//!   reason, and is not filed in any thread.
//!
//! Receiving the same email twice (a forwarder retrying) files it once.

pub mod assignment;
mod calendar_reply;
mod delivery_report;
mod filing;
mod flat_message;
mod incoming;
mod machine_mail;
pub mod received_html;
mod reports;
pub mod smtp_listener;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use entity::enums::{MachineMailKind, MessageDirection};
use entity::{company, message};
use sea_orm::{ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _};

use crate::blobs::BlobStore;
use crate::error::{ApiError, ApiResult};
use crate::settings::Settings;

pub use calendar_reply::{CalendarReply, invitation_answered};
pub use filing::Filed;

/// What became of a received email.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Filed as a new message (see [`Filed`]): in a candidate's thread, or
    /// set aside with no candidate.
    Filed(Filed),
    /// The same email (by Message-ID) was received before: that message.
    Duplicate { message_id: i64 },
    /// A delivery report about one of our messages, now BOUNCED when the
    /// report says a recipient failed.
    Report { message_id: i64, bounced: bool },
    /// A feedback-loop complaint (RFC 5965) about one of our messages: its
    /// candidate is flagged as having complained.
    Complaint { message_id: i64, candidate_id: i64 },
    /// A copy of a message recruitmail sent (the company's mailbox was in
    /// Cc or Bcc): it is already in its thread.
    OwnMessage { message_id: i64 },
    /// An interview participant's calendar answer (iTIP REPLY): recorded on
    /// the participant (`recorded` false when it changed nothing) and not
    /// filed in any thread, since the employee is not a candidate.
    ParticipantAnswer { interview_id: i64, recorded: bool },
}

/// The largest raw message taken, by HTTP or SMTP: the attachment limit in
/// base64, which writes 4 bytes for 3 plus a line break every 76 (RFC 2045
/// §6.8), and room for headers and bodies.
pub fn max_message_bytes(settings: &Settings) -> usize {
    const HEADERS_AND_BODIES: usize = 1024 * 1024;
    settings
        .max_attachment_bytes
        .saturating_mul(78)
        .div_ceil(57)
        .saturating_add(HEADERS_AND_BODIES)
}

/// Emails filed at once by this process; more wait their turn.
static FILINGS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(8);

/// Attempts at filing when concurrent emails race to create the same
/// candidate or to file the same email.
const FILING_ATTEMPTS: usize = 3;

/// The company at `slug` whose inbound token is `token`; anything else is
/// refused alike, so the answer tells nothing about which part was wrong.
pub async fn company_of(
    db: &impl ConnectionTrait,
    slug: &str,
    token: &str,
) -> ApiResult<company::Model> {
    if slug.len() > 100 || token.is_empty() || token.len() > 200 {
        return Err(ApiError::Unauthenticated);
    }
    let found = company::Entity::find()
        .filter(company::Column::Slug.eq(slug))
        .one(db)
        .await?;
    match found {
        Some(company) if crate::access::token::same_secret(&company.inbound_token, token) => {
            Ok(company)
        }
        _ => Err(ApiError::Unauthenticated),
    }
}

/// Files the raw RFC 5322 message `raw` for `company`. Attachment contents
/// are stored first (content addressed, so a failed attempt leaves nothing
/// anyone can reach); every row is written in one transaction.
pub async fn receive(
    db: &impl crate::db::Writable,
    settings: &Settings,
    blobs: &BlobStore,
    company: &company::Model,
    raw: Bytes,
    now: DateTime<Utc>,
) -> ApiResult<Outcome> {
    // Each filing holds several copies of a message of up to
    // `max_message_bytes` (decoded parts, attachments): a bound on how many
    // run at once, over HTTP and SMTP together, bounds that memory.
    let _filing = FILINGS
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    // Reading MIME and sanitising HTML take a while on large messages: off
    // the threads that serve requests.
    let limit = settings.max_attachment_bytes;
    let incoming = tokio::task::spawn_blocking(move || incoming::parse(&raw, limit))
        .await
        .map_err(|e| ApiError::Internal(e.into()))??;
    if let Some(known) = earlier(db, company, &incoming).await? {
        return Ok(seen(&known));
    }
    let machine = machine_kind(db, company, &incoming).await?;
    if let Some(kind) = machine {
        let acted = crate::db::write_transaction!(db, |txn| {
            reports::act(txn, settings, company, &incoming, kind, now).await
        })?;
        if let Some(outcome) = acted {
            return Ok(outcome);
        }
    }
    if let Some(reply) = incoming.calendar.as_deref().and_then(calendar_reply::read) {
        let from = incoming.from.address.as_str();
        let outcome = crate::db::write_transaction!(db, |txn| {
            crate::interviews::participants::record_reply(txn, company.id, from, &reply, now).await
        })?;
        if let crate::interviews::participants::ReplyOutcome::Participant {
            interview_id,
            recorded,
        } = outcome
        {
            return Ok(Outcome::ParticipantAnswer {
                interview_id,
                recorded,
            });
        }
    }
    // Mail from machines keeps no attachments: they are returned messages
    // and report data, nobody's documents.
    let mut stored = Vec::with_capacity(incoming.attachments.len());
    for attachment in incoming.attachments.iter().filter(|_| machine.is_none()) {
        stored.push(blobs.put(attachment.content.clone()).await?);
    }
    let mut attempt = 1;
    loop {
        match filing::file(db, settings, company, &incoming, machine, &stored, now).await {
            Err(ApiError::Conflict(_)) if attempt < FILING_ATTEMPTS => attempt += 1,
            Err(ApiError::Conflict(what)) => {
                // The same email filed meanwhile by another request.
                if let Some(known) = earlier(db, company, &incoming).await? {
                    return Ok(seen(&known));
                }
                return Err(ApiError::Conflict(what));
            }
            Err(other) => return Err(other),
            Ok(filed) => return Ok(Outcome::Filed(filed)),
        }
    }
}

/// What a message already stored under the email's Message-ID means.
fn seen(known: &message::Model) -> Outcome {
    match known.direction {
        MessageDirection::Outbound => Outcome::OwnMessage {
            message_id: known.id,
        },
        MessageDirection::Inbound => Outcome::Duplicate {
            message_id: known.id,
        },
    }
}

/// The message stored before with the same Message-ID, if any: received
/// before, or one of ours.
async fn earlier(
    db: &impl ConnectionTrait,
    company: &company::Model,
    incoming: &incoming::Incoming,
) -> ApiResult<Option<message::Model>> {
    let Some(id) = &incoming.message_id else {
        return Ok(None);
    };
    Ok(message::Entity::find()
        .filter(message::Column::CompanyId.eq(company.id))
        .filter(message::Column::MessageIdHeader.eq(id.as_str()))
        .one(db)
        .await?)
}

/// Whether mail of this kind reports on other mail (a bounce, a complaint,
/// a DMARC report) rather than answering it.
pub fn is_report(kind: MachineMailKind) -> bool {
    !matches!(kind, MachineMailKind::AutoReply | MachineMailKind::ListMail)
}

/// The kind of machine the email comes from, as filing treats it. An
/// answer to an invitation from a calendar (iTIP REPLY) is a person's,
/// whatever automatic or list headers it carries, and so is mail from a
/// known candidate that only its wording made look automatic ("Was my CV
/// not delivered?"); reports never are.
async fn machine_kind(
    db: &impl ConnectionTrait,
    company: &company::Model,
    incoming: &incoming::Incoming,
) -> ApiResult<Option<MachineMailKind>> {
    let Some(kind) = incoming.machine.kind else {
        return Ok(None);
    };
    let calendar_answer = !is_report(kind)
        && incoming
            .calendar
            .as_deref()
            .and_then(calendar_reply::read)
            .is_some();
    if calendar_answer {
        return Ok(None);
    }
    if incoming.machine.by_wording
        && let Ok(sender) = crate::domain::EmailAddress::parse(&incoming.from.address)
    {
        let known = entity::candidate::Entity::find()
            .filter(entity::candidate::Column::CompanyId.eq(company.id))
            .filter(entity::candidate::Column::Email.eq(sender.normalized()))
            .one(db)
            .await?
            .is_some();
        if known {
            return Ok(None);
        }
    }
    Ok(Some(kind))
}
