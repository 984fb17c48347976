//! Invitation emails: rendered like any message, queued in the outbox with the
//! iCalendar object that puts the interview in the candidate's calendar, and
//! recorded as invitations whose status follows the candidate's answer.
//!
//! An invitation "has reached the candidate" once its message has started to
//! leave (SENDING or SENT): from then on, changes are sent as updates. One
//! still waiting (SCHEDULED, or QUEUED for the dispatcher) is written again
//! in place instead, so the candidate never gets an out-of-date invitation.

use chrono::{DateTime, Utc};
use entity::enums::{InterviewStatus, InvitationMethod, InvitationStatus, MessageStatus};
use entity::{interview, invitation, message, message_recipient};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, Set,
};

use super::calendar::{self, Method};
use super::notices::{self, Notice};
use super::{Changed, find, locked, participants};
use crate::access::Actor;
use crate::audit::{self, Change};
use crate::domain::EmailAddress;
use crate::email_templates::{
    Content, MessageContext, Template, load_context, render_error, sender_signature,
};
use crate::error::{ApiError, ApiResult};
use crate::events::{EventType, NewEvent};
use crate::graphql::ids::Kind;
use crate::inbound::CalendarReply;
use crate::mail::compose::CalendarPart;
use crate::mail::message_state;
use crate::mail::outbox::{Addressee, NewMessage};
use crate::mail::send::{self, MAX_COPIES, Sent};
use crate::settings::Settings;
use crate::templates::{Compiled, Rendered};

/// Message states in which an email has not left and can still be changed.
const WAITING: [MessageStatus; 2] = [MessageStatus::Scheduled, MessageStatus::Queued];
/// Message states in which an email has left or is leaving.
const LEFT: [MessageStatus; 2] = [MessageStatus::Sending, MessageStatus::Sent];

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
    db: &impl crate::db::Writable,
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
    crate::db::write_transaction!(db, |txn| {
        // Locked, so that a reschedule at the same moment either sees this
        // invitation or is seen by it.
        let interview = locked(txn, actor, request.interview_id).await?;
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
        let context = context(txn, actor, settings, &interview, now).await?;
        let source = match &request.content {
            Content::Template(id) => Source::Template(*id),
            Content::Free { subject, body } => Source::Free { subject, body },
        };
        let written = write(txn, actor, &context, &source).await?;
        let rendered = render(&written.compiled, &context, &written.language, now)?;
        if rendered.missing.contains(&"scheduling_link") {
            let field = match &request.content {
                Content::Template(_) => "templateId",
                Content::Free { .. } => "body",
            };
            return Err(crate::scheduling::links::missing_link(field, &context));
        }
        let attachments = send::attachments(
            txn,
            actor,
            settings,
            &request.attachment_ids,
            written.template.as_ref(),
            Some(context.candidate.id),
        )
        .await?;
        let template_id = written.template.as_ref().map(|t| t.row.id);
        let message = enqueue(
            txn,
            settings,
            Outgoing {
                interview: &interview,
                context: &context,
                rendered,
                method: Method::Request,
                template_id,
                source: match &request.content {
                    Content::Free { subject, body } => Some((subject.clone(), body.clone())),
                    Content::Template(_) => None,
                },
                cc: send::copies(&request.cc),
                attachment_ids: attachments,
                scheduled_at: request.scheduled_at,
                idempotency_key: request.idempotency_key.clone(),
            },
            now,
        )
        .await?;
        let change = Change::new("interview_invitation.sent")
            .on("Message", message.id)
            .with("interviewId", interview.id)
            .with("candidateId", message.candidate_id)
            .with("templateId", template_id)
            .with(
                "scheduledAt",
                request.scheduled_at.map(|at| at.to_rfc3339()),
            );
        audit::record(txn, actor.company_id, Some(actor), change, now).await?;
        Ok(Changed {
            interview,
            message: Some(message),
        })
    })
}

