//! A stored message as RFC 5322 / MIME, built with lettre.
//!
//! Structure (RFC 2046): `multipart/alternative` of text and HTML, inside
//! `multipart/mixed` when there are attachments. An interview invitation
//! (iMIP, RFC 6047 §2.4) adds its calendar as the last alternative,
//! `text/calendar` with the iTIP method, and again as an `invite.ics`
//! attachment for clients that only look at attachments. lettre encodes every
//! header value (RFC 2047 for non-ASCII), so no stored field can start a new header.

use std::time::SystemTime;

use bytes::Bytes;
use lettre::Message;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use super::outbox::Addressee;

/// A file to attach.
#[derive(Clone, Debug)]
pub struct AttachedFile {
    pub file_name: String,
    pub content_type: String,
    pub content: Bytes,
}

/// Everything a message needs at delivery.
#[derive(Clone, Debug)]
pub struct Envelope {
    pub from: Addressee,
    pub reply_to: Option<Addressee>,
    pub to: Vec<Addressee>,
    pub cc: Vec<Addressee>,
    pub bcc: Vec<Addressee>,
    pub subject: String,
    /// With angle brackets, as the header carries it.
    pub message_id: String,
    pub date: SystemTime,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<AttachedFile>,
    pub calendar: Option<CalendarPart>,
    /// `Auto-Submitted` (RFC 3834 §5) of a message written automatically.
    pub auto_submitted: Option<String>,
    /// `In-Reply-To` and `References` of an answer (RFC 5322 §3.6.4).
    pub in_reply_to: Option<String>,
    pub references: Option<String>,
}

/// The `Auto-Submitted` header field (RFC 3834 §5).
#[derive(Clone, Debug)]
struct AutoSubmitted(String);

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// An iCalendar object and its iTIP method (RFC 5546 §1.4).
#[derive(Clone, Debug)]
pub struct CalendarPart {
    pub method: String,
    pub text: String,
}

/// The file name calendar clients recognise an invitation attachment by.
const INVITE_FILE: &str = "invite.ics";

fn mailbox(a: &Addressee) -> Result<Mailbox, String> {
    let address = a
        .address
        .parse()
        .map_err(|e| format!("`{}` is not an address: {e}", a.address))?;
    Ok(Mailbox::new(a.name.clone(), address))
}

/// The message, ready for `formatted()` and its SMTP envelope.
pub fn compose(e: &Envelope) -> Result<Message, String> {
    let mut builder = Message::builder()
        .from(mailbox(&e.from)?)
        .subject(e.subject.clone())
        .message_id(Some(e.message_id.clone()))
        .date(e.date);
    if let Some(reply_to) = &e.reply_to {
        builder = builder.reply_to(mailbox(reply_to)?);
    }
    if let Some(id) = &e.in_reply_to {
        builder = builder.in_reply_to(id.clone());
    }
    if let Some(ids) = &e.references {
        builder = builder.references(ids.clone());
    }
    if let Some(value) = &e.auto_submitted {
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!("`{value}` is not an Auto-Submitted value"));
        }
        builder = builder.header(AutoSubmitted(value.clone()));
    }
    for a in &e.to {
        builder = builder.to(mailbox(a)?);
    }
    for a in &e.cc {
        builder = builder.cc(mailbox(a)?);
    }
    for a in &e.bcc {
        builder = builder.bcc(mailbox(a)?);
    }
    let text = SinglePart::plain(e.text.clone());
    if let Some(calendar) = &e.calendar {
        return builder
            .multipart(invitation(e, calendar, text)?)
            .map_err(|e| e.to_string());
    }
    let readable = e.html.as_ref().map(|html| {
        MultiPart::alternative()
            .singlepart(text.clone())
            .singlepart(SinglePart::html(html.clone()))
    });
    if e.attachments.is_empty() {
        return match readable {
            Some(alternative) => builder.multipart(alternative),
            None => builder.singlepart(text),
        }
        .map_err(|e| e.to_string());
    }
    let mixed = match readable {
        Some(alternative) => MultiPart::mixed().multipart(alternative),
        None => MultiPart::mixed().singlepart(text),
    };
    builder
        .multipart(attach(mixed, &e.attachments)?)
        .map_err(|e| e.to_string())
}

/// `multipart/mixed` of the alternatives (text, HTML, calendar), the
/// calendar as a file, and the other attachments.
fn invitation(
    e: &Envelope,
    calendar: &CalendarPart,
    text: SinglePart,
) -> Result<MultiPart, String> {
    let method = calendar.method.as_str();
    if !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!("`{method}` is not an iTIP method"));
    }
    let inline = ContentType::parse(&format!("text/calendar; method={method}; charset=UTF-8"))
        .map_err(|e| e.to_string())?;
    let file = ContentType::parse(&format!("application/ics; name=\"{INVITE_FILE}\""))
        .map_err(|e| e.to_string())?;
    let mut alternative = MultiPart::alternative().singlepart(text);
    if let Some(html) = &e.html {
        alternative = alternative.singlepart(SinglePart::html(html.clone()));
    }
    let alternative = alternative.singlepart(
        SinglePart::builder()
            .header(inline)
            .body(calendar.text.clone()),
    );
    let mixed = MultiPart::mixed()
        .multipart(alternative)
        .singlepart(Attachment::new(INVITE_FILE.to_owned()).body(calendar.text.clone(), file));
    attach(mixed, &e.attachments)
}

fn attach(mut mixed: MultiPart, files: &[AttachedFile]) -> Result<MultiPart, String> {
    for file in files {
        let content_type = ContentType::parse(&file.content_type)
            .or_else(|_| ContentType::parse("application/octet-stream"))
            .map_err(|e| e.to_string())?;
        mixed = mixed.singlepart(
            Attachment::new(file.file_name.clone()).body(file.content.to_vec(), content_type),
        );
    }
    Ok(mixed)
}
