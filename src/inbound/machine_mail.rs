//! Mail no person wrote: delivery reports, feedback-loop complaints, DMARC
//! reports, automatic answers and mailing-list notices. Such mail never
//! makes a candidate or an application, and is kept out of candidates'
//! threads; a report about one of our messages acts on that message.
//!
//! Standards say how a program should mark its mail — `multipart/report`
//! (RFC 6522) with a delivery status (RFC 3464), a feedback report
//! (RFC 5965, RFC 6591) or a disposition (RFC 8098); `Auto-Submitted`
//! (RFC 3834 §5); `List-Id` and `List-Unsubscribe` (RFC 2919, RFC 2369) —
//! but many mail servers still send bounces as plain text (qmail, Exim,
//! old Postfix, Yahoo, AOL, Exchange, Google's "Mail Delivery Subsystem").
//! Those are told by their sender (MAILER-DAEMON, postmaster, a null return
//! path), by headers such as `X-Failed-Recipients`, and by the standard
//! phrases of their subject and first lines.

use entity::enums::MachineMailKind;
use mail_parser::{Message, MimeHeaders as _};

/// How much of the text of a report is searched for the returned
/// message's Message-ID and for addresses: the report and the headers it
/// returns come first.
const SEARCHED_BYTES: usize = 256 * 1024;
/// Message-IDs and addresses taken from one report.
const MAX_FOUND: usize = 50;
/// Characters of the body's beginning where a bounce states what happened.
const OPENING_CHARS: usize = 4000;

/// What a program's mail says, besides its kind.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct MachineMail {
    pub kind: Option<MachineMailKind>,
    /// Only the wording told (see [`Classified::by_wording`]).
    pub by_wording: bool,
    /// Message-IDs (`<id>` form) of the messages the report returns or
    /// quotes, in the order they appear.
    pub original_ids: Vec<String>,
    /// Addresses the report names (failed recipients, the complaining
    /// recipient, any address in its text), lower-cased.
    pub addresses: Vec<String>,
    /// A delivery report that tells of a delay only: nothing failed yet.
    pub delay_only: bool,
    /// The report's text as received (bounded), where a reply token of the
    /// returned message may be found.
    pub text: String,
}

/// What program sent an email, and whether only its wording tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Classified {
    pub kind: MachineMailKind,
    /// Told by the subject or the first lines only, not by any header, type
    /// or sender: a person might have written the same words (the caller
    /// lets a known candidate's mail through).
    pub by_wording: bool,
}

/// The kind of program `message` comes from, if it is one; `sender` is the
/// From address (empty for `"Mail System" <>`, `None` without a From), and
/// `sender_name` its display name.
pub fn classify(
    message: &Message<'_>,
    sender: Option<&str>,
    sender_name: Option<&str>,
) -> Option<Classified> {
    let subject = message.subject().unwrap_or_default().to_lowercase();
    let local = sender
        .map(|address| address.rsplit_once('@').map_or(address, |(local, _)| local))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let name = sender_name.unwrap_or_default().to_lowercase();
    let report = report_kind(message);
    let dmarc = dmarc_aggregate(message, &subject);
    let system = header(message, "X-Failed-Recipients").is_some()
        || sender.is_some_and(str::is_empty)
        || MAIL_SYSTEM_LOCAL_PARTS.contains(&local.as_str())
        || MAIL_SYSTEM_NAMES.iter().any(|n| name.contains(n));
    let bounce_subject = BOUNCE_SUBJECTS.iter().any(|s| subject.contains(s));
    let list = list_headers(message, &local);
    let list_notice = subject.contains("awaits moderator approval");
    let responder = auto_reply_headers(message);
    let away = AUTO_REPLY_SUBJECTS
        .iter()
        .any(|s| subject.trim_start().starts_with(s));
    let opening: String = message
        .body_text(0)
        .unwrap_or_default()
        .chars()
        .take(OPENING_CHARS)
        .collect::<String>()
        .to_lowercase();
    let bounce_text = BOUNCE_PHRASES.iter().any(|p| opening.contains(p));
    // RFC 5321 §4.5.5: reports and automatic answers come from a null
    // return path.
    let null_path = header(message, "Return-Path").is_some_and(|path| path == "<>");
    let kind = if let Some(kind) = report {
        kind
    } else if dmarc {
        MachineMailKind::DmarcAggregateReport
    } else if system || bounce_subject {
        MachineMailKind::DeliveryReport
    } else if list || list_notice {
        MachineMailKind::ListMail
    } else if responder || away {
        MachineMailKind::AutoReply
    } else if bounce_text {
        MachineMailKind::DeliveryReport
    } else if null_path {
        MachineMailKind::AutoReply
    } else {
        return None;
    };
    let by_headers = report.is_some() || dmarc || system || list || responder || null_path;
    Some(Classified {
        kind,
        by_wording: !by_headers,
    })
}

