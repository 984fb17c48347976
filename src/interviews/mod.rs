//! Interviews: scheduling, moving and cancelling them, who may see them, the
//! invitations that put them in the candidate's and the participants'
//! calendars (`participants`), and reminders before them (`reminders`).

pub mod calendar;
pub mod details;
pub mod invitations;
mod notices;
pub mod participants;
pub mod reminders;

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use entity::enums::{InterviewStatus, ParticipantResponse};
use entity::{application, interview, interview_participant, user};
use sea_orm::sea_query::{Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, QueryTrait as _,
    Select, Set,
};

use crate::access::{Actor, PositionScope};
use crate::applications;
use crate::domain::Name;
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventType, NewEvent};
use crate::graphql::ids::Kind;
use crate::mail::message_state;
use crate::mail::outbox::token;
use crate::settings::Settings;
use notices::ParticipantNotice;

pub use invitations::{InvitationRequest, record_response, send_invitation};

/// Longest interview accepted.
const MAX_HOURS: i64 = 24;
/// How far ahead an interview may be scheduled.
const MAX_DAYS_AHEAD: i64 = 2 * 366;
/// Most employees taking part in one interview.
pub const MAX_PARTICIPANTS: usize = 50;
const MAX_LOCATION_CHARS: usize = 500;
const MAX_LINK_CHARS: usize = 2000;

/// The subject and HTML body of the built-in invitation in `language`, for
/// an invitation sent without a template of the company's.
pub fn standard_invitation(language: &crate::languages::Language) -> (&'static str, String) {
    notices::template(notices::Notice::Invited, language)
}

/// An IANA time-zone name such as `Europe/Paris`.
pub fn parse_time_zone(raw: &str) -> Result<Tz, String> {
    raw.trim()
        .parse()
        .map_err(|_| format!("`{raw}` is not an IANA time zone such as Europe/Paris"))
}

/// Where the interview takes place: one line of at most 500 characters.
pub fn parse_location(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("must not be empty".into());
    }
    if trimmed.chars().count() > MAX_LOCATION_CHARS {
        return Err(format!("must be at most {MAX_LOCATION_CHARS} characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err("must be a single line without control characters".into());
    }
    Ok(trimmed.to_owned())
}

/// A video-call link: an absolute `https` or `http` URL.
pub fn parse_video_link(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    if trimmed.chars().count() > MAX_LINK_CHARS {
        return Err(format!("must be at most {MAX_LINK_CHARS} characters"));
    }
    let url = url::Url::parse(trimmed).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err("must be an https:// or http:// link".into());
    }
    Ok(url.to_string())
}

/// The interviews `actor` may see: their company's, and for hiring managers
/// only those about applications to their positions.
pub fn visible(actor: &Actor) -> Select<interview::Entity> {
    let query = interview::Entity::find().filter(interview::Column::CompanyId.eq(actor.company_id));
    match &actor.positions {
        PositionScope::All => query,
        PositionScope::Assigned(_) => query.filter(
            interview::Column::ApplicationId.in_subquery(
                applications::visible(actor)
                    .select_only()
                    .column(application::Column::Id)
                    .into_query(),
            ),
        ),
    }
}

/// Interviews about the applications that meet `condition`.
fn about_applications(condition: SimpleExpr) -> SimpleExpr {
    interview::Column::ApplicationId.in_subquery(
        Query::select()
            .column(application::Column::Id)
            .from(application::Entity)
            .and_where(condition)
            .to_owned(),
    )
}

