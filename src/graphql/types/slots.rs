//! Interview slots: the starts a slot search found, and what stood in the
//! way, which schedule and reschedule also report as warnings.

use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::user;

use super::User;
use crate::scheduling::slots;

/// A time when every participant is free.
#[derive(SimpleObject)]
pub struct InterviewSlot {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The start on the clock of the zone the search was asked in, with its
    /// offset (RFC 3339), e.g. `2027-03-29T09:00:00+02:00`.
    pub local_start: String,
}

impl InterviewSlot {
    pub fn new(starts_at: DateTime<Utc>, duration: chrono::Duration, zone: Tz) -> Self {
        Self {
            starts_at,
            ends_at: starts_at + duration,
            local_start: starts_at.with_timezone(&zone).to_rfc3339(),
        }
    }
}

/// What keeps a participant from a time.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotConstraint {
    /// Outside their working hours (or on a day off).
    OutsideHours,
    /// Busy: another interview (with its buffer) or an event in their calendar.
    Busy,
    /// One of their calendars has not been read lately: they may be busy
    /// at times recruitmail does not know of.
    CalendarStale,
}

impl From<slots::Constraint> for SlotConstraint {
    fn from(constraint: slots::Constraint) -> Self {
        match constraint {
            slots::Constraint::OutsideHours => Self::OutsideHours,
            slots::Constraint::Busy => Self::Busy,
            slots::Constraint::CalendarStale => Self::CalendarStale,
        }
    }
}

/// A participant and what keeps them from the time asked about.
#[derive(SimpleObject)]
pub struct SlotObstacle {
    pub participant: User,
    pub constraint: SlotConstraint,
}

impl SlotObstacle {
    pub fn list(found: Vec<(user::Model, slots::Constraint)>) -> Vec<Self> {
        found
            .into_iter()
            .map(|(user, constraint)| Self {
                participant: User::one(user),
                constraint: constraint.into(),
            })
            .collect()
    }
}

/// Why a search found nothing, beyond what each participant contributes.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotShortfall {
    /// The window ends before the minimum notice allows a start.
    Notice,
    /// Each participant alone has time, but never all at once.
    NoCommonTime,
}

impl From<slots::Shortfall> for SlotShortfall {
    fn from(shortfall: slots::Shortfall) -> Self {
        match shortfall {
            slots::Shortfall::Notice => Self::Notice,
            slots::Shortfall::NoCommonTime => Self::NoCommonTime,
        }
    }
}

/// The answer of `suggestInterviewSlots`.
#[derive(SimpleObject)]
pub struct InterviewSlotSuggestions {
    /// Earliest first.
    pub slots: Vec<InterviewSlot>,
    /// When there are no slots: each participant's part in that. Stale
    /// calendars are named here only then.
    pub obstacles: Vec<SlotObstacle>,
    pub shortfall: Option<SlotShortfall>,
}
