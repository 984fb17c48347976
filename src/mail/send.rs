//! Sending email to one or many candidates: each message is rendered for its
//! candidate now (what was previewed is what is sent) and written to the
//! outbox in one transaction with the others.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{DateTime, Utc};
use entity::{company, document, email_batch, message, subsidiary};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _,
    QuerySelect as _, Set,
};

use super::outbox::{Addressee, NewMessage, Threading};
use super::{bulk_copies, message_state};
use crate::access::{Actor, Section};
use crate::audit::{self, Change};
use crate::domain::EmailAddress;
pub use crate::email_templates::Content;
use crate::email_templates::{
    self, Addressees, Template, load_contexts, render_error, sender_signature,
};
use crate::error::{ApiError, ApiResult};
use crate::languages::Language;
use crate::settings::Settings;
use crate::templates::Compiled;
use crate::{companies, do_not_contact, documents};

/// Messages rendered before they are written: bounds memory in a large send.
const RENDER_CHUNK: usize = 500;
/// Most candidates one send may address.
pub const MAX_RECIPIENTS: usize = 10_000;
/// Most documents chosen for one send, besides the template's.
pub const MAX_ATTACHMENTS: usize = 20;
/// Most CC or BCC addresses on one message.
pub const MAX_COPIES: usize = 20;
/// How far ahead a message may be scheduled.
const MAX_SCHEDULE_DAYS: i64 = 366;

/// Who receives the message: one per candidate.
#[derive(Debug)]
pub enum Targets {
    Candidates(Vec<i64>),
    /// Each application's candidate, about that application's position.
    Applications(Vec<i64>),
}

/// A validated send.
#[derive(Debug)]
pub struct SendRequest {
    pub targets: Targets,
    pub content: Content,
    pub cc: Vec<EmailAddress>,
    pub bcc: Vec<EmailAddress>,
    /// Documents to attach besides the template's own.
    pub attachment_ids: Vec<i64>,
    pub scheduled_at: Option<DateTime<Utc>>,
    /// A retried mutation with the same key returns the first result.
    pub idempotency_key: Option<String>,
    /// The message of the candidate's thread this one answers.
    pub in_reply_to: Option<i64>,
}

/// What a send created.
#[derive(Debug)]
pub enum Sent {
    One(Box<message::Model>),
    Batch(email_batch::Model),
}

