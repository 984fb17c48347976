//! Filing a received email in its candidate's thread, in one transaction.

use chrono::{DateTime, Utc};
use entity::enums::{
    ApplicationSource, ApplicationStatus, Gender, MachineMailKind, MessageDirection,
    PositionStatus, RecipientKind,
};
use entity::{
    application, candidate, company, message, message_attachment, message_content,
    message_recipient, position,
};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _,
    QueryOrder as _, Set,
};

use super::calendar_reply;
use super::incoming::{Incoming, Mailbox};
use crate::blobs::StoredBlob;
use crate::documents::ReceivedFile;
use crate::domain::{EmailAddress, Name};
use crate::error::{ApiError, ApiResult};
use crate::intake::FileKind;
use crate::mail::message_state::{self, Received};
use crate::settings::Settings;

/// Where a received email was filed.
#[derive(Debug, PartialEq, Eq)]
pub struct Filed {
    pub message_id: i64,
    /// `None` when the email was set aside: from an unknown sender that
    /// applies for no open position (`unassignedMessages`), or from a
    /// machine that answers nothing of ours.
    pub candidate_id: Option<i64>,
    /// Set when a program sent the email.
    pub machine_kind: Option<MachineMailKind>,
    /// Set when the email was an application that made one.
    pub new_application_id: Option<i64>,
    /// Whether the sender was unknown and became a candidate.
    pub new_candidate: bool,
    /// The interview whose invitation the email answered (iTIP REPLY).
    pub answered_interview_id: Option<i64>,
}

/// The thread an email belongs to.
struct Thread {
    candidate: candidate::Model,
    application_id: Option<i64>,
    subsidiary_id: Option<i64>,
}

/// Files the email: in its candidate's thread; as a new candidate's
/// application when an unknown sender names an open position; else set
/// aside with no candidate. Mail from a machine (`machine`) is always set
/// aside, and its attachments (returned messages, report data) not kept.
pub(super) async fn file(
    db: &impl crate::db::Writable,
    settings: &Settings,
    company: &company::Model,
    incoming: &Incoming,
    machine: Option<MachineMailKind>,
    stored: &[StoredBlob],
    now: DateTime<Utc>,
) -> ApiResult<Filed> {
    crate::db::write_transaction!(db, |txn| {
        let reply = incoming.calendar.as_deref().and_then(calendar_reply::read);
        let (thread, new_candidate, new_application) = match machine {
            Some(_) => (None, false, None),
            None => match thread_of(txn, settings, company, incoming, reply.as_ref()).await? {
                Some(thread) => (Some(thread), false, None),
                // Spam never becomes a candidate on its own: only mail
                // naming an open position applies; the rest waits for a person.
                None if incoming.spam => (None, false, None),
                None => match position_named(txn, company, &incoming.subject).await? {
                    Some(position) => {
                        let (thread, application) =
                            applicant(txn, company, incoming, position, now).await?;
                        (Some(thread), true, Some(application))
                    }
                    None => (None, false, None),
                },
            },
        };
        let candidate = thread.as_ref().map(|t| &t.candidate);
        let message = message_state::receive(
            txn,
            Received {
                company_id: company.id,
                candidate_id: candidate.map(|c| c.id),
                machine_kind: machine,
                application_id: thread.as_ref().and_then(|t| t.application_id),
                subsidiary_id: thread.as_ref().and_then(|t| t.subsidiary_id),
                subject: incoming.subject.clone(),
                from_address: incoming.from.address.clone(),
                from_name: incoming.from.name.clone(),
                message_id_header: incoming.message_id.clone(),
                in_reply_to: incoming.in_reply_to.clone(),
                references: incoming.references.clone(),
            },
            now,
        )
        .await?;
        message_content::ActiveModel {
            message_id: Set(message.id),
            text_body: Set(incoming.text_body.clone()),
            html_body: Set(incoming.html_body.clone()),
            calendar: Set(incoming.calendar.clone()),
        }
        .insert(txn)
        .await?;
        let recipients: Vec<message_recipient::ActiveModel> = incoming
            .to
            .iter()
            .map(|m| (RecipientKind::To, m))
            .chain(incoming.cc.iter().map(|m| (RecipientKind::Cc, m)))
            .map(|(kind, mailbox)| message_recipient::ActiveModel {
                message_id: Set(message.id),
                kind: Set(kind),
                address: Set(mailbox.address.clone()),
                name: Set(mailbox.name.clone()),
                ..Default::default()
            })
            .collect();
        if !recipients.is_empty() {
            message_recipient::Entity::insert_many(recipients)
                .exec(txn)
                .await?;
        }
        if machine.is_none() {
            attach(txn, company, candidate, message.id, incoming, stored, now).await?;
        }
        let answered_interview_id = match (&reply, candidate) {
            (Some(reply), Some(candidate)) => {
                crate::interviews::invitations::record_reply(txn, company.id, candidate, reply, now)
                    .await?
            }
            _ => None,
        };
        // After the application's own message, so the thread reads in order;
        // never to a program (RFC 3834 §2).
        if let (Some((application, position)), Some(candidate)) = (
            new_application.as_ref().filter(|_| !incoming.automatic),
            candidate,
        ) {
            crate::intake::auto_reply::acknowledge(
                txn,
                settings,
                company,
                position,
                candidate,
                application,
                ApplicationSource::Email,
                now,
            )
            .await?;
        }
        Ok(Filed {
            message_id: message.id,
            candidate_id: candidate.map(|c| c.id),
            machine_kind: machine,
            new_application_id: new_application.map(|(application, _)| application.id),
            new_candidate,
            answered_interview_id,
        })
    })
}

