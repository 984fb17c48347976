//! A stored message as RFC 5322 / MIME, built with lettre.
//!
//! Structure (RFC 2046): `multipart/alternative` of text and HTML, inside
//! `multipart/mixed` when there are attachments. lettre encodes every header
//! value (RFC 2047 for non-ASCII), so no stored field can start a new header.

use std::time::SystemTime;

use bytes::Bytes;
use lettre::Message;
use lettre::message::header::ContentType;
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
}

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
    let mut mixed = match readable {
        Some(alternative) => MultiPart::mixed().multipart(alternative),
        None => MultiPart::mixed().singlepart(text),
    };
    for file in &e.attachments {
        let content_type = ContentType::parse(&file.content_type)
            .or_else(|_| ContentType::parse("application/octet-stream"))
            .map_err(|e| e.to_string())?;
        mixed = mixed.singlepart(
            Attachment::new(file.file_name.clone()).body(file.content.to_vec(), content_type),
        );
    }
    builder.multipart(mixed).map_err(|e| e.to_string())
}
