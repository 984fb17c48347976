//! What a report about one of our messages does: a bounce marks it
//! BOUNCED, a feedback-loop complaint (RFC 5965) flags its candidate as
//! having complained and puts their address on the do-not-contact list.
//!
//! The message is found only among the company's own (the one whose
//! inbound address received the report), in this order: by the Message-ID
//! of the returned original, by our reply token (in the address the report
//! was sent to, or in the returned headers), and for a bounce by a failed
//! recipient that one of our recent messages was sent to. A Message-ID of
//! another company's message matches nothing here.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{
    DoNotContactReason, MachineMailKind, MessageDirection, MessageStatus, RecipientKind,
};
use entity::{candidate, company, message, message_recipient};
use sea_orm::sea_query::{Expr, ExprTrait as _, Func};
use sea_orm::{
    ColumnTrait as _, DatabaseTransaction, EntityTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _, QueryTrait as _,
};

use super::Outcome;
use super::incoming::Incoming;
use crate::error::ApiResult;
use crate::settings::Settings;

/// How far back a failed recipient is matched with the messages we sent
/// them: bounces come back within the days a server retries (RFC 5321
/// §4.5.4.1 suggests giving up after 4–5 days).
const RECENT_DAYS: i64 = 7;
/// Longest reason kept for a bounce told in plain text.
const MAX_REASON_CHARS: usize = 500;

/// Acts on a report about one of the company's messages; `None` when it is
/// about none of them (the caller sets it aside).
pub(super) async fn act(
    txn: &DatabaseTransaction,
    settings: &Settings,
    company: &company::Model,
    incoming: &Incoming,
    kind: MachineMailKind,
    now: DateTime<Utc>,
) -> ApiResult<Option<Outcome>> {
    match kind {
        MachineMailKind::DeliveryReport => bounce(txn, settings, company, incoming, now).await,
        MachineMailKind::FeedbackReport => complaint(txn, settings, company, incoming, now).await,
        _ => Ok(None),
    }
}

async fn bounce(
    txn: &DatabaseTransaction,
    settings: &Settings,
    company: &company::Model,
    incoming: &Incoming,
    now: DateTime<Utc>,
) -> ApiResult<Option<Outcome>> {
    let machine = &incoming.machine;
    let structured: Vec<String> = incoming
        .report
        .iter()
        .flat_map(|r| &r.failures)
        .map(|f| f.recipient.to_lowercase())
        .collect();
    // A report that names the returned message by Message-ID is about that
    // message only: when it is not one of ours (another company's, say),
    // the recipient does not make it about one of ours.
    let names_original = !machine.original_ids.is_empty()
        || incoming
            .report
            .as_ref()
            .is_some_and(|r| r.original_message_id.is_some());
    let ours = match ours(txn, settings, company, incoming).await? {
        Some(ours) => ours,
        None if names_original
            || machine.delay_only
            || incoming.report.is_some() && structured.is_empty() =>
        {
            return Ok(None);
        }
        None => {
            let failed = if incoming.report.is_some() {
                &structured
            } else {
                &machine.addresses
            };
            match recently_sent_to(txn, company, failed, now).await? {
                Some(ours) => ours,
                None => return Ok(None),
            }
        }
    };
    // A report can only be about mail that left; one about a message we
    // still hold (a forged or confused report) changes nothing. A colleague
    // in Cc who could not be reached does not make the message bounce.
    let left = matches!(ours.status, MessageStatus::Sent | MessageStatus::Bounced);
    let addressees = addressees(txn, ours.id).await?;
    // An RFC 3464 report says which recipients failed; a bounce in plain
    // text names them somewhere in its text.
    let failed = if incoming.report.is_some() {
        &structured
    } else {
        &machine.addresses
    };
    let failed_addressee = !machine.delay_only && failed.iter().any(|f| addressees.contains(f));
    if !failed_addressee || !left {
        return Ok(Some(Outcome::Report {
            message_id: ours.id,
            bounced: ours.status == MessageStatus::Bounced,
        }));
    }
    let reason = match &incoming.report {
        Some(report) => report.reason(),
        None => plain_reason(incoming),
    };
    crate::mail::message_state::bounce(txn, &ours, reason, now).await?;
    Ok(Some(Outcome::Report {
        message_id: ours.id,
        bounced: true,
    }))
}

/// RFC 5965: the complaint returns the message complained about; its
/// candidate is flagged once (the first complaint's time is kept).
async fn complaint(
    txn: &DatabaseTransaction,
    settings: &Settings,
    company: &company::Model,
    incoming: &Incoming,
    now: DateTime<Utc>,
) -> ApiResult<Option<Outcome>> {
    let Some(ours) = ours(txn, settings, company, incoming).await? else {
        return Ok(None);
    };
    // A participant's copy went to an employee, not to the candidate.
    let Some(candidate_id) = ours
        .candidate_id
        .filter(|_| ours.participant_user_id.is_none())
    else {
        return Ok(None);
    };
    candidate::Entity::update_many()
        .col_expr(candidate::Column::ComplainedAt, Expr::value(Some(now)))
        .filter(candidate::Column::Id.eq(candidate_id))
        .filter(candidate::Column::CompanyId.eq(company.id))
        .filter(candidate::Column::ComplainedAt.is_null())
        .exec(txn)
        .await?;
    // Whoever calls our mail spam is not written to again, not even alone,
    // until they apply anew (see `do_not_contact`).
    if let Some(complained) = candidate::Entity::find_by_id(candidate_id)
        .filter(candidate::Column::CompanyId.eq(company.id))
        .one(txn)
        .await?
    {
        crate::do_not_contact::add(
            txn,
            &settings.secret_key,
            company.id,
            &complained.email,
            DoNotContactReason::Complaint,
            None,
            now,
        )
        .await?;
    }
    Ok(Some(Outcome::Complaint {
        message_id: ours.id,
        candidate_id,
    }))
}