/// Sets the candidate's answer to the invitation they hold, by hand (a reply
/// read by a recruiter, or given by phone).
pub async fn record_response(
    db: &impl crate::db::Writable,
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
    crate::db::write_transaction!(db, |txn| {
        let interview = locked(txn, actor, interview_id).await?;
        if interview.status == InterviewStatus::Cancelled {
            return Err(ApiError::conflict("the interview is cancelled"));
        }
        let held = invitation::Entity::find()
            .filter(invitation::Column::InterviewId.eq(interview.id))
            .all(txn)
            .await?;
        let current = current(&held).cloned().ok_or_else(|| {
            ApiError::conflict("no invitation to this interview has reached the candidate yet")
        })?;
        let message_id = current.message_id;
        let mut row = current.into_active_model();
        row.status = Set(status);
        row.responded_at = Set(Some(now));
        row.update(txn).await?;
        let candidate_id = entity::application::Entity::find_by_id(interview.application_id)
            .one(txn)
            .await?
            .map(|a| a.candidate_id);
        let event = responded(&interview, candidate_id, message_id, status);
        crate::events::append(txn, vec![event], now).await?;
        Ok(interview)
    })
}

/// `invitation.responded`, with the answer: from the candidate's calendar or
/// recorded by hand.
fn responded(
    interview: &interview::Model,
    candidate_id: Option<i64>,
    message_id: Option<i64>,
    answer: InvitationStatus,
) -> NewEvent {
    NewEvent::new(
        interview.company_id,
        EventType::InvitationResponded,
        Kind::Interview,
        interview.id,
    )
    .with_id("candidateId", Kind::Candidate, candidate_id)
    .with_id(
        "applicationId",
        Kind::Application,
        Some(interview.application_id),
    )
    .with_id("messageId", Kind::Message, message_id)
    .with("answer", sea_orm::ActiveEnum::to_value(&answer))
}

/// Sets the answer the candidate's calendar sent back by email (an iTIP
/// REPLY, RFC 5546 §3.2.3) on the invitation they hold. Only the
/// interview's own candidate answers for it, as the ATTENDEE at their
/// address or at one their invitations to it went to (see
/// [`crate::inbound::CalendarReply`]): a reply naming another company's
/// interview, sent for another attendee, about a cancelled interview, or to
/// an invitation older than the one they hold (a lower SEQUENCE, RFC 5546
/// §2.1.5) changes nothing. Returns the interview whose answer was set.
pub async fn record_reply(
    db: &sea_orm::DatabaseTransaction,
    company_id: i64,
    candidate: &entity::candidate::Model,
    reply: &CalendarReply,
    now: DateTime<Utc>,
) -> ApiResult<Option<i64>> {
    // Locked, as a reschedule or a cancellation locks it.
    let Some(interview) = interview::Entity::find()
        .filter(interview::Column::Uid.eq(reply.uid.as_str()))
        .filter(interview::Column::CompanyId.eq(company_id))
        .lock_exclusive()
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let candidate_of_interview = entity::application::Entity::find_by_id(interview.application_id)
        .one(db)
        .await?
        .map(|a| a.candidate_id);
    if interview.status == InterviewStatus::Cancelled
        || candidate_of_interview != Some(candidate.id)
    {
        return Ok(None);
    }
    let invited = reply.attendee.eq_ignore_ascii_case(&candidate.email)
        || crate::inbound::invitation_answered(db, company_id, reply)
            .await?
            .is_some_and(|m| m.candidate_id == Some(candidate.id));
    if !invited {
        return Ok(None);
    }
    let held = invitation::Entity::find()
        .filter(invitation::Column::InterviewId.eq(interview.id))
        .all(db)
        .await?;
    let Some(current) = current(&held).cloned() else {
        return Ok(None);
    };
    if reply.sequence < current.sequence {
        return Ok(None);
    }
    let message_id = current.message_id;
    let mut row = current.into_active_model();
    row.status = Set(reply.answer);
    row.responded_at = Set(Some(now));
    row.update(db).await?;
    let event = responded(&interview, Some(candidate.id), message_id, reply.answer);
    crate::events::append(db, vec![event], now).await?;
    Ok(Some(interview.id))
}

/// The invitation whose answer counts: the latest that reached the candidate
/// (its status left NOT_SENT when its message left).
pub fn current(invitations: &[invitation::Model]) -> Option<&invitation::Model> {
    invitations
        .iter()
        .filter(|i| i.method == InvitationMethod::Request && i.status != InvitationStatus::NotSent)
        .max_by_key(|i| i.id)
}

/// Where the interview's invitations stand.
#[derive(Debug, Default)]
pub(super) struct Standing {
    /// Invitations not yet left, with their messages, oldest first.
    pub waiting: Vec<(invitation::Model, message::Model)>,
    /// The latest invitation that left, with its message.
    pub reached: Option<(invitation::Model, message::Model)>,
}

