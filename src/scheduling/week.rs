//! The plain values the slot search works on, independent of how they are
//! stored: a user's working time in their own zone, and the intervals when
//! they are busy.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// Minutes in a day: the end of a span that runs to midnight.
pub const DAY_MINUTES: u16 = 24 * 60;

/// A stretch of local wall-clock time within one day, in minutes after
/// midnight; `end` is after `start` and at most [`DAY_MINUTES`].
///
/// Wall-clock minutes, not durations: "09:00–17:00" stays 09:00–17:00 on the
/// days daylight-saving time begins or ends, as people mean it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalSpan {
    pub start: u16,
    pub end: u16,
}

impl LocalSpan {
    /// A span from `start` to `end` minutes after midnight, if it is one.
    pub fn new(start: u16, end: u16) -> Option<Self> {
        (start < end && end <= DAY_MINUTES).then_some(Self { start, end })
    }
}

/// When a user works: weekly hours in their own IANA zone, and dated
/// overrides that replace a date's weekly hours (an empty list is a day off).
#[derive(Clone, Debug, PartialEq)]
pub struct WorkingTime {
    pub time_zone: Tz,
    /// Monday first (`chrono::Weekday::num_days_from_monday`); sorted spans
    /// that do not overlap.
    pub weekly: [Vec<LocalSpan>; 7],
    pub overrides: BTreeMap<NaiveDate, Vec<LocalSpan>>,
}

impl WorkingTime {
    /// The spans worked on `date` in the user's zone.
    pub fn spans_on(&self, date: NaiveDate) -> &[LocalSpan] {
        use chrono::Datelike as _;
        match self.overrides.get(&date) {
            Some(spans) => spans,
            None => &self.weekly[date.weekday().num_days_from_monday() as usize],
        }
    }
}

/// Where a busy interval comes from: it says why a participant is not free,
/// without saying what they are doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusySource {
    /// An interview in recruitmail that the user takes part in.
    Interview(i64),
    /// One of the user's external calendars (a feed or an uploaded file).
    Calendar(i64),
}

/// A time when a user is not free; `ends_at` is after `starts_at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Busy {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub source: BusySource,
}