/// Our message the report names by Message-ID or by reply token.
async fn ours(
    txn: &DatabaseTransaction,
    settings: &Settings,
    company: &company::Model,
    incoming: &Incoming,
) -> ApiResult<Option<message::Model>> {
    let mut ids: Vec<String> = incoming
        .report
        .iter()
        .filter_map(|r| r.original_message_id.clone())
        .collect();
    for id in &incoming.machine.original_ids {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    if !ids.is_empty() {
        let found = outbound(company)
            .filter(message::Column::MessageIdHeader.is_in(ids.iter().cloned()))
            .all(txn)
            .await?;
        // The first one the report names: the returned original comes
        // before anything it quotes.
        let first = ids.iter().find_map(|id| {
            found
                .iter()
                .find(|m| m.message_id_header.as_deref() == Some(id.as_str()))
        });
        if let Some(first) = first {
            return Ok(Some(first.clone()));
        }
    }
    let mut tokens = super::filing::reply_tokens(settings, company, incoming);
    for token in tokens_in(&incoming.machine.text, company, settings) {
        if !tokens.contains(&token) {
            tokens.push(token);
        }
    }
    if tokens.is_empty() {
        return Ok(None);
    }
    Ok(outbound(company)
        .filter(message::Column::ReplyToken.is_in(tokens))
        .order_by_desc(message::Column::Id)
        .one(txn)
        .await?)
}

/// The company's messages that went out to candidates.
fn outbound(company: &company::Model) -> sea_orm::Select<message::Entity> {
    message::Entity::find()
        .filter(message::Column::CompanyId.eq(company.id))
        .filter(message::Column::Direction.eq(MessageDirection::Outbound))
}

/// The newest message the company sent in the last days to one of `failed`
/// as its To recipient.
async fn recently_sent_to(
    txn: &DatabaseTransaction,
    company: &company::Model,
    failed: &[String],
    now: DateTime<Utc>,
) -> ApiResult<Option<message::Model>> {
    if failed.is_empty() {
        return Ok(None);
    }
    let to_them = message_recipient::Entity::find()
        .select_only()
        .column(message_recipient::Column::MessageId)
        .filter(message_recipient::Column::Kind.eq(RecipientKind::To))
        .filter(
            Expr::expr(Func::lower(Expr::col(message_recipient::Column::Address)))
                .is_in(failed.iter().cloned()),
        )
        .into_query();
    Ok(outbound(company)
        .filter(message::Column::Status.is_in([MessageStatus::Sent, MessageStatus::Bounced]))
        .filter(message::Column::SentAt.gte(now - Duration::days(RECENT_DAYS)))
        .filter(message::Column::Id.in_subquery(to_them))
        .order_by_desc(message::Column::Id)
        .one(txn)
        .await?)
}

/// The To addresses of a message, lower-cased.
async fn addressees(txn: &DatabaseTransaction, message_id: i64) -> ApiResult<Vec<String>> {
    Ok(message_recipient::Entity::find()
        .filter(message_recipient::Column::MessageId.eq(message_id))
        .filter(message_recipient::Column::Kind.eq(RecipientKind::To))
        .all(txn)
        .await?
        .into_iter()
        .map(|r| r.address.to_lowercase())
        .collect())
}

/// Reply tokens of the company's `<slug>-jobs+<token>@<domain>` addresses
/// in a report's text: the returned headers carry our Reply-To.
fn tokens_in(text: &str, company: &company::Model, settings: &Settings) -> Vec<String> {
    let prefix = format!("{}-jobs+", company.slug).to_lowercase();
    let domain = format!("@{}", settings.inbound_domain.as_str()).to_lowercase();
    let lower = text.to_lowercase();
    let mut tokens = Vec::new();
    for (at, _) in lower.match_indices(&prefix) {
        let rest = &lower[at + prefix.len()..];
        let token: String = rest
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .take(65)
            .collect();
        if !token.is_empty()
            && token.len() <= 64
            && rest[token.len()..].starts_with(&domain)
            && !tokens.contains(&token)
            && tokens.len() < 20
        {
            tokens.push(token);
        }
    }
    tokens
}

/// The first lines of a plain-text bounce, for the message's `lastError`.
fn plain_reason(incoming: &Incoming) -> String {
    let words: Vec<&str> = incoming.text_body.split_whitespace().collect();
    format!("bounced: {}", words.join(" "))
        .chars()
        .take(MAX_REASON_CHARS)
        .collect()
}