impl Standing {
    /// Whether the candidate holds, or is about to hold, an invitation.
    pub fn any(&self) -> bool {
        self.reached.is_some() || !self.waiting.is_empty()
    }
}

pub(super) async fn standing(db: &impl ConnectionTrait, interview_id: i64) -> ApiResult<Standing> {
    let invitations = invitation::Entity::find()
        .filter(invitation::Column::InterviewId.eq(interview_id))
        .filter(invitation::Column::Method.eq(InvitationMethod::Request))
        .order_by_asc(invitation::Column::Id)
        .all(db)
        .await?;
    let mut messages: Vec<message::Model> = message::Entity::find()
        .filter(message::Column::Id.is_in(invitations.iter().filter_map(|i| i.message_id)))
        .all(db)
        .await?;
    let mut standing = Standing::default();
    for invitation in invitations {
        let Some(at) = messages
            .iter()
            .position(|m| Some(m.id) == invitation.message_id)
        else {
            continue;
        };
        let message = messages.swap_remove(at);
        if WAITING.contains(&message.status) {
            standing.waiting.push((invitation, message));
        } else if LEFT.contains(&message.status) {
            standing.reached = Some((invitation, message));
        }
    }
    Ok(standing)
}

/// Writes invitations that have not left again for the interview as it now
/// is: new text, new calendar, the current SEQUENCE; one due after the new
/// start leaves now. Returns those that left meanwhile.
pub(super) async fn rewrite_waiting(
    db: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    settings: &Settings,
    interview: &interview::Model,
    waiting: Vec<(invitation::Model, message::Model)>,
    now: DateTime<Utc>,
) -> ApiResult<Vec<(invitation::Model, message::Model)>> {
    let mut left = Vec::new();
    if waiting.is_empty() {
        return Ok(left);
    }
    let context = context(db, actor, settings, interview, now).await?;
    let from = organizer(db, interview, &context, settings).await?;
    for (invitation, message) in waiting {
        let source = match (&invitation.subject_source, &invitation.body_source) {
            (Some(subject), Some(body)) => Source::Free { subject, body },
            _ => match message.template_id {
                Some(id) => Source::Kept(id),
                None => Source::Notice(Notice::Moved),
            },
        };
        let written = write_or_notice(db, actor, &context, source, Notice::Moved).await?;
        let rendered = render(&written.compiled, &context, &written.language, now)?;
        let copied = copies_of(db, message.id).await?;
        let ics = invitation_calendar(
            interview,
            &context,
            &from,
            &rendered,
            Method::Request,
            &copied,
            participants_of(db, interview).await?,
            now,
        );
        let rewrite = message_state::Rewrite {
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            calendar: ics,
            send_now: message
                .scheduled_at
                .is_some_and(|at| at >= interview.starts_at),
        };
        if !message_state::rewrite_waiting(db, &message, rewrite, now).await? {
            left.push((invitation, message));
            continue;
        }
        let mut row = invitation.into_active_model();
        row.sequence = Set(interview.sequence);
        row.update(db).await?;
    }
    Ok(left)
}