pub async fn find(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<interview::Model> {
    visible(actor)
        .filter(interview::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("interview"))
}

/// Narrows the `interviews` list; all given conditions must hold.
#[derive(Debug, Default)]
pub struct InterviewFilter {
    /// Still going on at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Starting before this time.
    pub to: Option<DateTime<Utc>>,
    pub candidate_id: Option<i64>,
    /// With this employee taking part.
    pub participant_id: Option<i64>,
}

pub fn search(actor: &Actor, filter: &InterviewFilter) -> Select<interview::Entity> {
    let mut query = visible(actor);
    if let Some(from) = filter.from {
        query = query.filter(interview::Column::EndsAt.gt(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(interview::Column::StartsAt.lt(to));
    }
    if let Some(candidate) = filter.candidate_id {
        query = query.filter(about_applications(
            application::Column::CandidateId.eq(candidate),
        ));
    }
    if let Some(user) = filter.participant_id {
        query = query.filter(
            interview::Column::Id.in_subquery(
                Query::select()
                    .column(interview_participant::Column::InterviewId)
                    .from(interview_participant::Entity)
                    .and_where(interview_participant::Column::UserId.eq(user))
                    .to_owned(),
            ),
        );
    }
    query
}

/// The employees taking part in each of `interviews`, by name, with their
/// answers.
pub async fn participants(
    db: &impl ConnectionTrait,
    interviews: &[i64],
) -> ApiResult<Vec<(interview_participant::Model, user::Model)>> {
    let links = interview_participant::Entity::find()
        .filter(interview_participant::Column::InterviewId.is_in(interviews.iter().copied()))
        .all(db)
        .await?;
    let users: Vec<user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(links.iter().map(|l| l.user_id)))
        .order_by_asc(user::Column::DisplayName)
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?;
    let mut pairs = Vec::with_capacity(links.len());
    for u in users {
        for link in links.iter().filter(|l| l.user_id == u.id) {
            pairs.push((link.clone(), u.clone()));
        }
    }
    Ok(pairs)
}

/// A new interview, validated field by field.
#[derive(Debug)]
pub struct NewInterview {
    pub application_id: i64,
    pub title: Name,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub time_zone: Tz,
    pub location: Option<String>,
    pub video_link: Option<String>,
    pub participant_ids: Vec<i64>,
}

/// Schedules an interview about one of the candidate's applications.
pub async fn schedule(
    db: &impl crate::db::Writable,
    actor: &Actor,
    settings: &Settings,
    new: NewInterview,
    now: DateTime<Utc>,
) -> ApiResult<interview::Model> {
    check_slot(new.starts_at, new.ends_at, now)?;
    check_place(new.location.as_deref(), new.video_link.as_deref())?;
    crate::db::write_transaction!(db, |txn| {
        let application = applications::find(txn, actor, new.application_id).await?;
        let participants = check_participants(txn, actor, &new.participant_ids).await?;
        // Ordered with bookings through scheduling links of the same people.
        crate::scheduling::locks::participants(txn, &participants).await?;
        let row = interview::ActiveModel {
            company_id: Set(actor.company_id),
            application_id: Set(application.id),
            title: Set(new.title.as_str().to_owned()),
            starts_at: Set(new.starts_at),
            ends_at: Set(new.ends_at),
            time_zone: Set(new.time_zone.name().to_owned()),
            location: Set(new.location.clone()),
            video_link: Set(new.video_link.clone()),
            status: Set(InterviewStatus::Scheduled),
            sequence: Set(0),
            // A globally unique UID (RFC 5545 §3.8.4.7): random, at our domain.
            uid: Set(format!("{}@{}", token(), settings.inbound_domain.as_str())),
            created_by_id: Set(Some(actor.user_id)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        set_participants(txn, row.id, &participants).await?;
        let event = interview_event(&row, &application, EventType::InterviewScheduled).first();
        events::append(txn, vec![event], now).await?;
        // The panel's calendars carry the interview from now on, whenever
        // the candidate is invited.
        let panel = participants::users(txn, &participants).await?;
        participants::send(
            txn,
            actor,
            settings,
            &row,
            &panel,
            ParticipantNotice::Invited,
            now,
        )
        .await?;
        // The organizer is fixed by the first invitation, which may be these.
        let row = interview::Entity::find_by_id(row.id)
            .one(txn)
            .await?
            .ok_or(ApiError::NotFound("interview"))?;
        Ok(row)
    })
}

/// The event of an interview's change: its ids, times and status.
fn interview_event(
    row: &interview::Model,
    application: &application::Model,
    event_type: EventType,
) -> NewEvent {
    NewEvent::new(row.company_id, event_type, Kind::Interview, row.id)
        .with_id("applicationId", Kind::Application, Some(application.id))
        .with_id(
            "candidateId",
            Kind::Candidate,
            Some(application.candidate_id),
        )
        .with("startsAt", row.starts_at.to_rfc3339())
        .with("endsAt", row.ends_at.to_rfc3339())
        .with("status", sea_orm::ActiveEnum::to_value(&row.status))
}

/// A change of an interview's time and details; `None` leaves a field.
#[derive(Debug)]
pub struct Reschedule {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub time_zone: Option<Tz>,
    pub title: Option<Name>,
    /// `Some(None)` removes the location.
    pub location: Option<Option<String>>,
    pub video_link: Option<Option<String>>,
    pub participant_ids: Option<Vec<i64>>,
    /// Send the candidate a calendar update when they hold an invitation.
    pub notify_candidate: bool,
}

/// What a change of an interview wrote.
#[derive(Debug)]
pub struct Changed {
    pub interview: interview::Model,
    /// The calendar update or cancellation sent to the candidate.
    pub message: Option<entity::message::Model>,
}

/// Moves an interview. Invitations still waiting to leave are written again
/// with the new details. When one has reached the candidate, they are sent an
/// update: the same UID with a higher SEQUENCE, which their calendar applies
/// in place of the earlier one (RFC 5546 §2.1.5), and their answer is asked
/// for again. Participants always get the update (or, when removed, a
/// CANCEL); see [`participants`].
pub async fn reschedule(
    db: &impl crate::db::Writable,
    actor: &Actor,
    settings: &Settings,
    id: i64,
    change: Reschedule,
    now: DateTime<Utc>,
) -> ApiResult<Changed> {
    check_slot(change.starts_at, change.ends_at, now)?;
    crate::db::write_transaction!(db, |txn| {
        let found = locked(txn, actor, id).await?;
        if found.status == InterviewStatus::Cancelled {
            return Err(ApiError::conflict(
                "a cancelled interview cannot be rescheduled; schedule a new one",
            ));
        }
        let location = change.location.clone().unwrap_or(found.location.clone());
        let video_link = change
            .video_link
            .clone()
            .unwrap_or(found.video_link.clone());
        check_place(location.as_deref(), video_link.as_deref())?;
        let before = participants::current(txn, found.id).await?;
        let taking_part: Vec<i64> = match &change.participant_ids {
            Some(ids) => ids.clone(),
            None => before.iter().map(|user| user.id).collect(),
        };
        // Ordered with bookings through scheduling links of the same people.
        crate::scheduling::locks::participants(txn, &taking_part).await?;
        if let Some(ids) = &change.participant_ids {
            let users = check_participants(txn, actor, ids).await?;
            interview_participant::Entity::delete_many()
                .filter(interview_participant::Column::InterviewId.eq(found.id))
                .exec(txn)
                .await?;
            set_participants(txn, found.id, &users).await?;
        }
        participants::ask_again(txn, found.id).await?;
        let panel = participants::current(txn, found.id).await?;
        let standing = invitations::standing(txn, found.id).await?;
        let panel_invited = participants::any_invited(txn, found.id).await?;
        let mut row = found.clone().into_active_model();
        row.starts_at = Set(change.starts_at);
        row.ends_at = Set(change.ends_at);
        if let Some(zone) = change.time_zone {
            row.time_zone = Set(zone.name().to_owned());
        }
        if let Some(title) = &change.title {
            row.title = Set(title.as_str().to_owned());
        }
        row.location = Set(location);
        row.video_link = Set(video_link);
        if standing.any() || panel_invited {
            // The copies out there are out of date whether or not the
            // candidate is told.
            row.sequence = Set(found.sequence.saturating_add(1));
        }
        row.updated_at = Set(now);
        let updated = row.update(txn).await?;
        let application = applications::find(txn, actor, updated.application_id).await?;
        let event = interview_event(&updated, &application, EventType::InterviewRescheduled);
        events::append(txn, vec![event], now).await?;
        // The panel's copies and the reminders not yet left would carry the
        // old details and are withdrawn; everyone on the panel now gets the interview as it
        // is (an update for those who held it, an invitation for the others),
        // and whoever left the panel with the event in their calendar a CANCEL.
        message_state::cancel_waiting_out_of_date(txn, updated.id, now).await?;
        let on_panel: HashSet<i64> = panel.iter().map(|u| u.id).collect();
        let gone: Vec<i64> = before
            .iter()
            .map(|u| u.id)
            .filter(|id| !on_panel.contains(id))
            .collect();
        let holding = participants::holding(txn, updated.id, &gone).await?;
        let removed: Vec<user::Model> = before
            .iter()
            .filter(|u| holding.contains(&u.id))
            .cloned()
            .collect();
        let (stayed, added): (Vec<user::Model>, Vec<user::Model>) = panel
            .into_iter()
            .partition(|u| before.iter().any(|b| b.id == u.id));
        for (notice, to) in [
            (ParticipantNotice::Moved, &stayed),
            (ParticipantNotice::Invited, &added),
        ] {
            participants::send(txn, actor, settings, &updated, to, notice, now).await?;
        }
        participants::send(
            txn,
            actor,
            settings,
            &updated,
            &removed,
            ParticipantNotice::Removed,
            now,
        )
        .await?;
        // Invitations still waiting leave with the new details; those that left
        // meanwhile count as reached.
        let left =
            invitations::rewrite_waiting(txn, actor, settings, &updated, standing.waiting, now)
                .await?;
        let reached = left.into_iter().last().or(standing.reached);
        let message = match reached {
            Some((invitation, message)) if change.notify_candidate => {
                invitations::ask_again(txn, &invitation).await?;
                Some(
                    invitations::send_notice(
                        txn,
                        actor,
                        settings,
                        &updated,
                        notices::Notice::Moved,
                        message.template_id,
                        now,
                    )
                    .await?,
                )
            }
            _ => None,
        };
        Ok(Changed {
            interview: updated,
            message,
        })
    })
}

/// Cancels an interview. Its emails still waiting to leave are cancelled with
/// it; when an invitation has reached the candidate and `notify_candidate` is
/// set, they are sent a CANCEL (RFC 5546 §3.2.5) that removes the event from
/// their calendar. Participants holding the event always get a CANCEL.
pub async fn cancel(
    db: &impl crate::db::Writable,
    actor: &Actor,
    settings: &Settings,
    id: i64,
    notify_candidate: bool,
    now: DateTime<Utc>,
) -> ApiResult<Changed> {
    crate::db::write_transaction!(db, |txn| {
        let found = locked(txn, actor, id).await?;
        if found.status == InterviewStatus::Cancelled {
            return Err(ApiError::conflict("the interview is already cancelled"));
        }
        message_state::cancel_waiting_of_interview(txn, found.id, now).await?;
        let reached = invitations::standing(txn, found.id).await?.reached;
        let notify = notify_candidate && reached.is_some();
        // Participants holding the event are always told: their calendars
        // must not keep an interview that will not happen.
        let panel = participants::current(txn, found.id).await?;
        let ids: Vec<i64> = panel.iter().map(|u| u.id).collect();
        let holding = participants::holding(txn, found.id, &ids).await?;
        let told: Vec<user::Model> = panel
            .into_iter()
            .filter(|u| holding.contains(&u.id))
            .collect();
        let mut row = found.clone().into_active_model();
        row.status = Set(InterviewStatus::Cancelled);
        if notify || !told.is_empty() {
            row.sequence = Set(found.sequence.saturating_add(1));
        }
        row.updated_at = Set(now);
        let updated = row.update(txn).await?;
        let application = applications::find(txn, actor, updated.application_id).await?;
        let event = interview_event(&updated, &application, EventType::InterviewCancelled);
        events::append(txn, vec![event], now).await?;
        participants::send(
            txn,
            actor,
            settings,
            &updated,
            &told,
            ParticipantNotice::Cancelled,
            now,
        )
        .await?;
        let message = if notify {
            Some(
                invitations::send_notice(
                    txn,
                    actor,
                    settings,
                    &updated,
                    notices::Notice::Cancelled,
                    None,
                    now,
                )
                .await?,
            )
        } else {
            None
        };
        Ok(Changed {
            interview: updated,
            message,
        })
    })
}

/// The interview, locked against concurrent changes until the transaction ends.
pub(super) async fn locked(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ApiResult<interview::Model> {
    visible(actor)
        .filter(interview::Column::Id.eq(id))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("interview"))
}

fn check_slot(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    if ends_at <= starts_at {
        return Err(ApiError::validation(
            "endsAt",
            "endsAt must be after startsAt",
        ));
    }
    if ends_at - starts_at > Duration::hours(MAX_HOURS) {
        return Err(ApiError::validation(
            "endsAt",
            format!("an interview lasts at most {MAX_HOURS} hours"),
        ));
    }
    if starts_at <= now {
        return Err(ApiError::validation(
            "startsAt",
            "startsAt must be in the future",
        ));
    }
    if starts_at > now + Duration::days(MAX_DAYS_AHEAD) {
        return Err(ApiError::validation(
            "startsAt",
            "an interview can be scheduled at most two years ahead",
        ));
    }
    Ok(())
}

fn check_place(location: Option<&str>, video_link: Option<&str>) -> ApiResult<()> {
    if location.is_none() && video_link.is_none() {
        return Err(ApiError::validation(
            "location",
            "give a location, a video link or both",
        ));
    }
    Ok(())
}

/// The named users, each an active user of the actor's company.
async fn check_participants(
    db: &impl ConnectionTrait,
    actor: &Actor,
    ids: &[i64],
) -> ApiResult<Vec<i64>> {
    if ids.len() > MAX_PARTICIPANTS {
        return Err(ApiError::validation(
            "participantIds",
            format!("at most {MAX_PARTICIPANTS} participants"),
        ));
    }
    let users = active_users(db, actor, ids).await?;
    Ok(users.into_iter().map(|user| user.id).collect())
}

/// The users `ids` name, once each in the order given; every one must be
/// an active user of the actor's company, else the error names the first
/// that is not as `participantIds.N`.
pub async fn active_users(
    db: &impl ConnectionTrait,
    actor: &Actor,
    ids: &[i64],
) -> ApiResult<Vec<user::Model>> {
    let found = user::Entity::find()
        .filter(user::Column::CompanyId.eq(actor.company_id))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let mut seen = HashSet::new();
    let mut users = Vec::with_capacity(found.len());
    for (i, id) in ids.iter().enumerate() {
        let Some(user) = found.iter().find(|user| user.id == *id) else {
            return Err(ApiError::validation(
                format!("participantIds.{i}"),
                "no active user of this company has this ID",
            ));
        };
        if seen.insert(*id) {
            users.push(user.clone());
        }
    }
    Ok(users)
}

async fn set_participants(
    db: &impl ConnectionTrait,
    interview_id: i64,
    users: &[i64],
) -> ApiResult<()> {
    if users.is_empty() {
        return Ok(());
    }
    interview_participant::Entity::insert_many(users.iter().map(|user_id| {
        interview_participant::ActiveModel {
            interview_id: Set(interview_id),
            user_id: Set(*user_id),
            response: Set(ParticipantResponse::NeedsAction),
            responded_at: Set(None),
        }
    }))
    .exec(db)
    .await?;
    Ok(())
}
