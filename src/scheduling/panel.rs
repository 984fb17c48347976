//! The people of an interview as the slot search sees them: who they are,
//! when they work, when they are busy, and whether their calendars are
//! current. Loading a panel costs the same few statements however many
//! people and busy intervals it has.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use entity::user;
use sea_orm::ConnectionTrait;

use super::slots::{self, Obstacle, Participant, SlotQuery, Suggestion};
use super::{busy_times, calendar_health, working_times};
use crate::access::Actor;
use crate::error::{ApiError, ApiResult};
use crate::interviews::{MAX_PARTICIPANTS, active_users};

/// Longest window one search looks through.
pub const MAX_WINDOW_DAYS: i64 = 62;
/// Most starts one search returns.
pub const MAX_SLOTS: usize = 100;
/// Longest interview a slot is searched for.
pub const MAX_DURATION_MINUTES: u16 = 12 * 60;
/// Widest buffer around existing interviews.
pub const MAX_BUFFER_MINUTES: u16 = 4 * 60;
/// Longest minimum notice.
pub const MAX_NOTICE_MINUTES: u32 = 90 * 24 * 60;

/// A slot search as asked, before its participants are loaded.
#[derive(Clone, Debug)]
pub struct SlotRequest {
    pub participant_ids: Vec<i64>,
    pub duration_minutes: u16,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub time_zone: Tz,
    pub buffer_minutes: u16,
    pub minimum_notice_minutes: u32,
    pub step_minutes: u16,
    pub max: usize,
}

impl SlotRequest {
    /// Checks the bounds that keep a search's work small; the error names
    /// the field.
    pub fn check(&self) -> ApiResult<()> {
        let field = |name: &str, message: String| Err(ApiError::validation(name, message));
        if self.participant_ids.is_empty() || self.participant_ids.len() > MAX_PARTICIPANTS {
            return field(
                "participantIds",
                format!("between 1 and {MAX_PARTICIPANTS} participants"),
            );
        }
        if !(5..=MAX_DURATION_MINUTES).contains(&self.duration_minutes) {
            return field(
                "durationMinutes",
                format!("between 5 and {MAX_DURATION_MINUTES} minutes"),
            );
        }
        if self.to <= self.from {
            return field("to", "must be after `from`".into());
        }
        if self.to - self.from > Duration::days(MAX_WINDOW_DAYS) {
            return field("to", format!("at most {MAX_WINDOW_DAYS} days after `from`"));
        }
        if self.buffer_minutes > MAX_BUFFER_MINUTES {
            return field(
                "bufferMinutes",
                format!("at most {MAX_BUFFER_MINUTES} minutes"),
            );
        }
        if self.minimum_notice_minutes > MAX_NOTICE_MINUTES {
            return field(
                "minimumNoticeMinutes",
                format!("at most {MAX_NOTICE_MINUTES} minutes (90 days)"),
            );
        }
        if !(5..=24 * 60).contains(&self.step_minutes) {
            return field("stepMinutes", "between 5 and 1440 minutes".into());
        }
        if !(1..=MAX_SLOTS).contains(&self.max) {
            return field("max", format!("between 1 and {MAX_SLOTS}"));
        }
        Ok(())
    }
}

/// A search's answer with the participants it names.
#[derive(Debug)]
pub struct Suggested {
    pub suggestion: Suggestion,
    pub users: Vec<user::Model>,
}

/// The starts when every participant is free, or why there are none.
pub async fn suggest(
    db: &impl ConnectionTrait,
    actor: &Actor,
    request: &SlotRequest,
    now: DateTime<Utc>,
) -> ApiResult<Suggested> {
    request.check()?;
    let buffer = Duration::minutes(i64::from(request.buffer_minutes));
    // Busy times just outside the window still block through the buffer.
    let (from, to) = (request.from - buffer, request.to + buffer);
    let (users, participants) = load(db, actor, &request.participant_ids, from, to, now).await?;
    let query = SlotQuery {
        duration: Duration::minutes(i64::from(request.duration_minutes)),
        from: request.from,
        to: request.to,
        buffer,
        earliest: now + Duration::minutes(i64::from(request.minimum_notice_minutes)),
        step_minutes: request.step_minutes,
        time_zone: request.time_zone,
        max: request.max,
    };
    Ok(Suggested {
        suggestion: slots::suggest(&query, &participants),
        users,
    })
}

/// What stands in the way of `[starts_at, ends_at)` for these people;
/// `moving` is the interview being scheduled or moved, whose own time does
/// not count.
pub async fn warnings(
    db: &impl ConnectionTrait,
    company_id: i64,
    people: Vec<user::Model>,
    (starts_at, ends_at): (DateTime<Utc>, DateTime<Utc>),
    moving: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<Vec<(user::Model, slots::Constraint)>> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let participants = describe(db, company_id, &people, (starts_at, ends_at), now).await?;
    let found = slots::warnings(starts_at, ends_at, &participants, moving);
    Ok(named(found, &people))
}

/// Obstacles with their users, in the order found.
pub fn named(
    obstacles: Vec<Obstacle>,
    users: &[user::Model],
) -> Vec<(user::Model, slots::Constraint)> {
    obstacles
        .into_iter()
        .filter_map(|obstacle| {
            let user = users.iter().find(|user| user.id == obstacle.user_id)?;
            Some((user.clone(), obstacle.constraint))
        })
        .collect()
}

/// The participants' users and what the search needs of them, over
/// `[from, to)`. Every ID must be an active user of the caller's company.
async fn load(
    db: &impl ConnectionTrait,
    actor: &Actor,
    ids: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ApiResult<(Vec<user::Model>, Vec<Participant>)> {
    let users = active_users(db, actor, ids).await?;
    let participants = describe(db, actor.company_id, &users, (from, to), now).await?;
    Ok((users, participants))
}

/// When each of `users` works and is busy over `[from, to)`.
async fn describe(
    db: &impl ConnectionTrait,
    company_id: i64,
    users: &[user::Model],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> ApiResult<Vec<Participant>> {
    let user_ids: Vec<i64> = users.iter().map(|user| user.id).collect();
    let mut working = working_times(db, company_id, &user_ids).await?;
    let mut busy = busy_times(db, company_id, &user_ids, from, to).await?;
    let health = calendar_health(db, company_id, &user_ids, now).await?;
    let mut participants = Vec::with_capacity(users.len());
    for user in users {
        let Some(working) = working.remove(&user.id) else {
            continue;
        };
        participants.push(Participant {
            user_id: user.id,
            working,
            busy: busy.remove(&user.id).unwrap_or_default(),
            calendar_stale: health
                .get(&user.id)
                .is_some_and(|calendars| calendars.iter().any(|calendar| calendar.stale)),
        });
    }
    Ok(participants)
}
