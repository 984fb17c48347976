//! Automatic acknowledgements: each recruiting category decides
//! whether applications from the online form and/or by email are answered,
//! with which template and in whose name.

use chrono::{DateTime, Utc};
use entity::enums::ApplicationSource;
use entity::{application, candidate, company, message, position, recruiting_category, user};
use sea_orm::{
    ActiveModelTrait as _, ConnectionTrait, EntityTrait as _, IntoActiveModel as _, Set,
};

use crate::access::Actor;
use crate::audit;
use crate::email_templates::{self, load_context, render_error, sender_signature};
use crate::error::{ApiError, ApiResult};
use crate::mail::message_state;
use crate::mail::outbox::{Addressee, NewMessage};
use crate::mail::send;
use crate::settings::Settings;
use crate::{organisation, people};

/// A change of a category's automatic reply; `None` leaves a field.
#[derive(Debug, Default, Clone)]
pub struct AutoReplyChange {
    pub online_applications: Option<bool>,
    pub email_applications: Option<bool>,
    /// `Some(None)` removes the template.
    pub template_id: Option<Option<i64>>,
    pub sender_id: Option<Option<i64>>,
}

/// Changes a category's automatic reply. The template must exist and need no
/// interview; the sender must be an active user with a signature, since the
/// reply is signed in their name; an enabled reply needs both.
pub async fn update(
    db: &impl crate::db::Writable,
    actor: &Actor,
    category_id: i64,
    change: AutoReplyChange,
) -> ApiResult<recruiting_category::Model> {
    crate::db::write_transaction!(db, |txn| {
        let found = organisation::find_category(txn, actor, category_id).await?;
        let before = audited(&found);
        let saved = save(txn, actor, found, change.clone()).await?;
        audit::setting_changed(
            txn,
            actor,
            "auto_reply.updated",
            ("Category", saved.id),
            before,
            audited(&saved),
        )
        .await?;
        Ok(saved)
    })
}

/// A category's automatic reply as the audit trail records it.
fn audited(row: &recruiting_category::Model) -> serde_json::Value {
    serde_json::json!({
        "onlineApplications": row.auto_reply_online,
        "emailApplications": row.auto_reply_email,
        "templateId": row.auto_reply_template_id,
        "senderId": row.auto_reply_sender_id,
    })
}

async fn save(
    db: &impl ConnectionTrait,
    actor: &Actor,
    found: recruiting_category::Model,
    change: AutoReplyChange,
) -> ApiResult<recruiting_category::Model> {
    let template_id = change.template_id.unwrap_or(found.auto_reply_template_id);
    let sender_id = change.sender_id.unwrap_or(found.auto_reply_sender_id);
    let online = change
        .online_applications
        .unwrap_or(found.auto_reply_online);
    let email = change.email_applications.unwrap_or(found.auto_reply_email);
    // What is saved was checked when saved; it is checked again when it is
    // used for replies from now on, but never stands in the way of turning
    // replies off.
    let enabled = online || email;
    let check_template = change.template_id.is_some() || enabled;
    let check_sender = change.sender_id.is_some() || enabled;
    if let Some(id) = template_id.filter(|_| check_template) {
        let template = match email_templates::find(db, actor, id).await {
            Ok(template) => template,
            Err(ApiError::NotFound(_)) => {
                return Err(ApiError::validation(
                    "templateId",
                    "there is no email template with this ID",
                ));
            }
            Err(other) => return Err(other),
        };
        if template.row.interview_related {
            return Err(ApiError::validation(
                "templateId",
                "this template uses interview placeholders, which an acknowledgement cannot fill",
            ));
        }
    }
    if let Some(id) = sender_id.filter(|_| check_sender) {
        let sender = match people::find_user(db, actor, id).await {
            Ok(sender) => sender,
            Err(ApiError::NotFound(_)) => {
                return Err(ApiError::validation(
                    "senderId",
                    "there is no user with this ID",
                ));
            }
            Err(other) => return Err(other),
        };
        if !sender.active {
            return Err(ApiError::validation(
                "senderId",
                format!("{} is deactivated", sender.display_name),
            ));
        }
        if !has_signature(&sender) {
            return Err(ApiError::validation(
                "senderId",
                format!(
                    "{} has no signature; automatic replies are signed by their sender, \
                     who can add one with updateMySignature",
                    sender.display_name
                ),
            ));
        }
    }
    if enabled {
        if template_id.is_none() {
            return Err(ApiError::validation(
                "templateId",
                "an automatic reply needs a template",
            ));
        }
        if sender_id.is_none() {
            return Err(ApiError::validation(
                "senderId",
                "an automatic reply needs a sending user",
            ));
        }
    }
    let mut row = found.into_active_model();
    row.auto_reply_online = Set(online);
    row.auto_reply_email = Set(email);
    row.auto_reply_template_id = Set(template_id);
    row.auto_reply_sender_id = Set(sender_id);
    Ok(row.update(db).await?)
}

fn has_signature(user: &user::Model) -> bool {
    user.signature_html
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty())
}

