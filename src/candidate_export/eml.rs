//! A stored message as an RFC 5322 file, for a candidate's export: sent
//! mail rebuilt as the dispatcher builds it ([`crate::mail::compose`]),
//! received mail from the fields stored when it arrived (the raw message
//! is not kept).
//!
//! Attachments are not repeated inside the file: the candidate's own are in
//! the archive's `documents/` folder, and `candidate.json` names each
//! message's attachments, so the archive holds every file once and no
//! message is ever held in memory with its files.

use std::time::SystemTime;

use entity::enums::RecipientKind;
use entity::{message, message_content, message_recipient};

use crate::mail::compose::{CalendarPart, Envelope, compose};
use crate::mail::outbox::Addressee;

/// Written as the sender of a received message whose `From` was not an
/// address (RFC 2606 reserves `.invalid`); `candidate.json` keeps what was
/// stored.
const UNKNOWN_SENDER: &str = "unknown-sender@recruitmail.invalid";

/// The message's bytes, or why it cannot be written.
pub fn write(
    row: &message::Model,
    content: Option<&message_content::Model>,
    recipients: &[message_recipient::Model],
) -> Result<Vec<u8>, String> {
    let from = if parses(&row.from_address) {
        Addressee {
            address: row.from_address.clone(),
            name: row.from_name.clone(),
        }
    } else {
        Addressee {
            address: UNKNOWN_SENDER.to_owned(),
            name: row.from_name.clone(),
        }
    };
    let of_kind = |kind: RecipientKind| -> Vec<Addressee> {
        recipients
            .iter()
            .filter(|r| r.kind == kind && parses(&r.address))
            .map(|r| Addressee {
                address: r.address.clone(),
                name: r.name.clone(),
            })
            .collect()
    };
    let date = row.sent_at.or(row.received_at).unwrap_or(row.created_at);
    let envelope = Envelope {
        from,
        reply_to: None,
        to: of_kind(RecipientKind::To),
        cc: of_kind(RecipientKind::Cc),
        bcc: of_kind(RecipientKind::Bcc),
        subject: row.subject.clone(),
        message_id: message_id(row),
        date: SystemTime::from(date),
        text: content.map(|c| c.text_body.clone()).unwrap_or_default(),
        html: content.and_then(|c| c.html_body.clone()),
        attachments: Vec::new(),
        calendar: match (
            &row.calendar_method,
            content.and_then(|c| c.calendar.as_ref()),
        ) {
            (Some(method), Some(text)) => Some(CalendarPart {
                method: method.clone(),
                text: text.clone(),
            }),
            _ => None,
        },
        auto_submitted: row
            .auto_submitted
            .clone()
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_graphic())),
        in_reply_to: row.in_reply_to.clone(),
        references: row.references_header.clone(),
    };
    Ok(compose(&envelope)?.formatted())
}

fn parses(address: &str) -> bool {
    address.parse::<lettre::Address>().is_ok()
}

/// The stored `Message-ID` (RFC 5322 §3.6.4), in angle brackets; one made
/// from the row for a message that never had one (a draft, a queued one).
fn message_id(row: &message::Model) -> String {
    match row.message_id_header.as_deref().map(str::trim) {
        Some(id) if id.starts_with('<') && id.ends_with('>') => id.to_owned(),
        Some(id) if !id.is_empty() => format!("<{id}>"),
        _ => format!("<message-{}@recruitmail.invalid>", row.id),
    }
}
