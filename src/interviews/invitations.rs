//! Invitation emails: rendered like any message, queued in the outbox with the
//! iCalendar object that puts the interview in the candidate's calendar, and
//! recorded as invitations whose status follows the candidate's answer.

use chrono::{DateTime, Utc};
use entity::enums::{InterviewStatus, InvitationMethod, InvitationStatus, MessageStatus};
use entity::{interview, invitation, message};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QueryOrder as _, Set, TransactionSession as _,
    TransactionTrait,
};

use super::calendar::{self, Method};
use super::notices::{self, Notice};
use super::{Changed, find, participants};
use crate::access::Actor;
use crate::domain::EmailAddress;
use crate::email_templates::{
    Content, MessageContext, Template, load_context, render_error, sender_signature,
};
use crate::error::{ApiError, ApiResult};
use crate::mail::compose::CalendarPart;
use crate::mail::outbox::{Addressee, NewMessage, enqueue_many};
use crate::mail::send::{self, MAX_COPIES, Sent};
use crate::settings::Settings;
use crate::templates::{Compiled, Rendered};

/// An invitation to send, with IDs already decoded.
#[derive(Debug)]
pub struct InvitationRequest {
    pub interview_id: i64,
    /// A template (its interview placeholders filled in) or a free subject
    /// and body, typically with the interview's details pasted in.
    pub content: Content,
    pub cc: Vec<EmailAddress>,
    pub attachment_ids: Vec<i64>,
    pub scheduled_at: Option<DateTime<Utc>>,
    /// A retried mutation with the same key returns the first result.
    pub idempotency_key: Option<String>,
}

/// Sends (or schedules) the candidate an invitation to the interview. Its
/// status becomes PENDING when the message has left.
pub async fn send_invitation(
    db: &(impl TransactionTrait + ConnectionTrait),
    actor: &Actor,
    settings: &Settings,
    request: InvitationRequest,
    now: DateTime<Utc>,
) -> ApiResult<Changed> {
    if request.cc.len() > MAX_COPIES {
        return Err(ApiError::validation(
            "cc",
            format!("at most {MAX_COPIES} addresses"),
        ));
    }
    if let Some(key) = &request.idempotency_key {
        send::check_idempotency_key(key)?;
        if let Some(Sent::One(earlier)) = send::earlier_send(db, actor, key).await?
            && earlier.interview_id == Some(request.interview_id)
        {
            return Ok(Changed {
                interview: find(db, actor, request.interview_id).await?,
                message: Some(*earlier),
            });
        }
    }
    let txn = db.begin().await?;
    let interview = find(&txn, actor, request.interview_id).await?;
    if interview.status == InterviewStatus::Cancelled {
        return Err(ApiError::conflict(
            "the interview is cancelled; schedule a new one to invite to",
        ));
    }
    if interview.starts_at <= now {
        return Err(ApiError::conflict("the interview has already begun"));
    }
    if request
        .scheduled_at
        .is_some_and(|at| at >= interview.starts_at)
    {
        return Err(ApiError::validation(
            "scheduledAt",
            "an invitation must leave before the interview starts",
        ));
    }
    let context = context(&txn, actor, &interview).await?;
    let (template, compiled, language) = match &request.content {
        Content::Template(id) => {
            let template = send::template_for_sending(&txn, actor, *id).await?;
            let variant = template.variant_for(&context)?;
            let compiled = template.compile(variant)?;
            let language = variant.language.clone();
            (Some(template), compiled, language)
        }
        Content::Free { subject, body } => (
            None,
            Content::compile_free(subject, body)?,
            context.language().to_owned(),
        ),
    };
    let rendered = render(&compiled, &context, &language, now)?;
    let attachments = send::attachments(
        &txn,
        actor,
        settings,
        &request.attachment_ids,
        template.as_ref(),
        Some(context.candidate.id),
    )
    .await?;
    let message = enqueue(
        &txn,
        settings,
        Outgoing {
            interview: &interview,
            context: &context,
            rendered,
            method: Method::Request,
            template_id: template.as_ref().map(|t| t.row.id),
            cc: send::copies(&request.cc),
            attachment_ids: attachments,
            scheduled_at: request.scheduled_at,
            idempotency_key: request.idempotency_key,
            // Becomes PENDING when the dispatcher has delivered it.
            status: InvitationStatus::NotSent,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Changed {
        interview,
        message: Some(message),
    })
}

/// Sets the candidate's answer to the invitation they hold, by hand (a reply
/// read by a recruiter, or given by phone).
pub async fn record_response(
    db: &(impl TransactionTrait + ConnectionTrait),
    actor: &Actor,
    interview_id: i64,
    status: InvitationStatus,
    now: DateTime<Utc>,
) -> ApiResult<interview::Model> {
    if !matches!(
        status,
        InvitationStatus::Accepted | InvitationStatus::Declined | InvitationStatus::Tentative
    ) {
        return Err(ApiError::validation(
            "status",
            "the answer is ACCEPTED, DECLINED or TENTATIVE",
        ));
    }
    let txn = db.begin().await?;
    let interview = find(&txn, actor, interview_id).await?;
    if interview.status == InterviewStatus::Cancelled {
        return Err(ApiError::conflict("the interview is cancelled"));
    }
    let delivered = invitation::Entity::find()
        .filter(invitation::Column::InterviewId.eq(interview.id))
        .filter(invitation::Column::Method.eq(InvitationMethod::Request))
        .filter(invitation::Column::Status.ne(InvitationStatus::NotSent))
        .order_by_desc(invitation::Column::Id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ApiError::conflict("no invitation to this interview has reached the candidate yet")
        })?;
    let mut row = delivered.into_active_model();
    row.status = Set(status);
    row.responded_at = Set(Some(now));
    row.update(&txn).await?;
    txn.commit().await?;
    Ok(interview)
}

