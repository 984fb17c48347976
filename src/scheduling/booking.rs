//! What a candidate does through a scheduling link: see the free slots,
//! book one, move the booking, or cancel it.
//!
//! A booking runs in one transaction: the link is locked, the participants'
//! locks are taken ([`super::locks`]), the time is checked again against
//! everyone's interviews as they are now, then the interview is scheduled
//! and the invitation written through the usual flow
//! ([`crate::interviews::schedule`], [`crate::interviews::send_invitation`]),
//! and the link marked booked. Of two bookings of the same interviewer's
//! time, the second to take the locks sees the first's interview and gets
//! `CONFLICT`.

use chrono::{DateTime, Duration, Timelike as _, Utc};
use chrono_tz::Tz;
use entity::{application, candidate, company, interview, position, scheduling_link};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QuerySelect as _, Set,
};

use super::links::{self, MAX_SLOTS, Opened, STEP_MINUTES};
use super::panel::{self, SlotRequest};
use super::rules::{self, SchedulingRules};
use super::slots::Constraint;
use crate::access::Actor;
use crate::domain::Name;
use crate::email_templates::Content;
use crate::error::{ApiError, ApiResult};
use crate::interviews::{self, InvitationRequest, NewInterview, Reschedule};
use crate::languages::Language;
use crate::settings::Settings;

/// What the candidate's page shows: nothing about other candidates or the
/// participants' calendars.
#[derive(Debug)]
pub struct LinkView {
    pub position_name: String,
    pub company_name: String,
    pub duration_minutes: u16,
    pub expires_at: DateTime<Utc>,
    /// Free starts, earliest first; none once the booking can no longer change.
    pub slots: Vec<DateTime<Utc>>,
    pub booking: Option<Booking>,
}

/// The interview booked through a link.
#[derive(Debug)]
pub struct Booking {
    pub interview: interview::Model,
    /// Until when it can be moved or cancelled through the link.
    pub change_deadline: DateTime<Utc>,
    pub can_change: bool,
}

impl Booking {
    fn new(interview: interview::Model, rules: &SchedulingRules, now: DateTime<Utc>) -> Self {
        let change_deadline = rules.change_deadline(interview.starts_at);
        Self {
            interview,
            change_deadline,
            can_change: now < change_deadline,
        }
    }
}

/// The link's page for a candidate in `time_zone`.
pub async fn view(
    db: &impl ConnectionTrait,
    token: &str,
    time_zone: Tz,
    now: DateTime<Utc>,
) -> ApiResult<LinkView> {
    let opened = links::open(db, token, false, now).await?;
    let link = &opened.link;
    let rules = rules::rules(db, link.company_id).await?;
    let application = application::Entity::find_by_id(link.application_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("scheduling link"))?;
    let position_name = position::Entity::find_by_id(application.position_id)
        .one(db)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    let company_name = company::Entity::find_by_id(link.company_id)
        .one(db)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let booking = opened
        .interview
        .clone()
        .map(|i| Booking::new(i, &rules, now));
    let bookable = links::is_open(application.status)
        && booking
            .as_ref()
            .map_or(now < link.expires_at, |b| b.can_change);
    let slots = if bookable {
        free_slots(db, link, &rules, time_zone, now).await?
    } else {
        Vec::new()
    };
    Ok(LinkView {
        position_name,
        company_name,
        duration_minutes: duration_of(link),
        expires_at: link.expires_at,
        slots,
        booking,
    })
}

fn duration_of(link: &scheduling_link::Model) -> u16 {
    u16::try_from(link.duration_minutes).unwrap_or(u16::MAX)
}

