//! What recruitmail keeps of a received email, read from its raw RFC 5322
//! form by mail-parser: owned, bounded and sanitised, so that nothing later
//! has to deal with the message's encodings or with hostile markup.

use std::borrow::Cow;

use bytes::Bytes;
use mail_parser::{Address, HeaderValue, MimeHeaders as _, PartType};
use sha2::{Digest as _, Sha256};

use super::delivery_report::{self, DeliveryReport};
use super::flat_message::FlatMessage;
use super::machine_mail::{self, MachineMail};
use crate::error::{ApiError, ApiResult};

/// RFC 5322 §2.1.1: a header line is at most 998 characters, which bounds a
/// Message-ID and a subject we store.
const MAX_HEADER_CHARS: usize = 998;
/// Longest display name kept (the column's size).
const MAX_NAME_CHARS: usize = 200;
/// Message-IDs of `References` looked at for threading, the newest ones.
const MAX_REFERENCES: usize = 50;
/// To and Cc recipients kept with a message (RFC 5321 §4.5.3.1.8 asks
/// servers to take 100 per transaction).
const MAX_RECIPIENTS: usize = 500;
/// `Delivered-To` and `X-Original-To` addresses looked at.
const MAX_DELIVERED_TO: usize = 20;
/// Largest iCalendar part read; an answer to an invitation is a few KB.
const MAX_CALENDAR_BYTES: usize = 256 * 1024;

/// A mailbox of a header: its address, and the display name if it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailbox {
    pub address: String,
    pub name: Option<String>,
}

/// A file carried by the email, kept as one of the candidate's documents.
#[derive(Debug)]
pub struct Attachment {
    pub file_name: String,
    pub content_type: String,
    pub content: Bytes,
    /// Its Content-ID without angle brackets, by which the HTML body may
    /// show it (`cid:`, RFC 2392).
    pub content_id: Option<String>,
}

/// A received email.
#[derive(Debug)]
pub struct Incoming {
    /// `<id>` form, as our own Message-IDs are stored. A message without
    /// one gets one derived from its content, so that receiving it twice
    /// still files it once.
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    /// `In-Reply-To` first, then `References` newest first (RFC 5322 §3.6.4).
    pub thread_ids: Vec<String>,
    /// The `References` header as received, for display and replies.
    pub references: Option<String>,
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    /// Addresses the forwarding server delivered to (`Delivered-To`,
    /// `X-Original-To`): a reply token may survive only there.
    pub delivered_to: Vec<String>,
    pub subject: String,
    pub text_body: String,
    /// Sanitised: no script, no event handler, no form, only safe URLs;
    /// remote and `cid:` images kept (see [`super::received_html`]).
    pub html_body: Option<String>,
    /// The iCalendar object of a `text/calendar` or `application/ics` part.
    pub calendar: Option<String>,
    pub attachments: Vec<Attachment>,
    /// Set when the email is a delivery status notification (RFC 3464).
    pub report: Option<DeliveryReport>,
    /// Sent by a program, not a person (RFC 3834 §2): never answered
    /// automatically, so two responders cannot answer each other forever.
    pub automatic: bool,
    /// What kind of program sent it, if one did (see `machine_mail`), and
    /// what its report says: such mail never makes a candidate and is kept
    /// out of candidates' threads.
    pub machine: MachineMail,
    /// Marked as spam by a filter on the way (`X-Spam-Flag: YES`): never
    /// made a candidate on its own.
    pub spam: bool,
}

/// The address stored as the sender of a report whose From has none: the
/// name RFC 5321 §4.5.5 mail systems use for themselves.
const MAIL_SYSTEM: &str = "MAILER-DAEMON";

