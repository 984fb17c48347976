use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::interview;

use crate::access::{ContextExt as _, Require, Section};
use crate::domain::Name;
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode, decode_up_to};
use crate::graphql::input::{addresses, change, content, optional, parse};
use crate::graphql::state::{db, mail, settings};
use crate::graphql::types::{
    Interview, InterviewReminders, InvitationStatus, Message, SlotObstacle,
};
use crate::interviews::{
    self, Changed, InvitationRequest, MAX_PARTICIPANTS, NewInterview, Reschedule, parse_location,
    parse_time_zone, parse_video_link,
};
use crate::mail::send::MAX_ATTACHMENTS;
use crate::scheduling::panel;

#[derive(Default)]
pub struct InterviewsMutation;

#[derive(InputObject)]
struct ScheduleInterviewInput {
    application_id: ID,
    title: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    /// IANA time zone the interview is presented in, e.g. `Europe/Paris`;
    /// the company's default time zone when left out.
    time_zone: Option<String>,
    /// Where it takes place; give this, `videoLink` or both.
    location: Option<String>,
    video_link: Option<String>,
    /// Users of the company taking part.
    #[graphql(default)]
    participant_ids: Vec<ID>,
}

#[derive(SimpleObject)]
struct ScheduleInterviewPayload {
    interview: Interview,
    /// Participants who are busy or outside their working hours then; the
    /// interview is scheduled all the same.
    warnings: Vec<SlotObstacle>,
}

#[derive(InputObject)]
struct RescheduleInterviewInput {
    interview_id: ID,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    /// Unchanged when absent.
    time_zone: Option<String>,
    title: Option<String>,
    /// `null` removes it; unchanged when absent.
    location: MaybeUndefined<String>,
    video_link: MaybeUndefined<String>,
    /// Replaces the participants when given.
    participant_ids: Option<Vec<ID>>,
    /// When the candidate holds an invitation, send them the calendar update.
    #[graphql(default = true)]
    notify_candidate: bool,
}

#[derive(SimpleObject)]
struct RescheduleInterviewPayload {
    interview: Interview,
    /// Participants who are busy or outside their working hours at the new
    /// time; the interview is moved all the same.
    warnings: Vec<SlotObstacle>,
    /// The update sent to the candidate, if one was; its content needs the
    /// MESSAGES section.
    #[graphql(guard = "Require::Section(Section::Messages)")]
    message: Option<Message>,
}

#[derive(InputObject)]
struct CancelInterviewInput {
    interview_id: ID,
    /// When the candidate holds an invitation, send them the cancellation.
    notify_candidate: bool,
}

#[derive(SimpleObject)]
struct CancelInterviewPayload {
    interview: Interview,
    /// The cancellation sent to the candidate, if one was; its content
    /// needs the MESSAGES section.
    #[graphql(guard = "Require::Section(Section::Messages)")]
    message: Option<Message>,
}

#[derive(InputObject)]
struct SendInterviewInvitationInput {
    interview_id: ID,
    /// A stored template, its interview placeholders filled in; or give
    /// `subject` and `body` (e.g. with `Interview.detailsText` pasted in).
    template_id: Option<ID>,
    subject: Option<String>,
    /// HTML with placeholders.
    body: Option<String>,
    #[graphql(default)]
    cc: Vec<String>,
    #[graphql(default)]
    attachment_ids: Vec<ID>,
    /// Deliver at this time instead of now; before the interview starts.
    scheduled_at: Option<DateTime<Utc>>,
    /// Sending again with the same key returns the first result and sends nothing.
    idempotency_key: Option<String>,
}

#[derive(SimpleObject)]
struct SendInterviewInvitationPayload {
    interview: Interview,
    /// The invitation email; its content needs the MESSAGES section.
    #[graphql(guard = "Require::Section(Section::Messages)")]
    message: Option<Message>,
}

#[derive(InputObject)]
struct RecordInvitationResponseInput {
    interview_id: ID,
    /// ACCEPTED, DECLINED or TENTATIVE.
    status: InvitationStatus,
}