/// Reads what a machine's mail says about the messages it reports on.
pub fn read(message: &Message<'_>, raw: &[u8], classified: Option<Classified>) -> MachineMail {
    let Some(Classified { kind, by_wording }) = classified else {
        return MachineMail::default();
    };
    // The report's own header is skipped: its Message-ID is not the
    // returned one.
    let body_at = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| at + 4)
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|at| at + 2))
        .unwrap_or(raw.len());
    let end = raw.len().min(body_at.saturating_add(SEARCHED_BYTES));
    let text = String::from_utf8_lossy(&raw[body_at..end]).into_owned();
    let mut addresses: Vec<String> = Vec::new();
    let mut add = |address: &str| {
        let address = address
            .trim()
            .trim_matches(|c| c == '<' || c == '>')
            .to_lowercase();
        if plausible_address(&address)
            && addresses.len() < MAX_FOUND
            && !addresses.contains(&address)
        {
            addresses.push(address);
        }
    };
    for value in message
        .header_values("X-Failed-Recipients")
        .filter_map(|v| v.as_text())
    {
        value.split(',').for_each(&mut add);
    }
    for line in text.lines() {
        let lower = line.to_ascii_lowercase();
        for field in [
            "final-recipient:",
            "original-recipient:",
            "original-rcpt-to:",
        ] {
            if let Some(value) = lower.strip_prefix(field) {
                add(value.split_once(';').map_or(value, |(_, a)| a));
            }
        }
    }
    let opening: String = text.chars().take(OPENING_CHARS * 4).collect();
    for word in opening.split(|c: char| c.is_whitespace() || "\"'(),;:[]".contains(c)) {
        add(word);
    }
    let subject = message.subject().unwrap_or_default().to_lowercase();
    let delay_only = kind == MachineMailKind::DeliveryReport
        && (DELAY_SUBJECTS.iter().any(|s| subject.contains(s))
            || (text.to_ascii_lowercase().contains("action: delayed")
                && !text.to_ascii_lowercase().contains("action: failed")));
    MachineMail {
        kind: Some(kind),
        by_wording,
        original_ids: message_ids_in(&text),
        addresses,
        delay_only,
        text,
    }
}

/// The kind of a `multipart/report` (RFC 6522), or of a report part
/// carried in another multipart, as some servers send them.
fn report_kind(message: &Message<'_>) -> Option<MachineMailKind> {
    let mut feedback = false;
    let mut delivery = false;
    let mut disposition = false;
    for part in &message.parts {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let kind =
            format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()).to_ascii_lowercase();
        match kind.as_str() {
            "multipart/report" => match ct
                .attribute("report-type")
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("delivery-status" | "global-delivery-status") => delivery = true,
                Some("feedback-report") => feedback = true,
                Some("disposition-notification" | "global-disposition-notification") => {
                    disposition = true;
                }
                _ => {}
            },
            "message/delivery-status" | "message/global-delivery-status" => delivery = true,
            "message/feedback-report" => {
                // RFC 6591 §3: a DMARC failure report is a feedback report
                // of type `auth-failure`.
                let text = String::from_utf8_lossy(part.contents()).to_ascii_lowercase();
                let auth_failure = text.lines().any(|line| {
                    line.strip_prefix("feedback-type:")
                        .is_some_and(|t| t.trim() == "auth-failure")
                });
                if auth_failure {
                    return Some(MachineMailKind::DmarcFailureReport);
                }
                feedback = true;
            }
            "message/disposition-notification" | "message/global-disposition-notification" => {
                disposition = true;
            }
            _ => {}
        }
    }
    if feedback {
        Some(MachineMailKind::FeedbackReport)
    } else if delivery {
        Some(MachineMailKind::DeliveryReport)
    } else if disposition {
        Some(MachineMailKind::AutoReply)
    } else {
        None
    }
}

