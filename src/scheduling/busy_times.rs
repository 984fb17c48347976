//! When users are busy: every participant of recruitmail's own interviews
//! that are not cancelled, and whatever their external calendars say.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::enums::InterviewStatus;
use entity::{busy_interval, interview, interview_participant};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, JoinType, QueryFilter as _,
    QueryOrder as _, QuerySelect as _, RelationDef,
};

use super::week::{Busy, BusySource};
use crate::error::{ApiError, ApiResult};

/// The longest stretch one call reads: the window calendars are kept for.
pub const MAX_WINDOW: Duration = Duration::days(
    super::ical_busy::Window::DAYS_BEFORE + super::ical_busy::Window::DAYS_AFTER + 10,
);

/// Most users one call reads, so that the IN lists stay bounded.
pub const MAX_USERS: usize = super::working_hours::MAX_USERS;

/// The busy intervals of the company's users among `user_ids` that overlap
/// `[from, to)`, each user's sorted by start. Two statements whatever the
/// number of users and intervals: one for interviews, one for calendars.
pub async fn busy_times(
    db: &impl ConnectionTrait,
    company_id: i64,
    user_ids: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ApiResult<HashMap<i64, Vec<Busy>>> {
    if to <= from {
        return Err(ApiError::validation(
            "to",
            "the end must be after the start",
        ));
    }
    if to - from > MAX_WINDOW {
        return Err(ApiError::validation(
            "to",
            format!("at most {} days at once", MAX_WINDOW.num_days()),
        ));
    }
    if user_ids.len() > MAX_USERS {
        return Err(ApiError::validation(
            "userIds",
            format!("at most {MAX_USERS} users at once"),
        ));
    }
    let mut busy: HashMap<i64, Vec<Busy>> = HashMap::new();
    if user_ids.is_empty() {
        return Ok(busy);
    }
    let interviews: Vec<(i64, i64, DateTime<Utc>, DateTime<Utc>)> =
        interview_participant::Entity::find()
            .select_only()
            .column(interview_participant::Column::UserId)
            .column(interview::Column::Id)
            .column(interview::Column::StartsAt)
            .column(interview::Column::EndsAt)
            .join(JoinType::InnerJoin, participant_interview())
            .filter(interview_participant::Column::UserId.is_in(user_ids.iter().copied()))
            .filter(interview::Column::CompanyId.eq(company_id))
            .filter(interview::Column::Status.ne(InterviewStatus::Cancelled))
            .filter(interview::Column::StartsAt.lt(to))
            .filter(interview::Column::EndsAt.gt(from))
            .into_tuple()
            .all(db)
            .await?;
    for (user_id, interview_id, starts_at, ends_at) in interviews {
        busy.entry(user_id).or_default().push(Busy {
            starts_at,
            ends_at,
            source: BusySource::Interview(interview_id),
        });
    }
    let calendars: Vec<(i64, i64, DateTime<Utc>, DateTime<Utc>)> = busy_interval::Entity::find()
        .select_only()
        .column(busy_interval::Column::UserId)
        .column(busy_interval::Column::CalendarId)
        .column(busy_interval::Column::StartsAt)
        .column(busy_interval::Column::EndsAt)
        .filter(busy_interval::Column::CompanyId.eq(company_id))
        .filter(busy_interval::Column::UserId.is_in(user_ids.iter().copied()))
        .filter(busy_interval::Column::StartsAt.lt(to))
        .filter(busy_interval::Column::EndsAt.gt(from))
        .order_by_asc(busy_interval::Column::StartsAt)
        .into_tuple()
        .all(db)
        .await?;
    for (user_id, calendar_id, starts_at, ends_at) in calendars {
        busy.entry(user_id).or_default().push(Busy {
            starts_at,
            ends_at,
            source: BusySource::Calendar(calendar_id),
        });
    }
    for intervals in busy.values_mut() {
        intervals.sort_by_key(|b| (b.starts_at, b.ends_at));
    }
    Ok(busy)
}

/// `interview_participants.interview_id` → `interviews.id`; the entities
/// declare no relations, so the join is spelled out here.
fn participant_interview() -> RelationDef {
    interview_participant::Entity::belongs_to(interview::Entity)
        .from(interview_participant::Column::InterviewId)
        .to(interview::Column::Id)
        .into()
}