#[derive(SimpleObject)]
struct RecordInvitationResponsePayload {
    interview: Interview,
}

#[derive(InputObject)]
struct UpdateInterviewRemindersInput {
    /// The template of the candidate's reminder; `null` with
    /// `candidateHoursBefore` turns it off.
    candidate_template_id: Option<ID>,
    /// Hours (1 to 336) before the start the candidate is reminded; `null`: no reminder.
    candidate_hours_before: Option<i32>,
    /// Hours (1 to 336) before the start participants are reminded; `null`: no reminder.
    participant_hours_before: Option<i32>,
}

#[derive(SimpleObject)]
struct UpdateInterviewRemindersPayload {
    interview_reminders: InterviewReminders,
}

fn participant_ids(ids: &[ID]) -> Result<Vec<i64>, ApiError> {
    decode_up_to(ids, Kind::User, "participantIds", MAX_PARTICIPANTS)
}

#[Object]
impl InterviewsMutation {
    /// Schedules an interview about an application. Needs the INTERVIEWS section.
    #[graphql(guard = "Require::Section(Section::Interviews)")]
    async fn schedule_interview(
        &self,
        ctx: &Context<'_>,
        input: ScheduleInterviewInput,
    ) -> Result<ScheduleInterviewPayload, ApiError> {
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let time_zone = match input.time_zone.as_deref() {
            Some(zone) => parse(zone, "timeZone", parse_time_zone)?,
            None => crate::companies::time_zone(db, actor.company_id).await?,
        };
        let new = NewInterview {
            application_id: decode(&input.application_id, Kind::Application, "applicationId")?,
            title: parse(&input.title, "title", Name::parse)?,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            time_zone,
            location: optional(input.location.as_deref(), "location", parse_location)?,
            video_link: optional(input.video_link.as_deref(), "videoLink", parse_video_link)?,
            participant_ids: participant_ids(&input.participant_ids)?,
        };
        let row = interviews::schedule(db, actor, settings(ctx)?, new, Utc::now()).await?;
        Ok(ScheduleInterviewPayload {
            warnings: warnings(ctx, &row).await?,
            interview: Interview::one(db, actor, row).await?,
        })
    }

    /// Moves an interview; a candidate holding an invitation is sent the
    /// calendar update (same UID, SEQUENCE + 1) and asked to answer again.
    #[graphql(guard = "Require::Section(Section::Interviews)")]
    async fn reschedule_interview(
        &self,
        ctx: &Context<'_>,
        input: RescheduleInterviewInput,
    ) -> Result<RescheduleInterviewPayload, ApiError> {
        let id = decode(&input.interview_id, Kind::Interview, "interviewId")?;
        let change = Reschedule {
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            time_zone: optional(input.time_zone.as_deref(), "timeZone", parse_time_zone)?,
            title: optional(input.title.as_deref(), "title", Name::parse)?,
            location: change(&input.location, "location", parse_location)?,
            video_link: change(&input.video_link, "videoLink", parse_video_link)?,
            participant_ids: input
                .participant_ids
                .as_deref()
                .map(participant_ids)
                .transpose()?,
            notify_candidate: input.notify_candidate,
        };
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let changed =
            interviews::reschedule(db, actor, settings(ctx)?, id, change, Utc::now()).await?;
        let warnings = warnings(ctx, &changed.interview).await?;
        let (interview, message) = payload(ctx, changed).await?;
        Ok(RescheduleInterviewPayload {
            interview,
            message,
            warnings,
        })
    }