/// Renders and enqueues one message per target.
pub async fn send(
    db: &impl crate::db::Writable,
    actor: &Actor,
    settings: &Settings,
    request: SendRequest,
    now: DateTime<Utc>,
) -> ApiResult<Sent> {
    let count = match &request.targets {
        Targets::Candidates(ids) | Targets::Applications(ids) => ids.len(),
    };
    check_request(actor, &request, count, now)?;
    if let Some(key) = &request.idempotency_key
        && let Some(earlier) = earlier_send(db, actor, key).await?
    {
        return Ok(earlier);
    }

    crate::db::write_transaction!(db, |txn| {
        let template = match &request.content {
            Content::Template(id) => Some(template_for_sending(txn, actor, *id).await?),
            Content::Free { .. } => None,
        };
        let free = match &request.content {
            Content::Free { subject, body } => Some(Content::compile_free(subject, body)?),
            Content::Template(_) => None,
        };
        let addressees = match &request.targets {
            Targets::Candidates(ids) => Addressees::Candidates(ids),
            Targets::Applications(ids) => Addressees::Applications(ids),
        };
        let mut contexts = load_contexts(txn, actor, addressees).await?;
        let only_candidate = match contexts.as_slice() {
            [one] => Some(one.candidate.id),
            _ => None,
        };
        let bulk = contexts.len() > 1;
        // A bulk send leaves out whoever reported our mail as spam: more
        // of it would hurt every sender of the company with their mail
        // provider. A message written to them alone still goes.
        let mut skipped: Vec<Skipped> = Vec::new();
        if bulk {
            leave_out(&mut contexts, &mut skipped, SkipReason::Complained, |c| {
                c.candidate.complained_at.is_some()
            });
        }
        let about_applications = matches!(request.targets, Targets::Applications(_));
        leave_out_do_not_contact(
            txn,
            actor,
            settings,
            &mut contexts,
            (bulk, about_applications),
            &mut skipped,
        )
        .await?;
        crate::scheduling::links::fill_urls(txn, settings, &mut contexts, now).await?;
        crate::privacy::links::fill_urls(settings, &mut contexts);
        let threading = match request.in_reply_to {
            Some(id) => Some(threading(txn, actor, id, only_candidate).await?),
            None => None,
        };
        let attachments = attachments(
            txn,
            actor,
            settings,
            &request.attachment_ids,
            template.as_ref(),
            only_candidate,
        )
        .await?;
        let company = company::Entity::find_by_id(actor.company_id)
            .one(txn)
            .await?
            .ok_or(ApiError::NotFound("company"))?;
        let batch = if bulk {
            Some(
                email_batch::ActiveModel {
                    company_id: Set(actor.company_id),
                    created_by_id: Set(Some(actor.user_id)),
                    idempotency_key: Set(request.idempotency_key.clone()),
                    total: Set(i32::try_from(contexts.len()).unwrap_or(i32::MAX)),
                    skipped: Set((!skipped.is_empty())
                        .then(|| serde_json::to_string(&skipped))
                        .transpose()
                        .map_err(|e| ApiError::Internal(e.into()))?),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await
                .map_err(|e| ApiError::from_write(e, "a send with this idempotency key"))?,
            )
        } else {
            None
        };

        // A bulk send's CC and BCC get one summary copy (see `bulk_copies`).
        let mut summary_of =
            (batch.is_some() && !(request.cc.is_empty() && request.bcc.is_empty())).then(|| {
                contexts
                    .iter()
                    .map(|c| Addressee::candidate(&c.candidate))
                    .collect::<Vec<_>>()
            });
        let (cc, bcc) = if batch.is_some() {
            (Vec::new(), Vec::new())
        } else {
            (copies(&request.cc), copies(&request.bcc))
        };
        let domain = settings.inbound_domain.as_str();
        let mut pending = Vec::with_capacity(RENDER_CHUNK);
        let mut compiled: HashMap<i64, Compiled> = HashMap::new();
        let mut signature = None;
        let mut last = None;
        for context in contexts {
            if signature.is_none() {
                signature = Some(sender_signature(&context.sender));
            }
            let signature = signature.as_ref().and_then(Option::as_ref);
            let (rendered, template_id) = match (&template, &free) {
                (Some(template), _) => {
                    let variant = template.variant_for(&context)?;
                    let compiled = match compiled.entry(variant.id) {
                        Entry::Occupied(found) => found.into_mut(),
                        Entry::Vacant(slot) => slot.insert(template.compile(variant)?),
                    };
                    let values = context.values(&variant.language, now.date_naive());
                    let rendered = compiled.render(&values, signature).map_err(render_error)?;
                    (rendered, Some(template.row.id))
                }
                (None, Some(free)) => {
                    let values = context.values(context.language(), now.date_naive());
                    (free.render(&values, signature).map_err(render_error)?, None)
                }
                (None, None) => return Err(anyhow::anyhow!("a send without content").into()),
            };
            if rendered.missing.contains(&"scheduling_link") {
                let field = if template_id.is_some() {
                    "templateId"
                } else {
                    "body"
                };
                return Err(crate::scheduling::links::missing_link(field, &context));
            }
            let message = NewMessage {
                company_id: actor.company_id,
                candidate_id: Some(context.candidate.id),
                application_id: context.application.as_ref().map(|a| a.id),
                subsidiary_id: context.subsidiary.as_ref().map(|s| s.id),
                sender_user_id: Some(actor.user_id),
                template_id,
                batch_id: batch.as_ref().map(|b| b.id),
                interview_id: None,
                subject: rendered.subject,
                text_body: rendered.text,
                html_body: Some(rendered.html),
                from: sender_address(&company, context.subsidiary.as_deref(), settings),
                to: vec![Addressee::candidate(&context.candidate)],
                cc: cc.clone(),
                bcc: bcc.clone(),
                attachment_ids: attachments.clone(),
                scheduled_at: request.scheduled_at,
                idempotency_key: if batch.is_none() {
                    request.idempotency_key.clone()
                } else {
                    None
                },
                calendar: None,
                auto_reply: false,
                threading: threading.clone(),
                participant_user_id: None,
            };
            let copy = summary_of.take().map(|recipients| {
                bulk_copies::summary(
                    &message,
                    &recipients,
                    copies(&request.cc),
                    copies(&request.bcc),
                    &Language::resolve(None, &company.default_language),
                )
            });
            pending.push(message);
            pending.extend(copy);
            if pending.len() >= RENDER_CHUNK {
                last = message_state::enqueue(txn, std::mem::take(&mut pending), domain, now)
                    .await?
                    .pop()
                    .or(last);
            }
        }
        if !pending.is_empty() {
            last = message_state::enqueue(txn, pending, domain, now)
                .await?
                .pop()
                .or(last);
        }
        let template_id = template.as_ref().map(|t| t.row.id);
        let change = match (&batch, &last) {
            (Some(batch), _) => Change::new("email_batch.sent")
                .on("EmailBatch", batch.id)
                .with("messages", batch.total)
                .with("skipped", skipped.len()),
            (None, Some(message)) => Change::new("message.sent")
                .on("Message", message.id)
                .with("candidateId", message.candidate_id),
            (None, None) => Change::new("message.sent"),
        };
        if batch.is_some() || last.is_some() {
            let change = change
                .with("templateId", template_id)
                .with("attachments", attachments.len())
                .with(
                    "scheduledAt",
                    request.scheduled_at.map(|at| at.to_rfc3339()),
                );
            audit::record(txn, actor.company_id, Some(actor), change, now).await?;
        }
        match (batch, last) {
            (Some(batch), _) => Ok(Sent::Batch(batch)),
            (None, Some(message)) => Ok(Sent::One(Box::new(message))),
            (None, None) => Err(ApiError::validation(
                "candidateIds",
                "no candidate to send to",
            )),
        }
    })
}

/// Refuses a single message to a candidate on the do-not-contact list, and
/// leaves such candidates out of a bulk send. A message sent about an
/// application they made after being listed goes (see `do_not_contact`);
/// one sent to the candidate is not about an application they chose, even
/// though it is filed with their latest one, so it stays refused.
async fn leave_out_do_not_contact(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    settings: &Settings,
    contexts: &mut Vec<email_templates::MessageContext>,
    (bulk, about_applications): (bool, bool),
    skipped: &mut Vec<Skipped>,
) -> ApiResult<()> {
    let listed = do_not_contact::of_candidates(
        txn,
        &settings.secret_key,
        actor.company_id,
        contexts.iter().map(|c| &c.candidate),
    )
    .await?;
    let refused = |context: &email_templates::MessageContext| {
        listed.get(&context.candidate.id).filter(|entry| {
            let application = context.application.as_ref().filter(|_| about_applications);
            !do_not_contact::lifted_for(entry, application)
        })
    };
    if !bulk {
        return match contexts.iter().find_map(refused) {
            Some(entry) => Err(ApiError::DoNotContact(do_not_contact::Refusal {
                reason: entry.reason,
            })),
            None => Ok(()),
        };
    }
    leave_out(contexts, skipped, SkipReason::DoNotContact, |c| {
        refused(c).is_some()
    });
    Ok(())
}

/// Takes out of a bulk send the messages `left_out` picks, naming each of
/// their candidates once in `skipped`, with `reason`.
fn leave_out(
    contexts: &mut Vec<email_templates::MessageContext>,
    skipped: &mut Vec<Skipped>,
    reason: SkipReason,
    left_out: impl Fn(&email_templates::MessageContext) -> bool,
) {
    contexts.retain(|context| {
        if !left_out(context) {
            return true;
        }
        if !skipped
            .iter()
            .any(|s| s.candidate_id == context.candidate.id)
        {
            skipped.push(Skipped {
                candidate_id: context.candidate.id,
                reason,
            });
        }
        false
    });
}

/// Why a bulk send left a candidate out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SkipReason {
    /// They complained about our mail (`candidates.complained_at`).
    Complained,
    /// Their address is on the company's do-not-contact list.
    DoNotContact,
}