/// After a move the candidate is asked again: the answer they gave was to
/// another time.
pub(super) async fn ask_again(
    db: &impl ConnectionTrait,
    reached: &invitation::Model,
) -> ApiResult<()> {
    invitation::Entity::update_many()
        .filter(invitation::Column::Id.eq(reached.id))
        .filter(invitation::Column::Status.ne(InvitationStatus::NotSent))
        .col_expr(
            invitation::Column::Status,
            Expr::value(InvitationStatus::Pending),
        )
        .col_expr(
            invitation::Column::RespondedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Writes to the candidate that the interview moved or was cancelled, with
/// the calendar update or cancellation. A move is written from the template
/// of the invitation that reached them when it had one, so it reads like it.
pub(super) async fn send_notice(
    db: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    settings: &Settings,
    interview: &interview::Model,
    notice: Notice,
    template_id: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<message::Model> {
    let context = context(db, actor, settings, interview, now).await?;
    let source = match template_id {
        Some(id) if notice == Notice::Moved => Source::Kept(id),
        _ => Source::Notice(notice),
    };
    let written = write_or_notice(db, actor, &context, source, notice).await?;
    let rendered = render(&written.compiled, &context, &written.language, now)?;
    enqueue(
        db,
        settings,
        Outgoing {
            interview,
            context: &context,
            rendered,
            method: match notice {
                Notice::Invited | Notice::Moved => Method::Request,
                Notice::Cancelled => Method::Cancel,
            },
            template_id: written.template.as_ref().map(|t| t.row.id),
            source: None,
            cc: Vec::new(),
            attachment_ids: Vec::new(),
            scheduled_at: None,
            idempotency_key: None,
        },
        now,
    )
    .await
}

/// What an invitation email is written from.
enum Source<'a> {
    /// A template the caller chooses now: one they may read.
    Template(i64),
    /// The template of an invitation sent earlier, written again for the
    /// interview as it now is (see [`send::kept_template`]).
    Kept(i64),
    Free {
        subject: &'a str,
        body: &'a str,
    },
    Notice(Notice),
}

/// A source compiled for one candidate.
struct Written {
    compiled: Compiled,
    language: String,
    template: Option<Template>,
}

async fn write(
    db: &impl ConnectionTrait,
    actor: &Actor,
    context: &MessageContext,
    source: &Source<'_>,
) -> ApiResult<Written> {
    Ok(match source {
        Source::Template(id) | Source::Kept(id) => {
            let template = match source {
                Source::Kept(_) => send::kept_template(db, actor, *id).await?,
                _ => send::template_for_sending(db, actor, *id).await?,
            };
            let variant = template.variant_for(context)?;
            Written {
                compiled: template.compile(variant)?,
                language: variant.language.clone(),
                template: Some(template),
            }
        }
        Source::Free { subject, body } => Written {
            compiled: Content::compile_free(subject, body)?,
            language: context.language().to_owned(),
            template: None,
        },
        Source::Notice(notice) => {
            let language = context.written_in(context.language());
            let (subject, body) = notices::template(*notice, &language);
            Written {
                compiled: Content::compile_free(subject, &body)?,
                language: language.code().to_owned(),
                template: None,
            }
        }
    })
}

/// Writes from `source`, or from the built-in `fallback` notice when its
/// template has been deleted since.
async fn write_or_notice(
    db: &impl ConnectionTrait,
    actor: &Actor,
    context: &MessageContext,
    source: Source<'_>,
    fallback: Notice,
) -> ApiResult<Written> {
    match write(db, actor, context, &source).await {
        Err(ApiError::NotFound(_)) if matches!(source, Source::Kept(_)) => {
            write(db, actor, context, &Source::Notice(fallback)).await
        }
        other => other,
    }
}

/// What the interview's messages are personalised with.
pub(super) async fn context(
    db: &impl ConnectionTrait,
    actor: &Actor,
    settings: &Settings,
    interview: &interview::Model,
    now: DateTime<Utc>,
) -> ApiResult<MessageContext> {
    let application = crate::applications::find(db, actor, interview.application_id).await?;
    let mut context = load_context(
        db,
        actor,
        application.candidate_id,
        Some(application.id),
        Some(interview.id),
    )
    .await?;
    crate::scheduling::links::fill_urls(db, settings, std::slice::from_mut(&mut context), now)
        .await?;
    crate::privacy::links::fill_urls(settings, std::slice::from_mut(&mut context));
    Ok(context)
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

/// The event's organizer, which is also the emails' sender: the sending
/// address of the first invitation, kept for the event's life because
/// clients ignore an update from another organizer (RFC 5546 §2.1.5).
pub(super) async fn organizer(
    db: &impl ConnectionTrait,
    interview: &interview::Model,
    context: &MessageContext,
    settings: &Settings,
) -> ApiResult<Addressee> {
    if let Some(address) = &interview.organizer_address {
        return Ok(Addressee {
            address: address.clone(),
            name: interview.organizer_name.clone(),
        });
    }
    let from = send::sender_address(&context.company, context.subsidiary.as_deref(), settings);
    interview::Entity::update_many()
        .filter(interview::Column::Id.eq(interview.id))
        .filter(interview::Column::OrganizerAddress.is_null())
        .col_expr(
            interview::Column::OrganizerAddress,
            Expr::value(Some(from.address.clone())),
        )
        .col_expr(
            interview::Column::OrganizerName,
            Expr::value(from.name.clone()),
        )
        .exec(db)
        .await?;
    Ok(from)
}

async fn participants_of(
    db: &impl ConnectionTrait,
    interview: &interview::Model,
) -> ApiResult<Vec<Addressee>> {
    Ok(participants(db, &[interview.id])
        .await?
        .into_iter()
        .map(|(_, user)| Addressee {
            address: user.email,
            name: Some(user.display_name),
        })
        .collect())
}

/// The CC addresses of a queued message.
async fn copies_of(db: &impl ConnectionTrait, message_id: i64) -> ApiResult<Vec<Addressee>> {
    Ok(message_recipient::Entity::find()
        .filter(message_recipient::Column::MessageId.eq(message_id))
        .filter(message_recipient::Column::Kind.eq(entity::enums::RecipientKind::Cc))
        .order_by_asc(message_recipient::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|r| Addressee {
            address: r.address,
            name: r.name,
        })
        .collect())
}

/// The calendar of an invitation email, its description the email's text.
#[expect(
    clippy::too_many_arguments,
    reason = "the parts of one invitation, each from a different step of sending it"
)]
fn invitation_calendar(
    interview: &interview::Model,
    context: &MessageContext,
    organizer: &Addressee,
    rendered: &Rendered,
    method: Method,
    copied: &[Addressee],
    participants: Vec<Addressee>,
    now: DateTime<Utc>,
) -> String {
    calendar::build(&calendar::Invitation {
        method,
        uid: &interview.uid,
        sequence: u32::try_from(interview.sequence).unwrap_or(0),
        stamp: now,
        starts_at: interview.starts_at,
        ends_at: interview.ends_at,
        title: &interview.title,
        description: &rendered.text,
        location: interview.location.as_deref(),
        video_link: interview.video_link.as_deref(),
        organizer,
        candidate: &Addressee::candidate(&context.candidate),
        participants: &participants,
        recipient: &context.candidate.email,
        copied,
    })
}

/// One invitation email on its way to the outbox.
struct Outgoing<'a> {
    interview: &'a interview::Model,
    context: &'a MessageContext,
    rendered: Rendered,
    method: Method,
    template_id: Option<i64>,
    /// A free-form invitation's subject and body, to write it again later.
    source: Option<(String, String)>,
    cc: Vec<Addressee>,
    attachment_ids: Vec<i64>,
    scheduled_at: Option<DateTime<Utc>>,
    idempotency_key: Option<String>,
}

