//! Delivery status notifications (RFC 3464): the report a mail server sends
//! back when it could not deliver one of our messages. Its
//! `message/delivery-status` part lists each recipient with an `Action` and
//! a `Status`; the returned original (or its headers) carries the
//! Message-ID that names our message.

use mail_parser::{Message, MimeHeaders as _, PartType};

use super::flat_message::FlatMessage;

/// Longest reason kept on the bounced message.
const MAX_REASON_CHARS: usize = 1000;
/// Per-message and per-recipient blocks read from one report.
const MAX_BLOCKS: usize = 1000;

/// What a report says about one of our messages.
#[derive(Debug, PartialEq, Eq)]
pub struct DeliveryReport {
    /// `<id>` form, when the report returned the original or its headers.
    pub original_message_id: Option<String>,
    /// Recipients the server gave up on (`Action: failed`).
    pub failures: Vec<Failure>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Failure {
    pub recipient: String,
    /// The enhanced status code (RFC 3463), e.g. `5.1.1`.
    pub status: String,
    /// The remote server's own words, e.g. `smtp; 550 5.1.1 no such user`.
    pub diagnostic: Option<String>,
}

impl DeliveryReport {
    /// One line for the message's `lastError`.
    pub fn reason(&self) -> String {
        let text = self
            .failures
            .iter()
            .map(|f| match &f.diagnostic {
                Some(diagnostic) => format!("{}: {} ({diagnostic})", f.recipient, f.status),
                None => format!("{}: {}", f.recipient, f.status),
            })
            .collect::<Vec<_>>()
            .join("; ");
        format!("bounced: {text}")
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(MAX_REASON_CHARS)
            .collect()
    }
}

/// Parts of a report that are the report itself, not attachments.
pub fn is_report_part(content_type: &str) -> bool {
    matches!(
        content_type,
        "message/delivery-status"
            | "message/global-delivery-status"
            | "message/rfc822"
            | "message/global"
            | "text/rfc822-headers"
            | "message/global-headers"
    )
}

/// The report, when `message` is one (`multipart/report;
/// report-type=delivery-status`, RFC 6522 and RFC 3464 §2).
pub fn read(message: &Message<'_>) -> Option<DeliveryReport> {
    let root = message.root_part().content_type()?;
    let is_report = root.ctype().eq_ignore_ascii_case("multipart")
        && root
            .subtype()
            .is_some_and(|s| s.eq_ignore_ascii_case("report"))
        && root.attribute("report-type").is_some_and(|t| {
            t.eq_ignore_ascii_case("delivery-status")
                || t.eq_ignore_ascii_case("global-delivery-status")
        });
    if !is_report {
        return None;
    }
    let mut failures = Vec::new();
    let mut original_message_id = None;
    for part in &message.parts {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let kind =
            format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()).to_ascii_lowercase();
        match kind.as_str() {
            "message/delivery-status" | "message/global-delivery-status" => {
                failures.extend(failed_recipients(&String::from_utf8_lossy(part.contents())));
            }
            "message/rfc822" | "message/global" if original_message_id.is_none() => {
                original_message_id = match &part.body {
                    PartType::Message(original) => {
                        original.message_id().map(|id| format!("<{id}>"))
                    }
                    _ => headers_message_id(part.contents()),
                };
            }
            "text/rfc822-headers" | "message/global-headers" if original_message_id.is_none() => {
                original_message_id = headers_message_id(part.contents());
            }
            _ => {}
        }
    }
    Some(DeliveryReport {
        original_message_id,
        failures,
    })
}

/// The Message-ID in a block of returned headers.
fn headers_message_id(headers: &[u8]) -> Option<String> {
    let mut block = headers.to_vec();
    // The headers alone are a message without a body.
    block.extend_from_slice(b"\r\n\r\n");
    FlatMessage::parse(&block)?
        .message_id()
        .map(|id| format!("<{id}>"))
}

/// The per-recipient blocks of a `message/delivery-status` body whose
/// `Action` is `failed` (RFC 3464 §2.3.3).
fn failed_recipients(status: &str) -> Vec<Failure> {
    let mut failures = Vec::new();
    // A report lists each recipient once; more blocks than any message
    // has recipients are not read.
    for block in blocks(status).into_iter().take(MAX_BLOCKS) {
        let field = |name: &str| {
            block
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.as_str())
        };
        if !field("Action").is_some_and(|a| a.eq_ignore_ascii_case("failed")) {
            continue;
        }
        // `Final-Recipient: rfc822; ada@example.org` (§2.3.2): the address
        // after the address type.
        let recipient = field("Final-Recipient")
            .or_else(|| field("Original-Recipient"))
            .map(|value| value.split_once(';').map_or(value, |(_, a)| a).trim())
            .unwrap_or("unknown recipient");
        failures.push(Failure {
            recipient: recipient.to_owned(),
            status: field("Status").unwrap_or("5.0.0").to_owned(),
            diagnostic: field("Diagnostic-Code").map(str::to_owned),
        });
    }
    failures
}

/// The body's field blocks, separated by empty lines, with folded lines
/// joined (RFC 5322 §2.2.3).
fn blocks(text: &str) -> Vec<Vec<(String, String)>> {
    let mut blocks = Vec::new();
    let mut current: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
        } else if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = current.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            current.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n\
        To: jobs@acme.example\r\n\
        Subject: Undelivered Mail Returned to Sender\r\n\
        MIME-Version: 1.0\r\n\
        Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n\
        --r\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n\
        --r\r\nContent-Type: message/delivery-status\r\n\r\n\
        Reporting-MTA: dns; mx.example.org\r\n\r\n\
        Final-Recipient: rfc822; ada@example.org\r\n\
        Original-Recipient: rfc822;ada@example.org\r\n\
        Action: failed\r\n\
        Status: 5.1.1\r\n\
        Diagnostic-Code: smtp; 550 5.1.1 <ada@example.org>:\r\n    \
        Recipient address rejected: User unknown\r\n\r\n\
        Final-Recipient: rfc822; grace@example.org\r\n\
        Action: delayed\r\n\
        Status: 4.4.1\r\n\r\n\
        --r\r\nContent-Type: text/rfc822-headers\r\n\r\n\
        From: Acme Jobs <jobs@acme.example>\r\n\
        Message-ID: <abc123@acme.example>\r\n\
        Subject: Your application\r\n\
        --r--\r\n";

    #[test]
    fn a_report_names_the_original_and_the_failed_recipients() {
        let message = mail_parser::MessageParser::default()
            .parse(REPORT.as_bytes())
            .expect("parses");
        let report = read(&message).expect("a delivery report");
        assert_eq!(
            report.original_message_id.as_deref(),
            Some("<abc123@acme.example>")
        );
        assert_eq!(
            report.failures,
            [Failure {
                recipient: "ada@example.org".into(),
                status: "5.1.1".into(),
                diagnostic: Some(
                    "smtp; 550 5.1.1 <ada@example.org>: Recipient address rejected: User unknown"
                        .into()
                ),
            }]
        );
        assert!(
            report
                .reason()
                .starts_with("bounced: ada@example.org: 5.1.1 (smtp; 550")
        );
    }

    #[test]
    fn an_ordinary_email_is_no_report() {
        let message = mail_parser::MessageParser::default()
            .parse(b"From: ada@example.org\r\nSubject: Hi\r\n\r\nHello\r\n".as_slice())
            .expect("parses");
        assert_eq!(read(&message), None);
    }
}
