use async_graphql::{Context, ErrorExtensions as _, ID, InputObject, Object, SimpleObject, Value};
use chrono::{DateTime, Utc};

use crate::access::{ContextExt as _, Require, Section};
use crate::error::ApiError;
use crate::graphql::ids::{Kind, decode, decode_up_to};
use crate::graphql::input::{optional, parse};
use crate::graphql::state::{count_public_scheduling, db, mail, settings};
use crate::graphql::types::{InterviewBooking, SchedulingLink, SchedulingSettings};
use crate::interviews::{MAX_PARTICIPANTS, parse_location, parse_time_zone, parse_video_link};
use crate::scheduling::booking::{self, Booked};
use crate::scheduling::links::{self, NewSchedulingLink};
use crate::scheduling::rules::{self, RulesChange};

#[derive(Default)]
pub struct SchedulingLinksMutation;

#[derive(InputObject)]
struct CreateSchedulingLinkInput {
    application_id: ID,
    /// Users of the company who take part; all must be free for a slot.
    participant_ids: Vec<ID>,
    duration_minutes: u16,
    /// The window the candidate picks a time in; at most 62 days long.
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// After this the link opens no more (unless an interview was booked
    /// through it and has not started).
    expires_at: DateTime<Utc>,
    /// Where the interview takes place; give this, `videoLink` or both.
    location: Option<String>,
    video_link: Option<String>,
    /// An interview-related template for the invitation sent on booking;
    /// the built-in invitation when absent.
    template_id: Option<ID>,
}

#[derive(SimpleObject)]
struct CreateSchedulingLinkPayload {
    link: SchedulingLink,
    /// The link's secret token, shown only now.
    token: String,
    /// The page the candidate opens: `<public URL>/schedule/<token>`. The
    /// placeholder `{{ scheduling_link }}` writes it into emails.
    url: String,
}

#[derive(InputObject)]
struct UpdateSchedulingSettingsInput {
    /// 0 to 744.
    change_deadline_hours: Option<i32>,
    /// 0 to 744.
    minimum_notice_hours: Option<i32>,
}

#[derive(SimpleObject)]
struct UpdateSchedulingSettingsPayload {
    settings: SchedulingSettings,
}

#[derive(InputObject)]
struct BookInterviewSlotInput {
    /// The link's token.
    token: String,
    /// One of the link's `slots`.
    starts_at: DateTime<Utc>,
    /// The candidate's IANA zone, e.g. `Europe/Paris`; the interview is
    /// presented in it.
    time_zone: String,
}

#[derive(SimpleObject)]
struct BookInterviewSlotPayload {
    booking: InterviewBooking,
}

#[derive(InputObject)]
struct CancelInterviewBookingInput {
    token: String,
}

#[derive(SimpleObject)]
struct CancelInterviewBookingPayload {
    booking: InterviewBooking,
}

#[Object]
impl SchedulingLinksMutation {
    /// Creates a link through which the candidate of an application books
    /// an interview with the participants within a window. Needs the
    /// INTERVIEWS section; the token is shown only in this answer.
    #[graphql(guard = "Require::Section(Section::Interviews)")]
    async fn create_scheduling_link(
        &self,
        ctx: &Context<'_>,
        input: CreateSchedulingLinkInput,
    ) -> Result<CreateSchedulingLinkPayload, ApiError> {
        let new = NewSchedulingLink {
            application_id: decode(&input.application_id, Kind::Application, "applicationId")?,
            participant_ids: decode_up_to(
                &input.participant_ids,
                Kind::User,
                "participantIds",
                MAX_PARTICIPANTS,
            )?,
            duration_minutes: input.duration_minutes,
            from: input.from,
            to: input.to,
            expires_at: input.expires_at,
            location: optional(input.location.as_deref(), "location", parse_location)?,
            video_link: optional(input.video_link.as_deref(), "videoLink", parse_video_link)?,
            template_id: input
                .template_id
                .as_ref()
                .map(|id| decode(id, Kind::EmailTemplate, "templateId"))
                .transpose()?,
        };
        let (db, actor) = (db(ctx)?, ctx.actor()?);
        let created = links::create(db, actor, settings(ctx)?, new, Utc::now()).await?;
        Ok(CreateSchedulingLinkPayload {
            link: SchedulingLink::new(&created.link),
            token: created.token,
            url: created.url,
        })
    }

    /// Sets the company's rules for self-scheduling. Recruiting admins only.
    #[graphql(guard = "Require::Admin")]
    async fn update_scheduling_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateSchedulingSettingsInput,
    ) -> Result<UpdateSchedulingSettingsPayload, ApiError> {
        let change = RulesChange {
            change_deadline_hours: input.change_deadline_hours,
            minimum_notice_hours: input.minimum_notice_hours,
        };
        let rules = rules::update(db(ctx)?, ctx.actor()?, change, Utc::now()).await?;
        Ok(UpdateSchedulingSettingsPayload {
            settings: rules.into(),
        })
    }

    /// Books one of a scheduling link's slots, or moves the booking made
    /// through it, for the candidate holding its token: the interview is
    /// scheduled and the invitation (or its update) sent. Needs no bearer
    /// token; rate-limited per client address. A time taken meanwhile is
    /// CONFLICT, with the link's free slots now in `extensions.freeSlots`.
    async fn book_interview_slot(
        &self,
        ctx: &Context<'_>,
        input: BookInterviewSlotInput,
    ) -> async_graphql::Result<BookInterviewSlotPayload> {
        count_public_scheduling(ctx)?;
        let zone = parse(&input.time_zone, "timeZone", parse_time_zone)?;
        let db = db(ctx)?;
        let booked = booking::book(
            db,
            settings(ctx)?,
            &input.token,
            input.starts_at,
            zone,
            Utc::now(),
        )
        .await;
        match booked {
            Ok(booked) => Ok(BookInterviewSlotPayload {
                booking: sent(ctx, booked, zone)?,
            }),
            Err(ApiError::Conflict(message)) => {
                // The slots as they are after the conflict, so the candidate
                // can pick again at once.
                let free = booking::view(db, &input.token, zone, Utc::now())
                    .await
                    .map(|view| view.slots)
                    .unwrap_or_default();
                Err(ApiError::Conflict(message).extend_with(|_, ext| {
                    ext.set("code", "CONFLICT");
                    ext.set(
                        "freeSlots",
                        Value::List(free.iter().map(|s| Value::from(s.to_rfc3339())).collect()),
                    );
                }))
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Cancels the interview booked through a scheduling link; the link
    /// opens no more. Needs no bearer token; rate-limited per client address.
    async fn cancel_interview_booking(
        &self,
        ctx: &Context<'_>,
        input: CancelInterviewBookingInput,
    ) -> Result<CancelInterviewBookingPayload, ApiError> {
        count_public_scheduling(ctx)?;
        let booked = booking::cancel(db(ctx)?, settings(ctx)?, &input.token, Utc::now()).await?;
        let zone = booked
            .booking
            .interview
            .time_zone
            .parse()
            .unwrap_or(chrono_tz::Tz::UTC);
        Ok(CancelInterviewBookingPayload {
            booking: sent(ctx, booked, zone)?,
        })
    }
}

/// The booking, once the dispatcher is told about its email.
fn sent(
    ctx: &Context<'_>,
    booked: Booked,
    zone: chrono_tz::Tz,
) -> Result<InterviewBooking, ApiError> {
    if booked
        .message
        .as_ref()
        .is_some_and(|m| m.scheduled_at.is_none())
    {
        mail(ctx)?.nudge();
    }
    Ok(InterviewBooking::new(&booked.booking, zone))
}