/// A candidate a bulk send left out, as `email_batches.skipped` keeps it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    pub candidate_id: i64,
    pub reason: SkipReason,
}

/// The candidates `batch` left out; nothing when none (or the stored list
/// cannot be read, which only a hand-edited row could cause).
pub fn skipped_of(batch: &email_batch::Model) -> Vec<Skipped> {
    batch
        .skipped
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default()
}

/// Most Message-IDs carried in `References`: the newest, as RFC 5322
/// §3.6.4 lets a long chain be shortened.
const MAX_REFERENCES: usize = 20;

/// The `In-Reply-To` and `References` of an answer to `message_id`, a
/// message of the one candidate addressed (RFC 5322 §3.6.4).
async fn threading(
    db: &impl ConnectionTrait,
    actor: &Actor,
    message_id: i64,
    only_candidate: Option<i64>,
) -> ApiResult<Threading> {
    let Some(candidate) = only_candidate else {
        return Err(ApiError::validation(
            "inReplyToId",
            "a reply goes to one candidate",
        ));
    };
    let answered = super::messages::find(db, actor, message_id).await?;
    let header = answered
        .message_id_header
        .clone()
        .filter(|_| answered.candidate_id == Some(candidate))
        .ok_or_else(|| {
            ApiError::validation(
                "inReplyToId",
                "the message is not in this candidate's thread",
            )
        })?;
    let mut chain: Vec<&str> = answered
        .references_header
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .filter(|id| id.starts_with('<') && id.ends_with('>'))
        .collect();
    if chain.last() != Some(&header.as_str()) {
        chain.push(&header);
    }
    let keep = chain.len().saturating_sub(MAX_REFERENCES);
    Ok(Threading {
        references: chain[keep..].join(" "),
        in_reply_to: header,
    })
}