/// The latest invitation the candidate holds, or will hold once it leaves:
/// one whose message was neither cancelled nor refused.
#[derive(Debug)]
pub(super) struct Held {
    /// The template it was written from, to write the update from too.
    pub template_id: Option<i64>,
}

pub(super) async fn holds_invitation(
    db: &impl ConnectionTrait,
    interview_id: i64,
) -> ApiResult<Option<Held>> {
    let sent = invitation::Entity::find()
        .filter(invitation::Column::InterviewId.eq(interview_id))
        .filter(invitation::Column::Method.eq(InvitationMethod::Request))
        .all(db)
        .await?;
    let held = message::Entity::find()
        .filter(message::Column::Id.is_in(sent.iter().filter_map(|i| i.message_id)))
        .filter(message::Column::Status.is_in([
            MessageStatus::Scheduled,
            MessageStatus::Queued,
            MessageStatus::Sending,
            MessageStatus::Sent,
        ]))
        .order_by_desc(message::Column::Id)
        .all(db)
        .await?;
    Ok((!held.is_empty()).then(|| Held {
        template_id: held.iter().find_map(|m| m.template_id),
    }))
}

/// Cancels the interview's messages that have not left yet.
pub(super) async fn cancel_waiting(db: &impl ConnectionTrait, interview_id: i64) -> ApiResult<()> {
    message::Entity::update_many()
        .filter(message::Column::InterviewId.eq(interview_id))
        .filter(message::Column::Status.eq(MessageStatus::Scheduled))
        .col_expr(
            message::Column::Status,
            Expr::value(MessageStatus::Cancelled),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Writes to the candidate that the interview moved or was cancelled, with
/// the calendar update or cancellation. A move is written from the template
/// of the invitation when it still exists, so it reads like the invitation.
pub(super) async fn send_notice(
    db: &impl ConnectionTrait,
    actor: &Actor,
    settings: &Settings,
    interview: &interview::Model,
    notice: Notice,
    template_id: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<message::Model> {
    let context = context(db, actor, interview).await?;
    let template: Option<Template> = match template_id {
        Some(id) if notice == Notice::Moved => {
            match send::template_for_sending(db, actor, id).await {
                Ok(template) => Some(template),
                Err(ApiError::NotFound(_)) => None,
                Err(other) => return Err(other),
            }
        }
        _ => None,
    };
    let (compiled, language) = match &template {
        Some(template) => {
            let variant = template.variant_for(&context)?;
            (template.compile(variant)?, variant.language.clone())
        }
        None => {
            let language = context.language().to_owned();
            let (subject, body) = notices::template(notice, &language);
            (Content::compile_free(subject, &body)?, language)
        }
    };
    let rendered = render(&compiled, &context, &language, now)?;
    let (method, status) = match notice {
        // The candidate's earlier answer was to another time.
        Notice::Moved => (Method::Request, InvitationStatus::Pending),
        Notice::Cancelled => (Method::Cancel, InvitationStatus::NotSent),
    };
    enqueue(
        db,
        settings,
        Outgoing {
            interview,
            context: &context,
            rendered,
            method,
            template_id: template.as_ref().map(|t| t.row.id),
            cc: Vec::new(),
            attachment_ids: Vec::new(),
            scheduled_at: None,
            idempotency_key: None,
            status,
        },
        now,
    )
    .await
}

/// What the interview's messages are personalised with.
async fn context(
    db: &impl ConnectionTrait,
    actor: &Actor,
    interview: &interview::Model,
) -> ApiResult<MessageContext> {
    let application = crate::applications::find(db, actor, interview.application_id).await?;
    load_context(
        db,
        actor,
        application.candidate_id,
        Some(application.id),
        Some(interview.id),
    )
    .await
}

fn render(
    compiled: &Compiled,
    context: &MessageContext,
    language: &str,
    now: DateTime<Utc>,
) -> ApiResult<Rendered> {
    let values = context.values(language, now.date_naive());
    let signature = sender_signature(&context.sender);
    compiled
        .render(&values, signature.as_ref())
        .map_err(render_error)
}

/// One invitation email on its way to the outbox.
struct Outgoing<'a> {
    interview: &'a interview::Model,
    context: &'a MessageContext,
    rendered: Rendered,
    method: Method,
    template_id: Option<i64>,
    cc: Vec<Addressee>,
    attachment_ids: Vec<i64>,
    scheduled_at: Option<DateTime<Utc>>,
    idempotency_key: Option<String>,
    status: InvitationStatus,
}

/// Queues the email with its calendar, and records the invitation.
async fn enqueue(
    db: &impl ConnectionTrait,
    settings: &Settings,
    out: Outgoing<'_>,
    now: DateTime<Utc>,
) -> ApiResult<message::Model> {
    let interview = out.interview;
    let context = out.context;
    let from = send::sender_address(&context.company, context.subsidiary.as_ref(), settings);
    let candidate = Addressee {
        address: context.candidate.email.clone(),
        name: Some(format!(
            "{} {}",
            context.candidate.first_name, context.candidate.last_name
        )),
    };
    let people: Vec<Addressee> = participants(db, &[interview.id])
        .await?
        .into_iter()
        .map(|(_, user)| Addressee {
            address: user.email,
            name: Some(user.display_name),
        })
        .collect();
    let sequence = u32::try_from(interview.sequence).unwrap_or(0);
    let ics = calendar::build(&calendar::Invitation {
        method: out.method,
        uid: &interview.uid,
        sequence,
        stamp: now,
        starts_at: interview.starts_at,
        ends_at: interview.ends_at,
        title: &interview.title,
        description: &out.rendered.text,
        location: interview.location.as_deref(),
        video_link: interview.video_link.as_deref(),
        organizer: &from,
        candidate: &candidate,
        participants: &people,
    });
    let row = enqueue_many(
        db,
        vec![NewMessage {
            company_id: interview.company_id,
            candidate_id: Some(context.candidate.id),
            application_id: Some(interview.application_id),
            subsidiary_id: context.subsidiary.as_ref().map(|s| s.id),
            sender_user_id: Some(context.sender.id),
            template_id: out.template_id,
            batch_id: None,
            interview_id: Some(interview.id),
            subject: out.rendered.subject,
            text_body: out.rendered.text,
            html_body: Some(out.rendered.html),
            from,
            to: vec![candidate],
            cc: out.cc,
            bcc: Vec::new(),
            attachment_ids: out.attachment_ids,
            scheduled_at: out.scheduled_at,
            idempotency_key: out.idempotency_key,
            calendar: Some(CalendarPart {
                method: out.method.as_str().to_owned(),
                text: ics,
            }),
        }],
        settings.inbound_domain.as_str(),
        now,
    )
    .await?
    .pop()
    .ok_or_else(|| anyhow::anyhow!("the queued invitation was not returned"))?;
    invitation::ActiveModel {
        interview_id: Set(interview.id),
        message_id: Set(Some(row.id)),
        sequence: Set(interview.sequence),
        method: Set(match out.method {
            Method::Request => InvitationMethod::Request,
            Method::Cancel => InvitationMethod::Cancel,
        }),
        status: Set(out.status),
        responded_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row)
}