/// The candidate the email answers or comes from, if any is known: by the
/// reply token, by the Message-IDs it answers, by the invitation a
/// calendar reply answers (its UID and attendee), else by the sender.
async fn thread_of(
    db: &impl ConnectionTrait,
    settings: &Settings,
    company: &company::Model,
    incoming: &Incoming,
    reply: Option<&calendar_reply::CalendarReply>,
) -> ApiResult<Option<Thread>> {
    let tokens = reply_tokens(settings, company, incoming);
    if !tokens.is_empty() {
        let answered = message::Entity::find()
            .filter(message::Column::CompanyId.eq(company.id))
            .filter(message::Column::ReplyToken.is_in(tokens))
            .filter(message::Column::CandidateId.is_not_null())
            .order_by_desc(message::Column::Id)
            .one(db)
            .await?;
        if let Some(thread) = thread_of_message(db, answered).await? {
            return Ok(Some(thread));
        }
    }
    if !incoming.thread_ids.is_empty() {
        // The message answered most directly wins (`In-Reply-To`, then the
        // newest of `References`), ours before one received.
        let candidates = message::Entity::find()
            .filter(message::Column::CompanyId.eq(company.id))
            .filter(message::Column::MessageIdHeader.is_in(incoming.thread_ids.iter().cloned()))
            .filter(message::Column::CandidateId.is_not_null())
            .all(db)
            .await?;
        let answered = candidates.into_iter().min_by_key(|m| {
            let rank = incoming
                .thread_ids
                .iter()
                .position(|id| m.message_id_header.as_deref() == Some(id.as_str()))
                .unwrap_or(usize::MAX);
            (rank, m.direction != MessageDirection::Outbound)
        });
        if let Some(thread) = thread_of_message(db, answered).await? {
            return Ok(Some(thread));
        }
    }
    if let Some(reply) = reply {
        let answered = calendar_reply::invitation_answered(db, company.id, reply).await?;
        if let Some(thread) = thread_of_message(db, answered).await? {
            return Ok(Some(thread));
        }
    }
    let Ok(sender) = EmailAddress::parse(&incoming.from.address) else {
        return Ok(None);
    };
    Ok(candidate::Entity::find()
        .filter(candidate::Column::CompanyId.eq(company.id))
        .filter(candidate::Column::Email.eq(sender.normalized()))
        .one(db)
        .await?
        .map(|candidate| Thread {
            candidate,
            application_id: None,
            subsidiary_id: None,
        }))
}