/// Reads `raw`; refuses what is not an email with a sender, and attachments
/// totalling more than `max_attachment_bytes`.
pub fn parse(raw: &[u8], max_attachment_bytes: usize) -> ApiResult<Incoming> {
    let message = FlatMessage::parse(raw)
        .ok_or_else(|| ApiError::validation("message", "the body is not an RFC 5322 message"))?;
    let from = message
        .from()
        .and_then(|from| mailboxes(Some(from)).into_iter().next());
    // A From with an empty address (`"Mail System" <>`) is a mail system's.
    let written_from = message.from().and_then(|from| from.first());
    let classified = machine_mail::classify(
        &message,
        from.as_ref()
            .map(|m| m.address.as_str())
            .or_else(|| written_from.map(|a| a.address.as_deref().unwrap_or_default())),
        from.as_ref()
            .and_then(|m| m.name.as_deref())
            .or_else(|| written_from.and_then(|a| a.name.as_deref())),
    );
    let from = match from {
        Some(from) => from,
        None if classified.is_some() => Mailbox {
            address: MAIL_SYSTEM.to_owned(),
            name: written_from
                .and_then(|a| a.name.as_deref())
                .map(|name| single_line(name, MAX_NAME_CHARS))
                .filter(|name| !name.is_empty()),
        },
        None => {
            return Err(ApiError::validation(
                "message.from",
                "the message has no sender address (From)",
            ));
        }
    };
    let in_reply_to = message_ids(message.in_reply_to()).into_iter().next();
    let mut references = message_ids(message.references());
    references.reverse();
    references.truncate(MAX_REFERENCES);
    let mut thread_ids: Vec<String> = Vec::with_capacity(references.len() + 1);
    for id in in_reply_to.iter().cloned().chain(references) {
        if !thread_ids.contains(&id) {
            thread_ids.push(id);
        }
    }
    let mut delivered_to: Vec<String> = Vec::new();
    for text in ["Delivered-To", "X-Original-To"]
        .into_iter()
        .flat_map(|name| message.header_values(name))
        .filter_map(|value| value.as_text())
    {
        let address = bare_address(text);
        if delivered_to.len() < MAX_DELIVERED_TO
            && plain(address)
            && !delivered_to.iter().any(|known| known == address)
        {
            delivered_to.push(address.to_owned());
        }
    }
    let report = delivery_report::read(&message);
    let mut calendar = None;
    let mut attachments = Vec::new();
    let mut total = 0usize;
    for part in message.attachments() {
        let content_type = content_type(part);
        if is_calendar(&content_type) {
            calendar = calendar.or_else(|| calendar_text(part));
            continue;
        }
        if report.is_some() && delivery_report::is_report_part(&content_type) {
            continue;
        }
        let content = part.contents();
        total = total.saturating_add(content.len());
        if total > max_attachment_bytes {
            return Err(ApiError::PayloadTooLarge(format!(
                "the attachments total more than {max_attachment_bytes} bytes, the limit"
            )));
        }
        attachments.push(Attachment {
            file_name: file_name(part, attachments.len() + 1, &content_type),
            content_type,
            content: Bytes::copy_from_slice(content),
            content_id: content_id(part),
        });
    }
    if calendar.is_none() {
        calendar = message
            .text_bodies()
            .chain(message.html_bodies())
            .find(|part| is_calendar(&content_type(part)))
            .and_then(calendar_text);
    }
    let has_html = message
        .html_bodies()
        .any(|part| matches!(part.body, PartType::Html(_)));
    let subject = message
        .subject()
        .map(|s| single_line(s, MAX_HEADER_CHARS))
        .unwrap_or_default();
    let text_body = message
        .body_text(0)
        .map(|text| without_nul(&text))
        .unwrap_or_default();
    let message_id = message
        .message_id()
        .map(|id| format!("<{id}>"))
        .filter(|id| id.len() <= MAX_HEADER_CHARS && plain(id))
        .or_else(|| Some(derived_message_id(&message, &from, &subject, &text_body)));
    let mut to = mailboxes(message.to());
    to.truncate(MAX_RECIPIENTS);
    let mut cc = mailboxes(message.cc());
    cc.truncate(MAX_RECIPIENTS.saturating_sub(to.len()));
    Ok(Incoming {
        message_id,
        in_reply_to,
        thread_ids,
        references: message
            .header_raw("References")
            .map(|raw| single_line(raw, MAX_HEADER_CHARS * 4)),
        machine: machine_mail::read(&message, raw, classified),
        spam: message
            .header_raw("X-Spam-Flag")
            .is_some_and(|flag| flag.trim().eq_ignore_ascii_case("yes")),
        from,
        to,
        cc,
        delivered_to,
        subject,
        text_body,
        html_body: if has_html {
            message
                .body_html(0)
                .map(|html| without_nul(&super::received_html::stored(&html)))
        } else {
            None
        },
        calendar,
        attachments,
        report,
        automatic: automatic(&message),
    })
}