/// The link's free starts now, in `time_zone`'s steps.
pub async fn free_slots(
    db: &impl ConnectionTrait,
    link: &scheduling_link::Model,
    rules: &SchedulingRules,
    time_zone: Tz,
    now: DateTime<Utc>,
) -> ApiResult<Vec<DateTime<Utc>>> {
    let from = link.window_from.max(now);
    if link.window_to <= from {
        return Ok(Vec::new());
    }
    let request = SlotRequest {
        participant_ids: links::participant_ids(link),
        duration_minutes: duration_of(link),
        from,
        to: link.window_to,
        time_zone,
        buffer_minutes: 0,
        minimum_notice_minutes: rules.minimum_notice_minutes(),
        step_minutes: STEP_MINUTES,
        max: MAX_SLOTS,
    };
    let found = panel::suggest(db, &links::actor_of(link), &request, now).await?;
    Ok(found.suggestion.starts)
}

/// Books `starts_at` through the link, or moves the booking there.
pub async fn book(
    db: &impl crate::db::Writable,
    settings: &Settings,
    token: &str,
    starts_at: DateTime<Utc>,
    time_zone: Tz,
    now: DateTime<Utc>,
) -> ApiResult<Booked> {
    crate::db::write_transaction!(db, |txn| {
        let Opened { link, interview } = links::open(txn, token, true, now).await?;
        let actor = links::actor_of(&link);
        let application = application::Entity::find_by_id(link.application_id)
            .one(txn)
            .await?
            .ok_or(ApiError::NotFound("scheduling link"))?;
        if !links::is_open(application.status) {
            return Err(ApiError::conflict(
                "this application is closed; the interview can no longer be booked",
            ));
        }
        let rules = rules::rules(txn, link.company_id).await?;
        match &interview {
            Some(booked) => check_deadline(booked, &rules, now)?,
            None if now >= link.expires_at => return Err(ApiError::NotFound("scheduling link")),
            None => {}
        }
        let ends_at = starts_at + Duration::minutes(i64::from(link.duration_minutes));
        check_start(&link, &rules, starts_at, ends_at, time_zone, now)?;
        let participant_ids = links::participant_ids(&link);
        if let Some(booked) = &interview {
            // The interview's row before the participants', in the order a
            // recruiter's reschedule takes them.
            interview::Entity::find_by_id(booked.id)
                .lock_exclusive()
                .one(txn)
                .await?;
        }
        super::locks::participants(txn, &participant_ids).await?;
        // Read after the locks: every interview of these participants that
        // was committed before is seen here.
        let moving = interview.as_ref().map(|i| i.id);
        let people = entity::user::Entity::find()
            .filter(entity::user::Column::CompanyId.eq(actor.company_id))
            .filter(entity::user::Column::Id.is_in(participant_ids.iter().copied()))
            .all(txn)
            .await?;
        let taken = panel::warnings(
            txn,
            actor.company_id,
            people,
            (starts_at, ends_at),
            moving,
            now,
        )
        .await?
        .into_iter()
        .any(|(_, constraint)| constraint != Constraint::CalendarStale);
        if taken {
            return Err(ApiError::conflict(
                "this time is no longer free; choose another of the link's slots",
            ));
        }
        let changed = match interview {
            Some(booked) => {
                let change = Reschedule {
                    starts_at,
                    ends_at,
                    time_zone: Some(time_zone),
                    title: None,
                    location: None,
                    video_link: None,
                    participant_ids: None,
                    notify_candidate: true,
                };
                interviews::reschedule(txn, &actor, settings, booked.id, change, now).await?
            }
            None => {
                let title = position::Entity::find_by_id(application.position_id)
                    .one(txn)
                    .await?
                    .and_then(|p| Name::parse(&p.name).ok())
                    .or_else(|| Name::parse("Interview").ok())
                    .ok_or_else(|| anyhow::anyhow!("no interview title"))?;
                let new = NewInterview {
                    application_id: application.id,
                    title,
                    starts_at,
                    ends_at,
                    time_zone,
                    location: link.location.clone(),
                    video_link: link.video_link.clone(),
                    participant_ids: participant_ids.clone(),
                };
                let row = interviews::schedule(txn, &actor, settings, new, now).await?;
                let content = match link.template_id {
                    Some(id) => Content::Template(id),
                    None => standard_invitation(txn, &link, &application).await?,
                };
                let request = InvitationRequest {
                    interview_id: row.id,
                    content,
                    cc: Vec::new(),
                    attachment_ids: Vec::new(),
                    scheduled_at: None,
                    idempotency_key: None,
                };
                interviews::send_invitation(txn, &actor, settings, request, now).await?
            }
        };
        let mut row = link.into_active_model();
        row.interview_id = Set(Some(changed.interview.id));
        row.updated_at = Set(now);
        row.update(txn).await?;
        Ok(Booked {
            booking: Booking::new(changed.interview, &rules, now),
            message: changed.message,
        })
    })
}

