//! Working hours, users' external calendars and busy times.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::external_calendar;

use crate::error::ApiError;
use crate::graphql::ids::Kind;
use crate::graphql::state::mail;
use crate::scheduling::calendars;
use crate::scheduling::working_hours::{Availability, format_clock};
use crate::scheduling::{Busy, BusySource, LocalSpan};

/// A day of the week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl From<Weekday> for chrono::Weekday {
    fn from(day: Weekday) -> Self {
        match day {
            Weekday::Monday => Self::Mon,
            Weekday::Tuesday => Self::Tue,
            Weekday::Wednesday => Self::Wed,
            Weekday::Thursday => Self::Thu,
            Weekday::Friday => Self::Fri,
            Weekday::Saturday => Self::Sat,
            Weekday::Sunday => Self::Sun,
        }
    }
}

const WEEK: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// A stretch of local time within one day, `HH:MM` to `HH:MM` (`24:00` is
/// the end of the day).
#[derive(SimpleObject)]
pub struct TimeSpan {
    pub start: String,
    pub end: String,
}

impl From<&LocalSpan> for TimeSpan {
    fn from(span: &LocalSpan) -> Self {
        Self {
            start: format_clock(span.start),
            end: format_clock(span.end),
        }
    }
}

/// Hours worked on one weekday.
#[derive(SimpleObject)]
pub struct WorkingSpan {
    pub weekday: Weekday,
    pub start: String,
    pub end: String,
}

/// A date whose hours replace the weekly ones; no spans is a day off.
#[derive(SimpleObject)]
pub struct AvailabilityOverride {
    /// The date in the user's time zone.
    pub date: NaiveDate,
    pub spans: Vec<TimeSpan>,
    pub day_off: bool,
}

/// When someone works, in their own time zone.
pub struct WorkingHours(pub Availability);

#[Object]
impl WorkingHours {
    /// The IANA time zone the hours are in.
    async fn time_zone(&self) -> &str {
        self.0.working_time.time_zone.name()
    }
    /// Whether these are the company's defaults (the user set no hours of
    /// their own).
    async fn company_default(&self) -> bool {
        self.0.company_default
    }
    /// The weekly hours, Monday first.
    async fn weekly(&self) -> Vec<WorkingSpan> {
        WEEK.iter()
            .zip(&self.0.working_time.weekly)
            .flat_map(|(day, spans)| {
                spans.iter().map(|span| WorkingSpan {
                    weekday: *day,
                    start: format_clock(span.start),
                    end: format_clock(span.end),
                })
            })
            .collect()
    }
    /// Dated overrides, earliest first.
    async fn overrides(&self) -> Vec<AvailabilityOverride> {
        self.0
            .working_time
            .overrides
            .iter()
            .map(|(date, spans)| AvailabilityOverride {
                date: *date,
                spans: spans.iter().map(TimeSpan::from).collect(),
                day_off: spans.is_empty(),
            })
            .collect()
    }
}

/// Where a user's external calendar comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum ExternalCalendarKind {
    /// An iCalendar feed fetched from its URL every 15 minutes.
    Feed,
    /// An uploaded `.ics` file.
    Upload,
}

/// One of a user's calendars outside recruitmail, of which only busy
/// intervals are kept. Visible to its user and recruiting admins.
pub struct ExternalCalendar(pub external_calendar::Model);

#[Object]
impl ExternalCalendar {
    pub async fn id(&self) -> ID {
        Kind::ExternalCalendar.id(self.0.id)
    }
    async fn user_id(&self) -> ID {
        Kind::User.id(self.0.user_id)
    }
    async fn kind(&self) -> ExternalCalendarKind {
        if self.0.kind == calendars::UPLOAD {
            ExternalCalendarKind::Upload
        } else {
            ExternalCalendarKind::Feed
        }
    }
    /// A feed's URL. It often carries a private token, so only the
    /// calendar's user and recruiting admins see calendars at all.
    async fn url(&self, ctx: &Context<'_>) -> Result<Option<String>, ApiError> {
        if self.0.url_sealed.is_none() {
            return Ok(None);
        }
        Ok(Some(
            calendars::feed_url(&mail(ctx)?.cipher, &self.0)
                .or_else(|| self.0.url_hint.clone())
                .unwrap_or_default(),
        ))
    }
    /// A feed's scheme and host, without the path that may hold a token.
    async fn url_hint(&self) -> Option<&str> {
        self.0.url_hint.as_deref()
    }
    /// An upload's file name.
    async fn file_name(&self) -> Option<&str> {
        self.0.file_name.as_deref()
    }
    /// The last fetch, successful or not.
    async fn last_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_attempt_at
    }
    /// The last fetch that got the feed (new or unchanged), or the upload.
    async fn last_success_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_success_at
    }
    /// Why the last fetch failed; `null` once one succeeds. The busy
    /// intervals of the last good fetch stay meanwhile.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// When the busy intervals kept were read: the age of the data.
    async fn data_read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }
    /// A feed without a good fetch for an hour: free slots may be wrong.
    async fn stale(&self) -> bool {
        calendars::is_stale(&self.0, Utc::now())
    }
    async fn next_fetch_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_fetch_at
    }
    /// Busy intervals kept (from a day ago to 180 days ahead, merged).
    async fn interval_count(&self) -> i32 {
        self.0.interval_count
    }
    /// Whether a cap on occurrences or intervals cut the reading short.
    async fn truncated(&self) -> bool {
        self.0.truncated
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Why someone is busy, without saying what they are doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum BusySourceKind {
    /// An interview in recruitmail.
    Interview,
    /// One of the user's external calendars.
    Calendar,
}

/// A time when a user is not free.
#[derive(SimpleObject)]
pub struct BusyTime {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub source: BusySourceKind,
}

impl From<&Busy> for BusyTime {
    fn from(busy: &Busy) -> Self {
        Self {
            starts_at: busy.starts_at,
            ends_at: busy.ends_at,
            source: match busy.source {
                BusySource::Interview(_) => BusySourceKind::Interview,
                BusySource::Calendar(_) => BusySourceKind::Calendar,
            },
        }
    }
}