/// RFC 7489 §7.2.1.1: an aggregate report is a zip or gzip of XML named
/// `receiver!policy-domain!begin!end[!id].xml[.gz|.zip]`, and §7.2.1.2 its
/// subject starts with `Report Domain:`.
fn dmarc_aggregate(message: &Message<'_>, subject: &str) -> bool {
    if subject.trim_start().starts_with("report domain:") {
        return true;
    }
    message.attachments().any(|part| {
        let name = part
            .attachment_name()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let archive = [".xml", ".xml.gz", ".zip", ".gz"]
            .iter()
            .any(|end| name.ends_with(end));
        archive && name.matches('!').count() >= 3
    })
}

/// Headers and senders of mailing lists and their managers (RFC 2369,
/// RFC 2919).
fn list_headers(message: &Message<'_>, local: &str) -> bool {
    let precedence = header(message, "Precedence").map(|v| v.to_ascii_lowercase());
    [
        "List-Id",
        "List-Unsubscribe",
        "X-List-Administrivia",
        "X-Mailman-Version",
    ]
    .iter()
    .any(|name| header(message, name).is_some())
        || precedence.is_some_and(|p| matches!(p.as_str(), "list" | "bulk" | "junk"))
        || LIST_MANAGERS.contains(&local)
        || local.starts_with("owner-")
        || ["-request", "-bounces", "-owner", "-admin"]
            .iter()
            .any(|end| local.ends_with(end))
}

/// The headers of an automatic answer: RFC 3834 §5 `Auto-Submitted`
/// (`auto-replied`, `auto-notified`; `auto-generated` alone is left to the
/// caller, as job boards mark the applications they forward with it), and
/// those responders add.
fn auto_reply_headers(message: &Message<'_>) -> bool {
    let auto_submitted = header(message, "Auto-Submitted")
        .map(|v| v.to_ascii_lowercase())
        .is_some_and(|v| v.starts_with("auto-replied") || v.starts_with("auto-notified"));
    let responder = [
        "X-Autoreply",
        "X-Autorespond",
        "X-Autoresponder",
        "X-Autogenerated",
    ]
    .iter()
    .filter_map(|name| header(message, name))
    .any(|v| !v.eq_ignore_ascii_case("no"));
    let precedence = ["Precedence", "X-Precedence"]
        .iter()
        .filter_map(|name| header(message, name))
        .any(|v| v.eq_ignore_ascii_case("auto_reply"));
    auto_submitted || responder || precedence
}

/// The trimmed raw value of a header.
fn header<'m>(message: &'m Message<'_>, name: &'m str) -> Option<&'m str> {
    message.header_raw(name).map(str::trim)
}

/// The Message-IDs of `Message-ID:` lines in `text` (the value may be
/// folded onto the next line).
fn message_ids_in(text: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(rest) = line
            .get(..11)
            .filter(|start| start.eq_ignore_ascii_case("message-id:"))
            .map(|_| &line[11..])
        else {
            continue;
        };
        let value = if rest.trim().is_empty() {
            lines.peek().copied().unwrap_or_default()
        } else {
            rest
        };
        let value = value.trim();
        if let (Some(open), Some(close)) = (value.find('<'), value.find('>'))
            && open < close
        {
            let id = &value[open..=close];
            let plain = id.len() <= 998 && !id.chars().any(|c| c.is_control() || c == ' ');
            if plain && ids.len() < MAX_FOUND && !ids.iter().any(|known| known == id) {
                ids.push(id.to_owned());
            }
        }
    }
    ids
}