/// What a booking, move or cancellation wrote.
#[derive(Debug)]
pub struct Booked {
    pub booking: Booking,
    /// The invitation, update or cancellation sent to the candidate.
    pub message: Option<entity::message::Model>,
}

/// Cancels the booking made through the link; the link opens no more.
pub async fn cancel(
    db: &impl crate::db::Writable,
    settings: &Settings,
    token: &str,
    now: DateTime<Utc>,
) -> ApiResult<Booked> {
    crate::db::write_transaction!(db, |txn| {
        let Opened { link, interview } = links::open(txn, token, true, now).await?;
        let Some(booked) = interview else {
            return Err(ApiError::conflict("nothing is booked through this link"));
        };
        let rules = rules::rules(txn, link.company_id).await?;
        check_deadline(&booked, &rules, now)?;
        let actor: Actor = links::actor_of(&link);
        let changed = interviews::cancel(txn, &actor, settings, booked.id, true, now).await?;
        let mut row = link.into_active_model();
        row.closed_at = Set(Some(now));
        row.updated_at = Set(now);
        row.update(txn).await?;
        Ok(Booked {
            booking: Booking::new(changed.interview, &rules, now),
            message: changed.message,
        })
    })
}

fn check_deadline(
    booked: &interview::Model,
    rules: &SchedulingRules,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    if now >= rules.change_deadline(booked.starts_at) {
        return Err(ApiError::conflict(format!(
            "the interview can be changed through this link only until {} hours before \
             it starts; please contact the recruiter",
            rules.change_deadline_hours
        )));
    }
    Ok(())
}

/// A start the link offers: within its window, after the notice, on a step
/// of the candidate's clock.
fn check_start(
    link: &scheduling_link::Model,
    rules: &SchedulingRules,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    time_zone: Tz,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let field = "startsAt";
    if starts_at < link.window_from || ends_at > link.window_to {
        return Err(ApiError::validation(
            field,
            "the link offers no slot at this time: it is outside the link's window",
        ));
    }
    let earliest = now + Duration::minutes(i64::from(rules.minimum_notice_minutes()));
    if starts_at < earliest {
        return Err(ApiError::validation(
            field,
            format!(
                "slots start at least {} hours from now",
                rules.minimum_notice_hours
            ),
        ));
    }
    let local = starts_at.with_timezone(&time_zone);
    let minute = local.hour() * 60 + local.minute();
    if local.second() != 0
        || starts_at.timestamp_subsec_nanos() != 0
        || !minute.is_multiple_of(u32::from(STEP_MINUTES))
    {
        return Err(ApiError::validation(
            field,
            format!(
                "slots start every {STEP_MINUTES} minutes on the hour; pick one of the link's slots"
            ),
        ));
    }
    Ok(())
}

/// The built-in invitation, in the candidate's language.
async fn standard_invitation(
    db: &impl ConnectionTrait,
    link: &scheduling_link::Model,
    application: &application::Model,
) -> ApiResult<Content> {
    let candidate = candidate::Entity::find_by_id(application.candidate_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("candidate"))?;
    let company_default = company::Entity::find_by_id(link.company_id)
        .one(db)
        .await?
        .map(|c| c.default_language)
        .unwrap_or_default();
    let language = Language::resolve(candidate.preferred_language.as_deref(), &company_default);
    let (subject, body) = interviews::standard_invitation(&language);
    Ok(Content::Free {
        subject: subject.to_owned(),
        body,
    })
}
