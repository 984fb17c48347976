//! Calendar invitations to the employees taking part in an interview, so
//! that their calendars carry it as the candidate's does.
//!
//! Each participant gets their own iTIP REQUEST (RFC 5546 §3.2.2) from the
//! interview's organizer when the interview is scheduled or they are added,
//! with the same UID and SEQUENCE as the candidate's: the candidate and the
//! other participants are attendees, and only their own entry asks for an
//! answer (`RSVP=TRUE`). A move sends each an update (a higher SEQUENCE), a
//! cancellation or a removal a CANCEL (§3.2.5), whether or not the
//! candidate is told: the panel's calendars must be right either way.
//!
//! A participant's copy is stored as a message of the candidate's thread
//! (`candidate_id` set, so who may see it follows the candidate, as for the
//! candidate's own invitation) addressed to the employee and marked with
//! `participant_user_id`. Candidate-facing lists (the inbox, a candidate's
//! messages) leave such copies out: they are not mail to the candidate.
//! Recruiters read them through `Message.participant` and
//! `Interview.participantResponses`.
//!
//! Their calendars' answers (iTIP REPLY, §3.2.3) are recorded per
//! participant, never as the candidate's.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::enums::{InterviewStatus, MessageStatus, ParticipantResponse};
use entity::{interview, interview_participant, message, user};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseTransaction,
    EntityTrait as _, IntoActiveModel as _, QueryFilter as _, QuerySelect as _, Set,
};

use super::calendar::{self, Method};
use super::invitations::{context, organizer};
use super::notices::{ParticipantNotice, participant_template};
use crate::access::Actor;
use crate::email_templates::{Content, render_error};
use crate::error::ApiResult;
use crate::events::{EventType, NewEvent};
use crate::graphql::ids::Kind;
use crate::inbound::CalendarReply;
use crate::mail::compose::CalendarPart;
use crate::mail::message_state;
use crate::mail::outbox::{Addressee, NewMessage};
use crate::settings::Settings;

/// Statuses of a copy that has reached, or is reaching, its recipient.
const LEFT: [MessageStatus; 2] = [MessageStatus::Sending, MessageStatus::Sent];

fn addressee(user: &user::Model) -> Addressee {
    Addressee {
        address: user.email.clone(),
        name: Some(user.display_name.clone()),
    }
}

/// The calendar method a notice carries, if any.
fn method_of(notice: ParticipantNotice) -> Option<Method> {
    match notice {
        ParticipantNotice::Invited | ParticipantNotice::Moved => Some(Method::Request),
        ParticipantNotice::Cancelled | ParticipantNotice::Removed => Some(Method::Cancel),
        ParticipantNotice::Reminder => None,
    }
}

/// Queues `notice` to each of `to`, in the company's default language (users
/// have no language of their own), each with their own calendar part. The
/// interview's SEQUENCE must already be the one the copies carry.
pub(crate) async fn send(
    db: &DatabaseTransaction,
    actor: &Actor,
    settings: &Settings,
    interview: &interview::Model,
    to: &[user::Model],
    notice: ParticipantNotice,
    now: DateTime<Utc>,
) -> ApiResult<Vec<message::Model>> {
    if to.is_empty() {
        return Ok(Vec::new());
    }
    let context = context(db, actor, settings, interview, now).await?;
    let from = organizer(db, interview, &context, settings).await?;
    let panel: Vec<Addressee> = super::participants(db, &[interview.id])
        .await?
        .into_iter()
        .map(|(_, u)| addressee(&u))
        .collect();
    let language = context.company.default_language.clone();
    let (subject, body) = participant_template(notice, &context.written_in(&language));
    let compiled = Content::compile_free(subject, &body)?;
    // Internal mail: no signature, which is written for candidates.
    let rendered = compiled
        .render(&context.values(&language, now.date_naive()), None)
        .map_err(render_error)?;
    let candidate = Addressee::candidate(&context.candidate);
    let mut messages = Vec::with_capacity(to.len());
    for user in to {
        let recipient = addressee(user);
        let calendar = method_of(notice).map(|method| {
            // A removed participant is no longer on the panel; their
            // CANCEL still names them (RFC 5546 §3.2.5).
            let mut attendees = panel.clone();
            if !attendees.iter().any(|a| a.address == recipient.address) {
                attendees.push(recipient.clone());
            }
            CalendarPart {
                method: method.as_str().to_owned(),
                text: calendar::build(&calendar::Invitation {
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
                    organizer: &from,
                    candidate: &candidate,
                    participants: &attendees,
                    recipient: &user.email,
                    copied: &[],
                }),
            }
        });
        messages.push(NewMessage {
            company_id: interview.company_id,
            candidate_id: Some(context.candidate.id),
            application_id: Some(interview.application_id),
            subsidiary_id: context.subsidiary.as_ref().map(|s| s.id),
            sender_user_id: Some(context.sender.id),
            template_id: None,
            batch_id: None,
            interview_id: Some(interview.id),
            subject: rendered.subject.clone(),
            text_body: rendered.text.clone(),
            html_body: Some(rendered.html.clone()),
            from: from.clone(),
            to: vec![recipient],
            cc: Vec::new(),
            bcc: Vec::new(),
            attachment_ids: Vec::new(),
            scheduled_at: None,
            idempotency_key: None,
            calendar,
            auto_reply: false,
            threading: None,
            participant_user_id: Some(user.id),
        });
    }
    message_state::enqueue(db, messages, settings.inbound_domain.as_str(), now).await
}

/// The users with these ids, in the order given.
pub(super) async fn users(db: &impl ConnectionTrait, ids: &[i64]) -> ApiResult<Vec<user::Model>> {
    let found = user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(ids
        .iter()
        .filter_map(|id| found.iter().find(|u| u.id == *id).cloned())
        .collect())
}

