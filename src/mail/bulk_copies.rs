//! CC and BCC of a bulk send: one summary copy instead of one per candidate.
//!
//! The rule: when a send addresses several candidates, their own messages
//! carry no CC or BCC; the CC and BCC addresses instead receive a single
//! message — the rendered message of the first candidate, introduced by the
//! list of everyone it went to. A colleague copied on a send to 500
//! candidates so gets one mail that shows what was sent and to whom, not
//! 500. A send to one candidate keeps CC and BCC on that message.
//!
//! The copy is part of the bulk send (`batch_id`), so cancelling the send
//! cancels it too, but it is to no candidate (`candidate_id` is empty) and
//! is not counted among the send's messages. Its CC addresses are shown in
//! its `Cc` field and its BCC addresses are not shown, as on any message
//! (RFC 5322 §3.6.3).

use super::outbox::{Addressee, NewMessage};
use crate::languages::{Language, Text, fill};
use crate::templates::escape_html;

/// The summary copy of a bulk send whose first rendered message is `first`
/// and whose candidates are `recipients`, for `cc` and `bcc`, introduced in
/// `language` (the company's: it is read by colleagues).
pub fn summary(
    first: &NewMessage,
    recipients: &[Addressee],
    cc: Vec<Addressee>,
    bcc: Vec<Addressee>,
    language: &Language,
) -> NewMessage {
    let count = recipients.len().to_string();
    let shown_first = first.to.first().map(mailbox).unwrap_or_default();
    let lead = fill(
        language.text(Text::BulkCopyLead),
        &[("count", &count), ("first", &shown_first)],
    );
    let heading = language.text(Text::BulkCopyRecipients);
    let mut text = format!("{lead}\n\n{heading}\n");
    let mut html = format!(
        "<p>{}</p>\n<p>{}</p>\n<ul>\n",
        escape_html(&lead),
        escape_html(heading)
    );
    for recipient in recipients {
        let shown = mailbox(recipient);
        text.push_str(&format!("- {shown}\n"));
        html.push_str(&format!("<li>{}</li>\n", escape_html(&shown)));
    }
    text.push_str("\n----------\n\n");
    text.push_str(&first.text_body);
    html.push_str("</ul>\n<hr>\n");
    html.push_str(first.html_body.as_deref().unwrap_or_default());
    NewMessage {
        candidate_id: None,
        application_id: None,
        text_body: text,
        html_body: Some(html),
        to: Vec::new(),
        cc,
        bcc,
        idempotency_key: None,
        threading: None,
        participant_user_id: None,
        ..first.clone()
    }
}

/// `Name <address>`, or the address alone.
fn mailbox(a: &Addressee) -> String {
    match &a.name {
        Some(name) => format!("{name} <{}>", a.address),
        None => a.address.clone(),
    }
}