/// A stable Message-ID for a message that has none: the same message
/// received again gets the same one (trace fields added on the way do not
/// count).
fn derived_message_id(
    message: &mail_parser::Message<'_>,
    from: &Mailbox,
    subject: &str,
    text_body: &str,
) -> String {
    let mut digest = Sha256::new();
    for field in [
        from.address.as_str(),
        message.header_raw("Date").unwrap_or_default(),
        message.header_raw("To").unwrap_or_default(),
        subject,
        text_body,
    ] {
        digest.update(field.as_bytes());
        digest.update([0]);
    }
    for part in message.attachments() {
        digest.update(Sha256::digest(part.contents()));
    }
    format!(
        "<{}@derived.recruitmail.invalid>",
        hex::encode(digest.finalize())
    )
}

/// Whether a part holds an iCalendar object: `text/calendar` (RFC 5545
/// §8.1), or `application/ics`, as some mail programs send a calendar's
/// answer.
fn is_calendar(content_type: &str) -> bool {
    matches!(content_type, "text/calendar" | "application/ics")
}

/// The text of a calendar part, unless it is far larger than any answer to
/// an invitation. An `application/ics` part is read as UTF-8, iCalendar's
/// default charset (RFC 5545 §3.1.4).
fn calendar_text(part: &mail_parser::MessagePart<'_>) -> Option<String> {
    if part.contents().len() > MAX_CALENDAR_BYTES {
        return None;
    }
    let text = part
        .text_contents()
        .map_or_else(|| String::from_utf8_lossy(part.contents()), Cow::Borrowed);
    Some(without_nul(&text))
}

/// A part's Content-ID without angle brackets, when it is one a `cid:`
/// address can name (RFC 2392: a message ID, one line).
fn content_id(part: &mail_parser::MessagePart<'_>) -> Option<String> {
    let id = part.content_id()?.trim();
    let id = id.strip_prefix('<').unwrap_or(id);
    let id = id.strip_suffix('>').unwrap_or(id);
    (id.len() <= MAX_HEADER_CHARS && plain(id)).then(|| id.to_owned())
}

/// Text without NUL characters, which PostgreSQL cannot store in text.
fn without_nul(text: &str) -> String {
    text.replace('\0', "")
}

/// Whether a Message-ID or an address is free of control characters and
/// spaces, as RFC 5322 writes them.
fn plain(text: &str) -> bool {
    !text.is_empty() && !text.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// Whether the message says it was sent automatically: `Auto-Submitted`
/// other than `no` (RFC 3834 §5), a mailing list's `List-Id` (RFC 2919), or
/// the `Precedence` that bulk senders use.
fn automatic(message: &mail_parser::Message<'_>) -> bool {
    let text = |name: &str| {
        message
            .header_raw(name)
            .map(|value| value.trim().to_ascii_lowercase())
    };
    let auto_submitted = text("Auto-Submitted").is_some_and(|v| !v.starts_with("no"));
    let bulk = text("Precedence").is_some_and(|v| matches!(v.as_str(), "bulk" | "junk" | "list"));
    auto_submitted || bulk || message.header_raw("List-Id").is_some()
}

/// The mailboxes of an address header with a usable address, groups flattened.
fn mailboxes(header: Option<&Address<'_>>) -> Vec<Mailbox> {
    let Some(header) = header else {
        return Vec::new();
    };
    let list: Vec<&mail_parser::Addr<'_>> = match header {
        Address::List(list) => list.iter().collect(),
        Address::Group(groups) => groups.iter().flat_map(|g| g.addresses.iter()).collect(),
    };
    list.into_iter()
        .filter_map(|addr| {
            let address = addr.address.as_deref()?.trim();
            if !plain(address) || address.len() > crate::domain::EmailAddress::MAX_LEN {
                return None;
            }
            Some(Mailbox {
                address: address.to_owned(),
                name: addr
                    .name
                    .as_deref()
                    .map(|name| single_line(name, MAX_NAME_CHARS))
                    .filter(|name| !name.is_empty()),
            })
        })
        .collect()
}