    /// Sets the company's reminders before interviews, replacing the earlier
    /// settings: to the candidate from a template, and to the participants,
    /// each some hours before the start. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn update_interview_reminders(
        &self,
        ctx: &Context<'_>,
        input: UpdateInterviewRemindersInput,
    ) -> Result<UpdateInterviewRemindersPayload, ApiError> {
        let new = interviews::reminders::ReminderSettings {
            candidate_template_id: input
                .candidate_template_id
                .as_ref()
                .map(|id| decode(id, Kind::EmailTemplate, "candidateTemplateId"))
                .transpose()?,
            candidate_hours_before: input.candidate_hours_before,
            participant_hours_before: input.participant_hours_before,
        };
        let saved =
            interviews::reminders::update_settings(db(ctx)?, ctx.actor()?, new, Utc::now()).await?;
        Ok(UpdateInterviewRemindersPayload {
            interview_reminders: InterviewReminders(saved),
        })
    }

    /// Cancels an interview and any invitation still waiting to leave; with
    /// `notifyCandidate`, a candidate holding an invitation is sent a CANCEL.
    #[graphql(guard = "Require::Section(Section::Interviews)")]
    async fn cancel_interview(
        &self,
        ctx: &Context<'_>,
        input: CancelInterviewInput,
    ) -> Result<CancelInterviewPayload, ApiError> {
        let id = decode(&input.interview_id, Kind::Interview, "interviewId")?;
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let changed = interviews::cancel(
            db,
            actor,
            settings(ctx)?,
            id,
            input.notify_candidate,
            Utc::now(),
        )
        .await?;
        let (interview, message) = payload(ctx, changed).await?;
        Ok(CancelInterviewPayload { interview, message })
    }

    /// Emails the candidate an invitation with the interview as an iCalendar
    /// REQUEST their calendar can add. Its status becomes PENDING once sent.
    #[graphql(guard = "Require::Section(Section::Interviews)")]
    async fn send_interview_invitation(
        &self,
        ctx: &Context<'_>,
        input: SendInterviewInvitationInput,
    ) -> Result<SendInterviewInvitationPayload, ApiError> {
        let cc = addresses(&input.cc, "cc")?;
        let request = InvitationRequest {
            interview_id: decode(&input.interview_id, Kind::Interview, "interviewId")?,
            content: content(input.template_id.as_ref(), input.subject, input.body)?,
            cc,
            attachment_ids: decode_up_to(
                &input.attachment_ids,
                Kind::Document,
                "attachmentIds",
                MAX_ATTACHMENTS,
            )?,
            scheduled_at: input.scheduled_at,
            idempotency_key: input.idempotency_key,
        };
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let changed =
            interviews::send_invitation(db, actor, settings(ctx)?, request, Utc::now()).await?;
        let (interview, message) = payload(ctx, changed).await?;
        Ok(SendInterviewInvitationPayload { interview, message })
    }

    /// Records the candidate's answer to their invitation by hand.
    #[graphql(guard = "Require::Section(Section::Interviews)")]
    async fn record_invitation_response(
        &self,
        ctx: &Context<'_>,
        input: RecordInvitationResponseInput,
    ) -> Result<RecordInvitationResponsePayload, ApiError> {
        let id = decode(&input.interview_id, Kind::Interview, "interviewId")?;
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let row =
            interviews::record_response(db, actor, id, input.status.into(), Utc::now()).await?;
        Ok(RecordInvitationResponsePayload {
            interview: Interview::one(db, actor, row).await?,
        })
    }
}

/// The interview's participants who are busy or outside their hours at its
/// time, not counting the interview itself.
async fn warnings(
    ctx: &Context<'_>,
    row: &interview::Model,
) -> Result<Vec<SlotObstacle>, ApiError> {
    let db = db(ctx)?;
    let people = interviews::participants(db, &[row.id])
        .await?
        .into_iter()
        .map(|(_, user)| user)
        .filter(|user| user.active)
        .collect();
    let span = (row.starts_at, row.ends_at);
    let found = panel::warnings(db, row.company_id, people, span, Some(row.id), Utc::now()).await?;
    Ok(SlotObstacle::list(found))
}

/// The changed interview, and its email once the dispatcher is told about it.
async fn payload(
    ctx: &Context<'_>,
    changed: Changed,
) -> Result<(Interview, Option<Message>), ApiError> {
    let (db, actor) = (db(ctx)?, ctx.actor()?);
    if changed
        .message
        .as_ref()
        .is_some_and(|m| m.scheduled_at.is_none())
    {
        mail(ctx)?.nudge();
    }
    Ok((
        Interview::one(db, actor, changed.interview).await?,
        changed.message.map(Message::new),
    ))
}