/// Queues the email with its calendar, and records the invitation; its
/// status is NOT_SENT until the dispatcher has delivered it.
async fn enqueue(
    db: &sea_orm::DatabaseTransaction,
    settings: &Settings,
    out: Outgoing<'_>,
    now: DateTime<Utc>,
) -> ApiResult<message::Model> {
    let interview = out.interview;
    let context = out.context;
    // An invitation asks the person for something, so the do-not-contact
    // list refuses it (unless they applied again since); a cancellation
    // only releases an appointment they hold, and goes.
    if out.method == Method::Request {
        crate::do_not_contact::check(
            db,
            &settings.secret_key,
            interview.company_id,
            &context.candidate.email,
            context.application.as_ref(),
        )
        .await?;
    }
    let from = organizer(db, interview, context, settings).await?;
    let ics = invitation_calendar(
        interview,
        context,
        &from,
        &out.rendered,
        out.method,
        &out.cc,
        participants_of(db, interview).await?,
        now,
    );
    let row = message_state::enqueue(
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
            to: vec![Addressee::candidate(&context.candidate)],
            cc: out.cc,
            bcc: Vec::new(),
            attachment_ids: out.attachment_ids,
            scheduled_at: out.scheduled_at,
            idempotency_key: out.idempotency_key,
            calendar: Some(CalendarPart {
                method: out.method.as_str().to_owned(),
                text: ics,
            }),
            auto_reply: false,
            threading: None,
            participant_user_id: None,
        }],
        settings.inbound_domain.as_str(),
        now,
    )
    .await?
    .pop()
    .ok_or_else(|| anyhow::anyhow!("the queued invitation was not returned"))?;
    let (subject_source, body_source) = out.source.unzip();
    invitation::ActiveModel {
        interview_id: Set(interview.id),
        message_id: Set(Some(row.id)),
        sequence: Set(interview.sequence),
        method: Set(match out.method {
            Method::Request => InvitationMethod::Request,
            Method::Cancel => InvitationMethod::Cancel,
        }),
        status: Set(InvitationStatus::NotSent),
        responded_at: Set(None),
        created_at: Set(now),
        subject_source: Set(subject_source),
        body_source: Set(body_source),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row)
}