/// The Message-IDs of an `In-Reply-To` or `References` header, in `<id>` form.
fn message_ids(value: &HeaderValue<'_>) -> Vec<String> {
    let ids: Vec<&str> = match value {
        HeaderValue::Text(id) => vec![id.as_ref()],
        HeaderValue::TextList(ids) => ids.iter().map(AsRef::as_ref).collect(),
        _ => Vec::new(),
    };
    ids.into_iter()
        .filter(|id| plain(id) && id.len() + 2 <= MAX_HEADER_CHARS)
        .map(|id| format!("<{id}>"))
        .collect()
}

/// `user@host` out of `<user@host>` or `Name <user@host>`.
fn bare_address(text: &str) -> &str {
    let text = text.trim();
    match (text.rfind('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close => &text[open + 1..close],
        _ => text,
    }
}

/// `type/subtype` in lower case; `application/octet-stream` when absent or odd.
fn content_type(part: &mail_parser::MessagePart<'_>) -> String {
    let Some(ct) = part.content_type() else {
        return match part.body {
            PartType::Text(_) => "text/plain".to_owned(),
            PartType::Html(_) => "text/html".to_owned(),
            PartType::Message(_) => "message/rfc822".to_owned(),
            _ => "application/octet-stream".to_owned(),
        };
    };
    let full = match ct.subtype() {
        Some(sub) => format!("{}/{}", ct.ctype(), sub),
        None => ct.ctype().to_owned(),
    }
    .to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match full.split_once('/') {
        Some((top, sub)) if token(top) && token(sub) => full,
        _ => "application/octet-stream".to_owned(),
    }
}

/// The attachment's own name made safe, or `attachment-<n>` with an
/// extension for its type.
fn file_name(part: &mail_parser::MessagePart<'_>, n: usize, content_type: &str) -> String {
    part.attachment_name()
        .and_then(crate::documents::clean_file_name)
        .unwrap_or_else(|| {
            let extension = match content_type {
                "message/rfc822" => "eml",
                "application/pdf" => "pdf",
                "text/plain" => "txt",
                "text/html" => "html",
                "image/jpeg" => "jpg",
                "image/png" => "png",
                _ => "bin",
            };
            format!("attachment-{n}.{extension}")
        })
}

/// `text` on one line (control characters as spaces), trimmed, at most
/// `max` characters.
fn single_line(text: &str, max: usize) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    line.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(raw: &str) -> Incoming {
        parse(raw.as_bytes(), 1024 * 1024).expect("a valid message")
    }

    #[test]
    fn threading_headers_are_read_newest_first() {
        let mail = parsed(
            "From: Ada Lovelace <ada@example.org>\r\n\
             To: acme-jobs+0a1b@inbound.localhost\r\n\
             Delivered-To: acme-jobs+ffee@inbound.localhost\r\n\
             Message-ID: <m3@example.org>\r\n\
             In-Reply-To: <m2@acme.example>\r\n\
             References: <m1@acme.example> <m2@acme.example>\r\n\
             Subject: Re: Your application\r\n\r\nThank you!\r\n",
        );
        assert_eq!(mail.message_id.as_deref(), Some("<m3@example.org>"));
        assert_eq!(mail.thread_ids, ["<m2@acme.example>", "<m1@acme.example>"]);
        assert_eq!(mail.from.address, "ada@example.org");
        assert_eq!(mail.from.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(mail.delivered_to, ["acme-jobs+ffee@inbound.localhost"]);
        assert_eq!(mail.subject, "Re: Your application");
        assert_eq!(mail.text_body.trim(), "Thank you!");
        assert_eq!(mail.html_body, None);
        assert!(!mail.automatic);
    }

    #[test]
    fn mail_sent_by_programs_is_told_apart() {
        let with = |header: &str| {
            parsed(&format!(
                "From: ada@example.org\r\n{header}\r\nSubject: Hi\r\n\r\nHello\r\n"
            ))
            .automatic
        };
        assert!(with("Auto-Submitted: auto-replied"));
        assert!(with("Auto-Submitted: auto-generated (vacation)"));
        assert!(with("Precedence: bulk"));
        assert!(with("List-Id: <jobs.lists.example.org>"));
        assert!(!with("Auto-Submitted: no"));
        assert!(!with("X-Mailer: Thunderbird"));
    }

    #[test]
    fn html_loses_scripts_and_handlers() {
        let mail = parsed(
            "From: ada@example.org\r\nSubject: Hi\r\nContent-Type: text/html\r\n\r\n\
             <p onclick=\"steal()\">Hello<script>steal()</script>\
             <a href=\"javascript:steal()\">x</a></p>\r\n",
        );
        let html = mail.html_body.expect("an HTML body");
        assert!(html.contains("Hello"), "{html}");
        for bad in ["script", "onclick", "javascript"] {
            assert!(!html.contains(bad), "{bad} left in {html}");
        }
        assert_eq!(mail.text_body.trim(), "Hellox");
    }

    #[test]
    fn an_ics_file_is_read_as_the_calendar_and_inline_parts_keep_their_id() {
        let raw = "From: ada@example.org\r\nSubject: Accepted\r\nMIME-Version: 1.0\r\n\
                   Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
                   Content-Type: text/html\r\n\r\n<img src=\"cid:part1.x@example.org\">\r\n--b\r\n\
                   Content-Type: image/png\r\nContent-ID: <part1.x@example.org>\r\n\
                   Content-Disposition: inline\r\n\r\nPNG\r\n--b\r\n\
                   Content-Type: application/ics; name=invite.ics\r\n\
                   Content-Transfer-Encoding: base64\r\n\r\n\
                   QkVHSU46VkNBTEVOREFSDQpNRVRIT0Q6UkVQTFkNCkVORDpWQ0FMRU5EQVINCg==\r\n--b--\r\n";
        let mail = parsed(raw);
        assert_eq!(
            mail.calendar.as_deref(),
            Some("BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n")
        );
        assert_eq!(mail.attachments.len(), 1);
        assert_eq!(
            mail.attachments[0].content_id.as_deref(),
            Some("part1.x@example.org")
        );
        let html = mail.html_body.expect("an HTML body");
        assert!(html.contains("cid:part1.x@example.org"), "{html}");
    }

    #[test]
    fn what_is_not_an_email_is_refused() {
        for raw in ["", "just some words", "Subject: no sender\r\n\r\nbody"] {
            let err = parse(raw.as_bytes(), 1024).expect_err(raw);
            assert_eq!(err.code(), "VALIDATION", "{raw}: {err}");
        }
    }

    #[test]
    fn attachments_over_the_limit_are_refused() {
        let raw = "From: ada@example.org\r\nSubject: CV\r\nMIME-Version: 1.0\r\n\
                   Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
                   Content-Type: text/plain\r\n\r\nSee attached.\r\n--b\r\n\
                   Content-Type: application/pdf\r\n\
                   Content-Disposition: attachment; filename=\"cv.pdf\"\r\n\r\n\
                   %PDF-1.4 0123456789\r\n--b--\r\n";
        let kept = parse(raw.as_bytes(), 1024).expect("under the limit");
        assert_eq!(kept.attachments.len(), 1);
        assert_eq!(kept.attachments[0].file_name, "cv.pdf");
        assert_eq!(kept.attachments[0].content_type, "application/pdf");
        let err = parse(raw.as_bytes(), 10).expect_err("over the limit");
        assert_eq!(err.code(), "PAYLOAD_TOO_LARGE");
    }
}