/// Whether `text` looks like `local@domain.tld`.
fn plausible_address(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && text.len() <= 254
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@.-_+=".contains(c))
}

/// Local parts of mail systems' own addresses.
const MAIL_SYSTEM_LOCAL_PARTS: &[&str] = &[
    "mailer-daemon",
    "mailer_daemon",
    "mailerdaemon",
    "mail-daemon",
    "postmaster",
    "mdaemon",
    "mail.delivery.system",
    "ndr",
    "e500_smtp_mail_service",
];

/// Display names mail systems sign their reports with.
const MAIL_SYSTEM_NAMES: &[&str] = &[
    "mail delivery",
    "delivery subsystem",
    "mail administrator",
    "postmaster",
    "mailer-daemon",
    "delivery system",
];

/// Subjects of bounces in the formats seen in the wild, in the languages
/// of the offices recruitmail serves.
const BOUNCE_SUBJECTS: &[&str] = &[
    "undeliverable",
    "undelivered mail",
    "delivery status notification",
    "delivery notification",
    "delivery failure",
    "delivery failed",
    "delivery has failed",
    "delivery problem",
    "delivery report",
    "delivery warning",
    "failure notice",
    "failure delivery",
    "returned mail",
    "returning message to sender",
    "mail delivery",
    "could not be delivered",
    "non-delivery",
    "nondeliverable",
    "not delivered",
    "has not yet been delivered",
    "mail system error",
    "delayed mail",
    "message delayed",
    "mail error",
    "failed mail",
    "permanent delivery failure",
    "automatically rejected mail",
    "message delivery failure",
    "delivery status",
    "unzustellbar",
    "nicht zustellbar",
    "non remis",
    "non distribuable",
    "onbestelbaar",
    "no se puede entregar",
    "non recapitabile",
    "rapport de non-remise",
];

/// Subjects of delivery reports that tell of a delay, not a failure.
const DELAY_SUBJECTS: &[&str] = &[
    "delay",
    "warning: message",
    "not yet been delivered",
    "still being retried",
    "mail delivery warning",
];

/// What the first lines of a plain-text bounce say.
const BOUNCE_PHRASES: &[&str] = &[
    "could not be delivered",
    "couldn't be delivered",
    "was not delivered",
    "delivery to the following recipient",
    "the following address(es) failed",
    "following recipients failed",
    "this is a permanent error",
    "this is the mail system at host",
    "created automatically by mail delivery software",
    "this is the qmail-send program",
    "i'm afraid i wasn't able to deliver",
    "unable to deliver your message",
    "your message did not reach",
    "message could not be delivered",
    "failed recipients",
    "recipient address rejected",
    "mailbox unavailable",
    "user unknown",
];

/// Local parts of list managers' addresses.
const LIST_MANAGERS: &[&str] = &[
    "listserv",
    "majordomo",
    "mailman",
    "listproc",
    "sympa",
    "lyris",
    "ecartis",
];