/// Queues the acknowledgement of a new application when its position's
/// category answers applications from `source` (never MANUAL ones): the
/// category's template rendered for the candidate, from the subsidiary's
/// address, signed by the category's sender, with the template's documents.
/// Runs in the transaction that created the application, so both are
/// written or neither. A reply that cannot be sent as its template says
/// (sender or template gone, template invalid, documents over
/// `RECRUITMAIL_MAX_ATTACHMENT_BYTES`) is skipped with a logged warning and
/// never costs the candidate their application.
#[expect(
    clippy::too_many_arguments,
    reason = "the rows the calling transaction already holds, passed on instead of read again"
)]
pub async fn acknowledge(
    db: &sea_orm::DatabaseTransaction,
    settings: &Settings,
    company: &company::Model,
    position: &position::Model,
    candidate: &candidate::Model,
    application: &application::Model,
    source: ApplicationSource,
    now: DateTime<Utc>,
) -> ApiResult<Option<message::Model>> {
    let Some(category) = recruiting_category::Entity::find_by_id(position.category_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let enabled = match source {
        ApplicationSource::OnlineForm => category.auto_reply_online,
        ApplicationSource::Email => category.auto_reply_email,
        ApplicationSource::Manual => false,
    };
    let (Some(template_id), Some(sender_id)) = (
        category.auto_reply_template_id,
        category.auto_reply_sender_id,
    ) else {
        return Ok(None);
    };
    if !enabled {
        return Ok(None);
    }
    let Some(sender) = user::Entity::find_by_id(sender_id)
        .one(db)
        .await?
        .filter(|u| u.active && u.company_id == company.id && has_signature(u))
    else {
        tracing::warn!(
            category = category.id,
            "the automatic reply's sender is gone, deactivated or without a signature; no reply sent"
        );
        return Ok(None);
    };
    let actor = Actor::automatic(company.id, sender.id);
    let mut context = load_context(db, &actor, candidate.id, Some(application.id), None).await?;
    crate::privacy::links::fill_urls(settings, std::slice::from_mut(&mut context));
    // The acknowledgement is the new application's own mail, which the
    // do-not-contact list lets through; the check keeps that rule in one place.
    let refused = crate::do_not_contact::refusal(
        db,
        &settings.secret_key,
        company.id,
        &candidate.email,
        context.application.as_ref(),
    );
    if refused.await?.is_some() {
        tracing::info!(
            application = application.id,
            "do-not-contact; no reply sent"
        );
        return Ok(None);
    }
    // A template changed since it was chosen (deleted, now about interviews,
    // no longer valid) must not cost the candidate their application: the
    // reply is skipped and the reason logged for the admins.
    let template = match send::template_for_sending(db, &actor, template_id).await {
        Ok(template) if !template.row.interview_related => template,
        Ok(_) | Err(ApiError::NotFound(_)) => {
            tracing::warn!(
                category = category.id,
                "the automatic reply's template is gone or needs an interview; no reply sent"
            );
            return Ok(None);
        }
        Err(other) => return Err(other),
    };
    // Documents over the attachment limit (lowered since the template was
    // saved, which checks them) would make the message undeliverable. The
    // reply is skipped rather than sent without them, since its text may
    // refer to them; the application is filed all the same.
    let documents_bytes: i64 = template.documents.iter().map(|d| d.size_bytes).sum();
    if let Err(e) =
        email_templates::check_document_size(documents_bytes, settings.max_attachment_bytes)
    {
        tracing::warn!(category = category.id, template = template.row.id, error = %e, "the automatic reply's documents are over the attachment limit; no reply sent");
        return Ok(None);
    }
    let rendered = match template
        .variant_for(&context)
        .and_then(|variant| Ok((template.compile(variant)?, variant.language.clone())))
        .and_then(|(compiled, language)| {
            let values = context.values(&language, now.date_naive());
            compiled
                .render(&values, sender_signature(&sender).as_ref())
                .map_err(render_error)
        }) {
        Ok(rendered) => rendered,
        Err(e @ ApiError::Internal(_)) => return Err(e),
        Err(e) => {
            tracing::warn!(category = category.id, error = %e, "the automatic reply's template cannot be rendered; no reply sent");
            return Ok(None);
        }
    };
    let documents = template.documents.iter().map(|d| d.id).collect();
    let message = message_state::enqueue(
        db,
        vec![NewMessage {
            company_id: company.id,
            candidate_id: Some(candidate.id),
            application_id: Some(application.id),
            subsidiary_id: context.subsidiary.as_ref().map(|s| s.id),
            sender_user_id: Some(sender.id),
            template_id: Some(template.row.id),
            batch_id: None,
            interview_id: None,
            subject: rendered.subject,
            text_body: rendered.text,
            html_body: Some(rendered.html),
            from: send::sender_address(company, context.subsidiary.as_deref(), settings),
            to: vec![Addressee::candidate(candidate)],
            cc: Vec::new(),
            bcc: Vec::new(),
            attachment_ids: documents,
            scheduled_at: None,
            idempotency_key: None,
            calendar: None,
            auto_reply: true,
            threading: None,
            participant_user_id: None,
        }],
        settings.inbound_domain.as_str(),
        now,
    )
    .await?
    .pop();
    Ok(message)
}