async fn thread_of_message(
    db: &impl ConnectionTrait,
    answered: Option<message::Model>,
) -> ApiResult<Option<Thread>> {
    let Some(answered) = answered else {
        return Ok(None);
    };
    let Some(candidate_id) = answered.candidate_id else {
        return Ok(None);
    };
    Ok(candidate::Entity::find_by_id(candidate_id)
        .filter(candidate::Column::CompanyId.eq(answered.company_id))
        .one(db)
        .await?
        .map(|candidate| Thread {
            candidate,
            application_id: answered.application_id,
            subsidiary_id: answered.subsidiary_id,
        }))
}

/// The tokens of `<slug>-jobs+<token>@<inbound domain>` addresses the email
/// was sent or delivered to: the Reply-To of our messages.
pub(super) fn reply_tokens(
    settings: &Settings,
    company: &company::Model,
    incoming: &Incoming,
) -> Vec<String> {
    let domain = settings.inbound_domain.as_str();
    incoming
        .to
        .iter()
        .chain(&incoming.cc)
        .map(|m| m.address.as_str())
        .chain(incoming.delivered_to.iter().map(String::as_str))
        .filter_map(|address| {
            let parsed = crate::companies::parse_inbound_address(address, domain)?;
            let token = parsed.token.filter(|_| parsed.slug == company.slug)?;
            let plausible = !token.is_empty()
                && token.len() <= 64
                && token.bytes().all(|b| b.is_ascii_hexdigit());
            plausible.then_some(token)
        })
        .fold(Vec::new(), |mut tokens, token| {
            if tokens.len() < MAX_TOKENS && !tokens.contains(&token) {
                tokens.push(token);
            }
            tokens
        })
}

/// Reply tokens looked up for one email; a reply carries one.
const MAX_TOKENS: usize = 20;

/// A sender the company does not know yet who applies for `position`: a
/// new candidate with an application by email.
async fn applicant(
    db: &sea_orm::DatabaseTransaction,
    company: &company::Model,
    incoming: &Incoming,
    position: position::Model,
    now: DateTime<Utc>,
) -> ApiResult<(Thread, (application::Model, position::Model))> {
    let email = EmailAddress::parse(&incoming.from.address).map_err(|_| {
        ApiError::validation(
            "message.from",
            format!(
                "the sender `{}` is not an address a candidate can be written to",
                incoming.from.address.chars().take(100).collect::<String>()
            ),
        )
    })?;
    let (first_name, last_name) = names(&incoming.from, &email);
    // Not `candidates::insert`: a name read from an email may lack a last name.
    let candidate = candidate::ActiveModel {
        company_id: Set(company.id),
        first_name: Set(first_name),
        last_name: Set(last_name),
        email: Set(email.normalized()),
        // Nothing in an email tells; neutral forms are used.
        gender: Set(Gender::Unknown),
        preferred_language: Set(None),
        phone: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| ApiError::from_write(e, "a candidate with this email address"))?;
    crate::events::append(db, vec![crate::candidates::created_event(&candidate)], now).await?;
    let application = application::ActiveModel {
        company_id: Set(company.id),
        candidate_id: Set(candidate.id),
        position_id: Set(position.id),
        source: Set(ApplicationSource::Email),
        status: Set(ApplicationStatus::New),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| ApiError::from_write(e, "an application of this candidate to this position"))?;
    crate::events::append(
        db,
        vec![crate::applications::created_event(&application)],
        now,
    )
    .await?;
    let thread = Thread {
        candidate,
        application_id: Some(application.id),
        subsidiary_id: Some(position.subsidiary_id),
    };
    Ok((thread, (application, position)))
}