/// How automatic answers and vacation notices begin their subjects.
const AUTO_REPLY_SUBJECTS: &[&str] = &[
    "auto reply",
    "auto-reply",
    "autoreply",
    "automatic reply",
    "auto response",
    "auto-response",
    "autoresponse",
    "out of office",
    "out-of-office",
    "on vacation",
    "vacation reply",
    "away from the office",
    "abwesenheitsnotiz",
    "abwesend",
    "automatische antwort",
    "réponse automatique",
    "absence du bureau",
    "respuesta automática",
    "risposta automatica",
    "automatisch antwoord",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(raw: &str) -> Option<MachineMailKind> {
        let message = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .expect("parses");
        let from = message.from().and_then(|f| f.first());
        classify(
            &message,
            from.and_then(|a| a.address.as_deref()),
            from.and_then(|a| a.name.as_deref()),
        )
        .map(|c| c.kind)
    }

    fn with_headers(headers: &str) -> Option<MachineMailKind> {
        kind_of(&format!(
            "From: Ada Lovelace <ada@example.org>\r\n{headers}Subject: Hello\r\n\r\nHi there\r\n"
        ))
    }

    #[test]
    fn a_person_writing_is_no_machine() {
        assert_eq!(with_headers(""), None);
        assert_eq!(with_headers("Auto-Submitted: no\r\n"), None);
        // A job board forwarding an application marks it auto-generated:
        // the caller decides (it may name an open position).
        assert_eq!(with_headers("Auto-Submitted: auto-generated\r\n"), None);
        assert_eq!(
            kind_of(
                "From: ada@example.org\r\nSubject: Vacation days in your offer\r\n\r\nHow many?\r\n"
            ),
            None
        );
    }

    #[test]
    fn rfc_3464_and_non_standard_bounces_are_delivery_reports() {
        let dsn = "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n\
                   Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n\
                   Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n\
                   --r\r\nContent-Type: text/plain\r\n\r\nSorry.\r\n\
                   --r\r\nContent-Type: message/delivery-status\r\n\r\n\
                   Final-Recipient: rfc822; ada@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
                   --r--\r\n";
        assert_eq!(kind_of(dsn), Some(MachineMailKind::DeliveryReport));
        let qmail = "From: MAILER-DAEMON@mx.example.net\r\nSubject: failure notice\r\n\r\n\
                     Hi. This is the qmail-send program at mx.example.net.\r\n";
        assert_eq!(kind_of(qmail), Some(MachineMailKind::DeliveryReport));
        let exim = "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\r\n\
                    X-Failed-Recipients: ada@example.org\r\nSubject: Mail delivery failed\r\n\r\n\
                    This message was created automatically by mail delivery software.\r\n";
        assert_eq!(kind_of(exim), Some(MachineMailKind::DeliveryReport));
        let exchange = "From: System Administrator <admin@example.com>\r\n\
                        Subject: Undeliverable: Your application\r\n\r\nYour message did not reach\r\n";
        assert_eq!(kind_of(exchange), Some(MachineMailKind::DeliveryReport));
        let plain = "From: gateway@example.com\r\nSubject: Re: Your application\r\n\r\n\
                     Your message could not be delivered to ada@example.org.\r\n";
        assert_eq!(kind_of(plain), Some(MachineMailKind::DeliveryReport));
        let null_sender = "From: \"Jetmail System\" <>\r\nSubject: Mail Error\r\n\r\nx\r\n";
        assert_eq!(kind_of(null_sender), Some(MachineMailKind::DeliveryReport));
    }

    #[test]
    fn feedback_and_dmarc_reports_are_told_apart() {
        let arf = |feedback_type: &str| {
            format!(
                "From: fbl@isp.example\r\nSubject: complaint\r\nMIME-Version: 1.0\r\n\
                 Content-Type: multipart/report; report-type=feedback-report; boundary=f\r\n\r\n\
                 --f\r\nContent-Type: text/plain\r\n\r\nA complaint.\r\n\
                 --f\r\nContent-Type: message/feedback-report\r\n\r\n\
                 Feedback-Type: {feedback_type}\r\nUser-Agent: Example/1.0\r\nVersion: 1\r\n\r\n\
                 --f--\r\n"
            )
        };
        assert_eq!(
            kind_of(&arf("abuse")),
            Some(MachineMailKind::FeedbackReport)
        );
        assert_eq!(
            kind_of(&arf("auth-failure")),
            Some(MachineMailKind::DmarcFailureReport)
        );
        let aggregate = "From: noreply-dmarc@receiver.example\r\n\
                         Subject: Report Domain: acme.example Submitter: receiver.example Report-ID: 1\r\n\r\nx\r\n";
        assert_eq!(
            kind_of(aggregate),
            Some(MachineMailKind::DmarcAggregateReport)
        );
        let attached = "From: dmarc@receiver.example\r\nSubject: DMARC\r\nMIME-Version: 1.0\r\n\
                        Content-Type: multipart/mixed; boundary=d\r\n\r\n--d\r\n\
                        Content-Type: application/gzip\r\n\
                        Content-Disposition: attachment; filename=\"receiver.example!acme.example!1700000000!1700086400.xml.gz\"\r\n\r\n\
                        xx\r\n--d--\r\n";
        assert_eq!(
            kind_of(attached),
            Some(MachineMailKind::DmarcAggregateReport)
        );
    }

    #[test]
    fn automatic_answers_and_vacation_notices_are_auto_replies() {
        for headers in [
            "Auto-Submitted: auto-replied\r\n",
            "Auto-Submitted: auto-replied (vacation)\r\n",
            "X-Autoreply: yes\r\n",
            "X-Autorespond: yes\r\n",
            "Precedence: auto_reply\r\n",
            "Return-Path: <>\r\n",
        ] {
            assert_eq!(
                with_headers(headers),
                Some(MachineMailKind::AutoReply),
                "{headers}"
            );
        }
        for subject in [
            "Out of Office: Re: Interview",
            "Automatische Antwort: Bewerbung",
        ] {
            let raw = format!("From: ada@example.org\r\nSubject: {subject}\r\n\r\nAway\r\n");
            assert_eq!(kind_of(&raw), Some(MachineMailKind::AutoReply), "{subject}");
        }
    }

    #[test]
    fn list_mail_and_list_managers_notices_are_list_mail() {
        for headers in [
            "List-Id: <jobs.lists.example.org>\r\n",
            "List-Unsubscribe: <mailto:leave@lists.example.org>\r\n",
            "Precedence: list\r\n",
            "Precedence: bulk\r\n",
        ] {
            assert_eq!(
                with_headers(headers),
                Some(MachineMailKind::ListMail),
                "{headers}"
            );
        }
        for sender in [
            "majordomo@lists.example.org",
            "jobs-request@lists.example.org",
        ] {
            let raw = format!("From: {sender}\r\nSubject: Welcome\r\n\r\nHello\r\n");
            assert_eq!(kind_of(&raw), Some(MachineMailKind::ListMail), "{sender}");
        }
    }

    #[test]
    fn a_report_names_the_returned_message_and_the_failed_recipient() {
        let raw = "From: MAILER-DAEMON@mx.example.net\r\nMessage-ID: <report@mx.example.net>\r\n\
                   Subject: failure notice\r\n\r\n\
                   <ada@example.org>:\r\nSorry, no mailbox here by that name.\r\n\r\n\
                   --- Below this line is a copy of the message.\r\n\r\n\
                   From: jobs@acme.example\r\nMessage-ID:\r\n <abc@acme.example>\r\nSubject: S\r\n";
        let message = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .expect("parses");
        let read = read(&message, raw.as_bytes(), delivery_report());
        assert_eq!(read.original_ids, ["<abc@acme.example>"]);
        assert!(
            read.addresses.contains(&"ada@example.org".to_owned()),
            "{read:?}"
        );
        assert!(!read.delay_only);
        let delayed = raw.replace("failure notice", "Warning: message delayed 24 hours");
        let message = mail_parser::MessageParser::default()
            .parse(delayed.as_bytes())
            .expect("parses");
        assert!(read_delay(&message, delayed.as_bytes()));
    }

    fn read_delay(message: &Message<'_>, raw: &[u8]) -> bool {
        read(message, raw, delivery_report()).delay_only
    }

    fn delivery_report() -> Option<Classified> {
        Some(Classified {
            kind: MachineMailKind::DeliveryReport,
            by_wording: false,
        })
    }

    #[test]
    fn what_only_the_wording_tells_is_marked_so() {
        let told = |raw: &str| {
            let message = mail_parser::MessageParser::default()
                .parse(raw.as_bytes())
                .expect("parses");
            let from = message.from().and_then(|f| f.first());
            classify(&message, from.and_then(|a| a.address.as_deref()), None)
        };
        let person =
            told("From: ada@example.org\r\nSubject: Was my CV not delivered?\r\n\r\nHi\r\n");
        assert_eq!(
            person,
            Some(Classified {
                kind: MachineMailKind::DeliveryReport,
                by_wording: true
            })
        );
        let daemon =
            told("From: MAILER-DAEMON@mx.example.org\r\nSubject: failure notice\r\n\r\nx\r\n");
        assert_eq!(
            daemon,
            Some(Classified {
                kind: MachineMailKind::DeliveryReport,
                by_wording: false
            })
        );
    }
}