fn check_request(
    actor: &Actor,
    request: &SendRequest,
    count: usize,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let field = match request.targets {
        Targets::Candidates(_) => "candidateIds",
        Targets::Applications(_) => "applicationIds",
    };
    if count == 0 {
        return Err(ApiError::validation(field, "name at least one recipient"));
    }
    if count > MAX_RECIPIENTS {
        return Err(ApiError::validation(
            field,
            format!("at most {MAX_RECIPIENTS} recipients per send"),
        ));
    }
    if count > 1 && !actor.can(Section::BulkEmail) {
        return Err(ApiError::forbidden(
            "access to the BULK_EMAIL section is required to email several candidates",
        ));
    }
    for (copies, field) in [(&request.cc, "cc"), (&request.bcc, "bcc")] {
        if copies.len() > MAX_COPIES {
            return Err(ApiError::validation(
                field,
                format!("at most {MAX_COPIES} addresses"),
            ));
        }
    }
    if let Some(at) = request.scheduled_at {
        check_schedule_horizon(at, now)?;
    }
    if let Some(key) = &request.idempotency_key {
        check_idempotency_key(key)?;
    }
    Ok(())
}

/// A message is scheduled at most a year ahead.
pub(crate) fn check_schedule_horizon(at: DateTime<Utc>, now: DateTime<Utc>) -> ApiResult<()> {
    if at > now + chrono::Duration::days(MAX_SCHEDULE_DAYS) {
        return Err(ApiError::validation(
            "scheduledAt",
            "a message can be scheduled at most a year ahead",
        ));
    }
    Ok(())
}

pub(crate) fn check_idempotency_key(key: &str) -> ApiResult<()> {
    if key.is_empty() || key.chars().count() > 200 {
        return Err(ApiError::validation(
            "idempotencyKey",
            "an idempotency key has 1 to 200 characters",
        ));
    }
    Ok(())
}