/// The open position whose name the subject contains; the longest such
/// name when several do ("Java Developer" over "Developer").
async fn position_named(
    db: &impl ConnectionTrait,
    company: &company::Model,
    subject: &str,
) -> ApiResult<Option<position::Model>> {
    let subject = subject.to_lowercase();
    if subject.trim().is_empty() {
        return Ok(None);
    }
    let open = position::Entity::find()
        .filter(position::Column::CompanyId.eq(company.id))
        .filter(position::Column::Status.eq(PositionStatus::Open))
        .all(db)
        .await?;
    Ok(open
        .into_iter()
        .filter(|p| names_whole(&subject, &p.name.trim().to_lowercase()))
        .max_by_key(|p| (p.name.trim().chars().count(), std::cmp::Reverse(p.id))))
}

/// Whether `name` stands in `text` as whole words: "QA" is in "QA engineer"
/// but not in "aquaQA" or "QAnon".
fn names_whole(text: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// First and last name from the display name (`Ada Lovelace`,
/// `Lovelace, Ada`), else the address's local part as the first name.
fn names(from: &Mailbox, email: &EmailAddress) -> (String, String) {
    let clean = |s: &str| Name::parse(s).ok().map(Name::into_inner);
    if let Some(name) = from.name.as_deref().map(str::trim) {
        let (first, last) = match name.split_once(',') {
            Some((last, first)) => (first.trim(), last.trim()),
            None => name.rsplit_once(' ').unwrap_or((name, "")),
        };
        if let Some(first) = clean(first) {
            return (first, clean(last).unwrap_or_default());
        }
    }
    let local = email.as_str().split('@').next().unwrap_or_default();
    (
        clean(local).unwrap_or_else(|| "Unknown".to_owned()),
        String::new(),
    )
}

/// The email's attachments as the candidate's documents (or, for mail set
/// aside, documents of no candidate yet), attached to the message in their
/// order.
async fn attach(
    db: &impl ConnectionTrait,
    company: &company::Model,
    candidate: Option<&candidate::Model>,
    message_id: i64,
    incoming: &Incoming,
    stored: &[StoredBlob],
    now: DateTime<Utc>,
) -> ApiResult<()> {
    if stored.is_empty() {
        return Ok(());
    }
    let category_id = crate::intake::category_for(db, company.id, FileKind::Other, now).await?;
    for (position, (attachment, blob)) in (0..).zip(incoming.attachments.iter().zip(stored)) {
        let received = ReceivedFile {
            company_id: company.id,
            candidate_id: candidate.map(|c| c.id),
            category_id,
            file_name: attachment.file_name.clone(),
            content_type: attachment.content_type.clone(),
            blob,
            source: entity::enums::DocumentSource::Inbound,
        };
        let document = crate::documents::file_received(db, received, now).await?;
        message_attachment::ActiveModel {
            message_id: Set(message_id),
            document_id: Set(document.id),
            position: Set(position),
            content_id: Set(attachment.content_id.clone()),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailbox(name: Option<&str>) -> Mailbox {
        Mailbox {
            address: "ada.l@example.org".into(),
            name: name.map(str::to_owned),
        }
    }

    #[test]
    fn positions_are_named_by_whole_words() {
        assert!(names_whole(
            "application: qa engineer (ref 3)",
            "qa engineer"
        ));
        assert!(names_whole("bewerbung als qa", "qa"));
        assert!(names_whole("it", "it"));
        assert!(!names_whole("invitation to the international fair", "it"));
        assert!(!names_whole("internship", "intern"));
        assert!(!names_whole("anything", ""));
        assert!(names_whole("für köln-süd", "köln-süd"));
    }

    #[test]
    fn names_come_from_the_display_name_or_the_address() {
        let email = EmailAddress::parse("ada.l@example.org").expect("valid");
        let cases = [
            (Some("Ada Lovelace"), ("Ada", "Lovelace")),
            (Some("Ada King Lovelace"), ("Ada King", "Lovelace")),
            (Some("Lovelace, Ada"), ("Ada", "Lovelace")),
            (Some("Ada"), ("Ada", "")),
            (None, ("ada.l", "")),
            (Some("   "), ("ada.l", "")),
        ];
        for (name, (first, last)) in cases {
            assert_eq!(
                names(&mailbox(name), &email),
                (first.to_owned(), last.to_owned()),
                "{name:?}"
            );
        }
    }
}