/// The current participants of the interview.
pub(super) async fn current(
    db: &impl ConnectionTrait,
    interview_id: i64,
) -> ApiResult<Vec<user::Model>> {
    Ok(super::participants(db, &[interview_id])
        .await?
        .into_iter()
        .map(|(_, u)| u)
        .collect())
}

/// Of `users`, those whose calendar holds the interview: a REQUEST copy of
/// theirs has left.
pub(super) async fn holding(
    db: &impl ConnectionTrait,
    interview_id: i64,
    users: &[i64],
) -> ApiResult<HashSet<i64>> {
    Ok(message::Entity::find()
        .filter(message::Column::InterviewId.eq(interview_id))
        .filter(message::Column::ParticipantUserId.is_in(users.iter().copied()))
        .filter(message::Column::CalendarMethod.eq(Method::Request.as_str()))
        .filter(message::Column::Status.is_in(LEFT))
        .select_only()
        .column(message::Column::ParticipantUserId)
        .into_tuple::<Option<i64>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect())
}

/// Whether any participant holds, or is about to hold, the interview: then
/// a change must raise its SEQUENCE.
pub(super) async fn any_invited(db: &impl ConnectionTrait, interview_id: i64) -> ApiResult<bool> {
    let statuses = message_state::WAITING.into_iter().chain(LEFT);
    Ok(message::Entity::find()
        .filter(message::Column::InterviewId.eq(interview_id))
        .filter(message::Column::ParticipantUserId.is_not_null())
        .filter(message::Column::CalendarMethod.eq(Method::Request.as_str()))
        .filter(message::Column::Status.is_in(statuses))
        .one(db)
        .await?
        .is_some())
}

/// After a move every participant is asked again: their answer was to
/// another time.
pub(super) async fn ask_again(db: &impl ConnectionTrait, interview_id: i64) -> ApiResult<()> {
    interview_participant::Entity::update_many()
        .filter(interview_participant::Column::InterviewId.eq(interview_id))
        .col_expr(
            interview_participant::Column::Response,
            sea_orm::sea_query::Expr::value(ParticipantResponse::NeedsAction),
        )
        .col_expr(
            interview_participant::Column::RespondedAt,
            sea_orm::sea_query::Expr::value(Option::<DateTime<Utc>>::None),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// What became of a calendar answer that might be a participant's.
#[derive(Debug, PartialEq, Eq)]
pub enum ReplyOutcome {
    /// Not an answer from one of the interview's participants.
    NotParticipant,
    /// A participant's answer, about this interview; `recorded` is false
    /// when it changed nothing (the same answer again, an older SEQUENCE,
    /// a cancelled interview).
    Participant { interview_id: i64, recorded: bool },
}

/// Records a participant's answer from their calendar (an iTIP REPLY, RFC
/// 5546 §3.2.3): the REPLY's one ATTENDEE must be a participant of the
/// company's interview with its UID, and the email must come from that
/// same address. Anyone else's answer, the candidate's included, is left
/// to the candidate's thread.
pub async fn record_reply(
    db: &DatabaseTransaction,
    company_id: i64,
    from_address: &str,
    reply: &CalendarReply,
    now: DateTime<Utc>,
) -> ApiResult<ReplyOutcome> {
    if !from_address.eq_ignore_ascii_case(&reply.attendee) {
        return Ok(ReplyOutcome::NotParticipant);
    }
    // Locked, as a reschedule or a cancellation locks it.
    let Some(found) = interview::Entity::find()
        .filter(interview::Column::Uid.eq(reply.uid.as_str()))
        .filter(interview::Column::CompanyId.eq(company_id))
        .lock_exclusive()
        .one(db)
        .await?
    else {
        return Ok(ReplyOutcome::NotParticipant);
    };
    let Some((link, user)) = super::participants(db, &[found.id])
        .await?
        .into_iter()
        .find(|(_, u)| u.email.eq_ignore_ascii_case(&reply.attendee))
    else {
        return Ok(ReplyOutcome::NotParticipant);
    };
    let answer = match reply.answer {
        entity::enums::InvitationStatus::Accepted => ParticipantResponse::Accepted,
        entity::enums::InvitationStatus::Declined => ParticipantResponse::Declined,
        entity::enums::InvitationStatus::Tentative => ParticipantResponse::Tentative,
        _ => ParticipantResponse::NeedsAction,
    };
    let ignored = ReplyOutcome::Participant {
        interview_id: found.id,
        recorded: false,
    };
    if found.status == InterviewStatus::Cancelled
        || reply.sequence < found.sequence
        || answer == ParticipantResponse::NeedsAction
        || (link.response == answer && link.responded_at.is_some())
    {
        return Ok(ignored);
    }
    let mut row = link.into_active_model();
    row.response = Set(answer);
    row.responded_at = Set(Some(now));
    row.update(db).await?;
    let candidate_id = entity::application::Entity::find_by_id(found.application_id)
        .one(db)
        .await?
        .map(|a| a.candidate_id);
    let event = NewEvent::new(
        found.company_id,
        EventType::InvitationResponded,
        Kind::Interview,
        found.id,
    )
    .with_id("candidateId", Kind::Candidate, candidate_id)
    .with_id(
        "applicationId",
        Kind::Application,
        Some(found.application_id),
    )
    .with_id("participantId", Kind::User, Some(user.id))
    .with("answer", sea_orm::ActiveEnum::to_value(&answer));
    crate::events::append(db, vec![event], now).await?;
    Ok(ReplyOutcome::Participant {
        interview_id: found.id,
        recorded: true,
    })
}