/// The result of an earlier send with the same idempotency key.
pub(crate) async fn earlier_send(
    db: &impl ConnectionTrait,
    actor: &Actor,
    key: &str,
) -> ApiResult<Option<Sent>> {
    // A key belongs to the user who sent with it: another user's key finds
    // nothing here (and their earlier send is not revealed).
    if let Some(batch) = email_batch::Entity::find()
        .filter(email_batch::Column::CompanyId.eq(actor.company_id))
        .filter(email_batch::Column::CreatedById.eq(actor.user_id))
        .filter(email_batch::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?
    {
        return Ok(Some(Sent::Batch(batch)));
    }
    Ok(message::Entity::find()
        .filter(message::Column::CompanyId.eq(actor.company_id))
        .filter(message::Column::SenderUserId.eq(actor.user_id))
        .filter(message::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?
        .map(|m| Sent::One(Box::new(m))))
}

/// The template, if the actor may read it, held with a shared lock so it
/// cannot be deleted while messages from it are being scheduled.
pub(crate) async fn template_for_sending(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<Template> {
    locked_template(db, email_templates::visible(actor), id).await
}

/// A template chosen earlier for a message that is now written again (an
/// interview moved): whoever moves the interview, the candidate keeps getting
/// the wording the sender chose, and its text goes to no one new.
pub(crate) async fn kept_template(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<Template> {
    locked_template(db, email_templates::of_company(actor.company_id), id).await
}

async fn locked_template(
    db: &impl ConnectionTrait,
    templates: sea_orm::Select<entity::email_template::Entity>,
    id: i64,
) -> ApiResult<Template> {
    let row = templates
        .filter(entity::email_template::Column::Id.eq(id))
        .lock_shared()
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("email template"))?;
    email_templates::complete(db, vec![row])
        .await?
        .pop()
        .ok_or(ApiError::NotFound("email template"))
}

/// The documents to attach (the template's, then the chosen ones), checked
/// against the size limit as a whole.
pub(crate) async fn attachments(
    db: &impl ConnectionTrait,
    actor: &Actor,
    settings: &Settings,
    attachment_ids: &[i64],
    template: Option<&Template>,
    only_candidate: Option<i64>,
) -> ApiResult<Vec<i64>> {
    let mut chosen: Vec<document::Model> =
        template.map(|t| t.documents.clone()).unwrap_or_default();
    for (i, id) in attachment_ids.iter().enumerate() {
        if chosen.iter().any(|d| d.id == *id) {
            continue;
        }
        let document = documents::find(db, actor, *id).await?;
        // A candidate's own documents go back to that candidate only, never
        // to other candidates of a bulk send.
        if document
            .candidate_id
            .is_some_and(|owner| Some(owner) != only_candidate)
        {
            return Err(ApiError::validation(
                format!("attachmentIds.{i}"),
                "a candidate's document can only be sent to that candidate",
            ));
        }
        chosen.push(document);
    }
    let total: i64 = chosen.iter().map(|d| d.size_bytes).sum();
    let limit = settings.max_attachment_bytes;
    if total > i64::try_from(limit).unwrap_or(i64::MAX) {
        return Err(ApiError::PayloadTooLarge(format!(
            "the attachments total {} bytes; a message may carry at most {limit} bytes",
            total
        )));
    }
    Ok(chosen.into_iter().map(|d| d.id).collect())
}

/// The sender: the subsidiary's own address when it has one, else the
/// company's recruiting address.
pub(crate) fn sender_address(
    company: &company::Model,
    subsidiary: Option<&subsidiary::Model>,
    settings: &Settings,
) -> Addressee {
    match subsidiary.and_then(|s| s.email_address.clone().map(|a| (s, a))) {
        Some((s, address)) => Addressee {
            address,
            name: s
                .email_display_name
                .clone()
                .or_else(|| Some(company.name.clone())),
        },
        None => Addressee {
            address: companies::inbound_address(&company.slug, settings.inbound_domain.as_str()),
            name: Some(company.name.clone()),
        },
    }
}

pub(crate) fn copies(list: &[EmailAddress]) -> Vec<Addressee> {
    list.iter()
        .map(|a| Addressee {
            address: a.as_str().to_owned(),
            name: None,
        })
        .collect()
}
