//! Finding the start times when a whole panel is free.
//!
//! Each participant's free time is their working time in their own zone,
//! turned into UTC date by date (so a daylight-saving change moves the UTC
//! hours and keeps the local ones), minus the times they are busy. The
//! panel's free time is the intersection of those lists; a start is offered
//! where an interview of the asked duration fits, at a multiple of the step
//! after midnight in the zone the slots are shown in.
//!
//! Everything here is pure and works on sorted interval lists, so the cost
//! grows with the number of intervals, never with the length of the window
//! in minutes.

use chrono::{DateTime, Duration, NaiveDate, TimeZone as _, Timelike as _, Utc};
use chrono_tz::Tz;

use super::week::{Busy, BusySource, DAY_MINUTES, WorkingTime};

/// What a slot search asks for.
#[derive(Clone, Debug)]
pub struct SlotQuery {
    pub duration: Duration,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Kept free before and after each interview a participant already has.
    pub buffer: Duration,
    /// No slot starts before this (now plus the minimum notice).
    pub earliest: DateTime<Utc>,
    /// Starts fall on multiples of this after midnight in `time_zone`.
    pub step_minutes: u16,
    pub time_zone: Tz,
    pub max: usize,
}

/// One participant as the search sees them.
#[derive(Clone, Debug)]
pub struct Participant {
    pub user_id: i64,
    pub working: WorkingTime,
    pub busy: Vec<Busy>,
    /// One of their calendars has not been read successfully lately, so
    /// they may be busy at times this search does not know of.
    pub calendar_stale: bool,
}

/// Why a participant rules slots out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constraint {
    /// No time in the window is within their working hours long enough.
    OutsideHours,
    /// They work then, but are busy at every time long enough.
    Busy,
    /// Their busy times may be out of date.
    CalendarStale,
}

/// One participant's part in an empty answer, or a warning about a chosen time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Obstacle {
    pub user_id: i64,
    pub constraint: Constraint,
}

/// Why a search found nothing, beyond what each participant contributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortfall {
    /// The window ends before the minimum notice allows a start.
    Notice,
    /// Each participant alone has time, but never at the same time.
    NoCommonTime,
}

/// The answer of a search: the starts found, earliest first, and when there
/// are none, why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Suggestion {
    pub starts: Vec<DateTime<Utc>>,
    pub obstacles: Vec<Obstacle>,
    pub shortfall: Option<Shortfall>,
}

/// A half-open UTC interval `[.0, .1)`.
type Span = (DateTime<Utc>, DateTime<Utc>);

/// The starts when every participant is free, or why there are none.
pub fn suggest(query: &SlotQuery, participants: &[Participant]) -> Suggestion {
    let start = query.from.max(query.earliest);
    if start + query.duration > query.to {
        return Suggestion {
            shortfall: Some(Shortfall::Notice),
            ..Suggestion::default()
        };
    }
    let window = (start, query.to);
    let mut common = vec![window];
    let mut each_fits = true;
    let mut obstacles = Vec::new();
    for participant in participants {
        let hours = working_spans(&participant.working, window);
        let free = subtract(&hours, &busy_spans(participant, query.buffer));
        if !fits_any(query, &hours) {
            obstacles.push(participant.obstacle(Constraint::OutsideHours));
            each_fits = false;
        } else if !fits_any(query, &free) {
            obstacles.push(participant.obstacle(Constraint::Busy));
            each_fits = false;
        }
        if participant.calendar_stale {
            obstacles.push(participant.obstacle(Constraint::CalendarStale));
        }
        common = intersect(&common, &free);
    }
    let starts = starts_in(query, &common);
    if !starts.is_empty() {
        return Suggestion {
            starts,
            ..Suggestion::default()
        };
    }
    Suggestion {
        starts,
        shortfall: each_fits.then_some(Shortfall::NoCommonTime),
        obstacles,
    }
}

/// What stands in the way of an interview at `[starts_at, ends_at)`: each
/// participant outside their hours or busy then (interviews in `exclude`,
/// the one being moved, do not count), and calendars that may be stale.
pub fn warnings(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    participants: &[Participant],
    exclude_interview: Option<i64>,
) -> Vec<Obstacle> {
    let interval = (starts_at, ends_at);
    let mut found = Vec::new();
    for participant in participants {
        let hours = working_spans(&participant.working, interval);
        if !covers(&hours, interval) {
            found.push(participant.obstacle(Constraint::OutsideHours));
        }
        let busy = participant.busy.iter().any(|busy| {
            let moved = matches!(
                (busy.source, exclude_interview),
                (BusySource::Interview(id), Some(moving)) if id == moving
            );
            !moved && busy.starts_at < ends_at && starts_at < busy.ends_at
        });
        if busy {
            found.push(participant.obstacle(Constraint::Busy));
        }
        if participant.calendar_stale {
            found.push(participant.obstacle(Constraint::CalendarStale));
        }
    }
    found
}

impl Participant {
    fn obstacle(&self, constraint: Constraint) -> Obstacle {
        Obstacle {
            user_id: self.user_id,
            constraint,
        }
    }
}

/// The participant's working time within `window`, in UTC, sorted and merged.
fn working_spans(working: &WorkingTime, window: Span) -> Vec<Span> {
    let zone = working.time_zone;
    // A day either side: a local date starts up to 14 hours away from UTC's.
    let first = window.0.with_timezone(&zone).date_naive().pred_opt();
    let last = window.1.with_timezone(&zone).date_naive().succ_opt();
    let (Some(first), Some(last)) = (first, last) else {
        return Vec::new();
    };
    let mut spans = Vec::new();
    for date in first.iter_days().take_while(|date| *date <= last) {
        for local in working.spans_on(date) {
            let (Some(start), Some(end)) = (
                local_instant(zone, date, local.start),
                local_instant(zone, date, local.end),
            ) else {
                continue;
            };
            let span = (start.max(window.0), end.min(window.1));
            if span.0 < span.1 {
                spans.push(span);
            }
        }
    }
    merge(spans)
}

/// The UTC instant of a wall-clock minute on a date in `zone`. A minute that
/// does not exist (skipped when clocks go forward) is taken as the first one
/// after the gap; a repeated one as its first occurrence.
fn local_instant(zone: Tz, date: NaiveDate, minute: u16) -> Option<DateTime<Utc>> {
    let (date, minute) = if minute >= DAY_MINUTES {
        (date.succ_opt()?, minute - DAY_MINUTES)
    } else {
        (date, minute)
    };
    let naive = date.and_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)?;
    // Gaps last at most a few hours; step forward until the clock exists.
    (0..=4 * 60)
        .step_by(15)
        .find_map(|skip| {
            zone.from_local_datetime(&(naive + Duration::minutes(skip)))
                .earliest()
        })
        .map(|instant| instant.with_timezone(&Utc))
}

/// A participant's busy intervals, interviews widened by the buffer, sorted
/// and merged.
fn busy_spans(participant: &Participant, buffer: Duration) -> Vec<Span> {
    let spans = participant
        .busy
        .iter()
        .filter(|busy| busy.starts_at < busy.ends_at)
        .map(|busy| match busy.source {
            BusySource::Interview(_) => (busy.starts_at - buffer, busy.ends_at + buffer),
            BusySource::Calendar(_) => (busy.starts_at, busy.ends_at),
        })
        .collect();
    merge(spans)
}

/// Sorts spans and joins those that overlap or touch.
fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_unstable();
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.0 <= last.1 => last.1 = last.1.max(span.1),
            _ => merged.push(span),
        }
    }
    merged
}

/// `spans` without `holes`; both sorted and merged.
fn subtract(spans: &[Span], holes: &[Span]) -> Vec<Span> {
    let mut out = Vec::with_capacity(spans.len());
    let mut next_hole = 0;
    for &(mut start, end) in spans {
        while next_hole < holes.len() && holes[next_hole].1 <= start {
            next_hole += 1;
        }
        let mut hole = next_hole;
        while hole < holes.len() && holes[hole].0 < end {
            if holes[hole].0 > start {
                out.push((start, holes[hole].0));
            }
            start = start.max(holes[hole].1);
            hole += 1;
        }
        if start < end {
            out.push((start, end));
        }
    }
    out
}

/// The times in both lists; both sorted and merged.
fn intersect(a: &[Span], b: &[Span]) -> Vec<Span> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let start = a[i].0.max(b[j].0);
        let end = a[i].1.min(b[j].1);
        if start < end {
            out.push((start, end));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Whether one span holds the whole interval.
fn covers(spans: &[Span], interval: Span) -> bool {
    spans
        .iter()
        .any(|span| span.0 <= interval.0 && interval.1 <= span.1)
}

/// Whether any aligned start fits in the spans.
fn fits_any(query: &SlotQuery, spans: &[Span]) -> bool {
    spans.iter().any(|span| first_fit(query, *span).is_some())
}

/// The first aligned start in the span with room for the interview.
fn first_fit(query: &SlotQuery, span: Span) -> Option<DateTime<Utc>> {
    let start = aligned_from(query, span.0)?;
    (start + query.duration <= span.1).then_some(start)
}

/// Up to `max` aligned starts, earliest first, each with room in its span.
fn starts_in(query: &SlotQuery, spans: &[Span]) -> Vec<DateTime<Utc>> {
    let mut starts = Vec::new();
    for &(from, until) in spans {
        let mut next = aligned_from(query, from);
        while let Some(start) = next {
            if starts.len() >= query.max || start + query.duration > until {
                break;
            }
            starts.push(start);
            next = aligned_from(query, start + Duration::minutes(1));
        }
        if starts.len() >= query.max {
            break;
        }
    }
    starts
}

/// The first instant at or after `from` whose wall-clock time in the query's
/// zone is a whole multiple of the step after midnight.
///
/// Computed from the local clock each time rather than by adding steps, so
/// a daylight-saving change keeps starts on :00 and :30 instead of
/// shifting them by the change.
fn aligned_from(query: &SlotQuery, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let step = u32::from(query.step_minutes.max(1));
    // Round up to a whole minute first.
    let mut at = if from.second() == 0 && from.nanosecond() == 0 {
        from
    } else {
        from.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1)
    };
    // A change of offset can leave the first guess unaligned; a second
    // look settles it (offsets change by whole minutes).
    for _ in 0..4 {
        let local = at.with_timezone(&query.time_zone);
        let minute = local.hour() * 60 + local.minute();
        let rest = minute % step;
        if rest == 0 {
            return Some(at);
        }
        let ahead = (step - rest).min(u32::from(DAY_MINUTES) - minute);
        at += Duration::minutes(i64::from(ahead));
    }
    None
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::scheduling::LocalSpan;

    /// A span from "HH:MM" texts.
    fn span(start: &str, end: &str) -> Option<LocalSpan> {
        fn minutes(text: &str) -> Option<u16> {
            let (hours, minutes) = text.split_once(':')?;
            Some(hours.parse::<u16>().ok()? * 60 + minutes.parse::<u16>().ok()?)
        }
        LocalSpan::new(minutes(start)?, minutes(end)?)
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test time")
            .with_timezone(&Utc)
    }

    fn office(zone: Tz) -> WorkingTime {
        let day = vec![span("09:00", "17:00").expect("span")];
        WorkingTime {
            time_zone: zone,
            weekly: [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                Vec::new(),
                Vec::new(),
            ],
            overrides: BTreeMap::new(),
        }
    }

    fn person(user_id: i64, zone: Tz) -> Participant {
        Participant {
            user_id,
            working: office(zone),
            busy: Vec::new(),
            calendar_stale: false,
        }
    }

    fn query(from: &str, to: &str, zone: Tz) -> SlotQuery {
        SlotQuery {
            duration: Duration::minutes(45),
            from: utc(from),
            to: utc(to),
            buffer: Duration::zero(),
            earliest: utc(from),
            step_minutes: 30,
            time_zone: zone,
            max: 1000,
        }
    }

    fn busy(from: &str, to: &str, source: BusySource) -> Busy {
        Busy {
            starts_at: utc(from),
            ends_at: utc(to),
            source,
        }
    }

    #[test]
    fn a_day_in_paris_offers_aligned_starts_within_hours() {
        let q = query(
            "2027-03-03T00:00:00Z",
            "2027-03-04T00:00:00Z",
            Tz::Europe__Paris,
        );
        let found = suggest(&q, &[person(1, Tz::Europe__Paris)]);
        // 09:00–17:00 CET is 08:00–16:00 UTC; the last 45-minute start is 15:00.
        assert_eq!(found.starts.first(), Some(&utc("2027-03-03T08:00:00Z")));
        assert_eq!(found.starts.last(), Some(&utc("2027-03-03T15:00:00Z")));
        assert_eq!(found.starts.len(), 15);
        assert!(found.obstacles.is_empty());
    }

    #[test]
    fn local_hours_hold_across_both_daylight_saving_changes() {
        let paris = Tz::Europe__Paris;
        // Friday before and Monday after the spring change (2027-03-28).
        let q = query("2027-03-26T00:00:00Z", "2027-03-30T00:00:00Z", paris);
        let starts = suggest(&q, &[person(1, paris)]).starts;
        assert_eq!(starts.first(), Some(&utc("2027-03-26T08:00:00Z")));
        assert!(starts.contains(&utc("2027-03-29T07:00:00Z")));
        assert!(!starts.contains(&utc("2027-03-29T06:30:00Z")));
        // Autumn change (2027-10-31): Friday at 07:00 UTC, Monday at 08:00 UTC.
        let q = query("2027-10-29T00:00:00Z", "2027-11-02T00:00:00Z", paris);
        let starts = suggest(&q, &[person(1, paris)]).starts;
        assert_eq!(starts.first(), Some(&utc("2027-10-29T07:00:00Z")));
        assert!(starts.contains(&utc("2027-11-01T08:00:00Z")));
        assert!(!starts.contains(&utc("2027-11-01T07:30:00Z")));
        for start in starts {
            let local = start.with_timezone(&paris);
            assert_eq!(local.minute() % 30, 0, "{local}");
            assert!((9..17).contains(&local.hour()), "{local}");
        }
    }

    #[test]
    fn a_panel_across_three_zones_meets_where_all_hours_overlap() {
        let q = query(
            "2027-06-07T00:00:00Z",
            "2027-06-08T00:00:00Z",
            Tz::Europe__Paris,
        );
        let panel = [
            person(1, Tz::Europe__Paris),
            person(2, Tz::Europe__Berlin),
            person(3, Tz::America__New_York),
        ];
        let starts = suggest(&q, &panel).starts;
        // New York opens at 13:00 UTC, Paris and Berlin close at 15:00 UTC.
        assert_eq!(
            starts,
            vec![
                utc("2027-06-07T13:00:00Z"),
                utc("2027-06-07T13:30:00Z"),
                utc("2027-06-07T14:00:00Z")
            ]
        );
    }

    #[test]
    fn busy_times_and_buffers_around_interviews_are_avoided() {
        let q = SlotQuery {
            buffer: Duration::minutes(15),
            ..query("2027-06-07T00:00:00Z", "2027-06-08T00:00:00Z", Tz::UTC)
        };
        let mut someone = person(1, Tz::UTC);
        someone.busy = vec![
            busy(
                "2027-06-07T10:00:00Z",
                "2027-06-07T11:00:00Z",
                BusySource::Interview(9),
            ),
            busy(
                "2027-06-07T13:00:00Z",
                "2027-06-07T14:00:00Z",
                BusySource::Calendar(4),
            ),
        ];
        let starts = suggest(&q, &[someone]).starts;
        // The buffer keeps 09:15–10:00 free only until 09:45: 09:00 is the last
        // start before; after, 11:15 rounds up to 11:30.
        assert!(starts.contains(&utc("2027-06-07T09:00:00Z")));
        assert!(!starts.contains(&utc("2027-06-07T09:30:00Z")));
        assert!(!starts.contains(&utc("2027-06-07T11:00:00Z")));
        assert!(starts.contains(&utc("2027-06-07T11:30:00Z")));
        // No buffer around calendar events: 12:00–12:45 fits right before 13:00.
        assert!(starts.contains(&utc("2027-06-07T12:00:00Z")));
        assert!(!starts.contains(&utc("2027-06-07T12:30:00Z")));
        assert!(starts.contains(&utc("2027-06-07T14:00:00Z")));
    }

    #[test]
    fn notice_step_and_max_shape_the_answer() {
        let q = SlotQuery {
            earliest: utc("2027-06-07T10:07:00Z"),
            step_minutes: 15,
            max: 3,
            ..query("2027-06-07T00:00:00Z", "2027-06-08T00:00:00Z", Tz::UTC)
        };
        let starts = suggest(&q, &[person(1, Tz::UTC)]).starts;
        assert_eq!(
            starts,
            vec![
                utc("2027-06-07T10:15:00Z"),
                utc("2027-06-07T10:30:00Z"),
                utc("2027-06-07T10:45:00Z")
            ]
        );
        let late = SlotQuery {
            earliest: utc("2027-06-08T00:00:00Z"),
            ..q
        };
        assert_eq!(
            suggest(&late, &[person(1, Tz::UTC)]).shortfall,
            Some(Shortfall::Notice)
        );
    }

    #[test]
    fn overrides_replace_a_date_and_a_day_off_removes_it() {
        let mut someone = person(1, Tz::UTC);
        let monday = NaiveDate::from_ymd_opt(2027, 6, 7).expect("date");
        let tuesday = NaiveDate::from_ymd_opt(2027, 6, 8).expect("date");
        someone.working.overrides.insert(monday, Vec::new());
        someone
            .working
            .overrides
            .insert(tuesday, vec![span("07:00", "08:00").expect("span")]);
        let q = query("2027-06-07T00:00:00Z", "2027-06-09T00:00:00Z", Tz::UTC);
        let starts = suggest(&q, &[someone]).starts;
        assert_eq!(starts, vec![utc("2027-06-08T07:00:00Z")]);
    }

    #[test]
    fn an_empty_answer_says_who_and_why() {
        let q = query("2027-06-07T00:00:00Z", "2027-06-08T00:00:00Z", Tz::UTC);
        let mut busy_all_day = person(2, Tz::UTC);
        busy_all_day.busy = vec![busy(
            "2027-06-07T00:00:00Z",
            "2027-06-08T00:00:00Z",
            BusySource::Calendar(1),
        )];
        busy_all_day.calendar_stale = true;
        let mut weekend_only = person(3, Tz::UTC);
        weekend_only.working.weekly[0].clear();
        let found = suggest(&q, &[person(1, Tz::UTC), busy_all_day, weekend_only]);
        assert!(found.starts.is_empty());
        assert_eq!(found.shortfall, None);
        assert_eq!(
            found.obstacles,
            vec![
                Obstacle {
                    user_id: 2,
                    constraint: Constraint::Busy
                },
                Obstacle {
                    user_id: 2,
                    constraint: Constraint::CalendarStale
                },
                Obstacle {
                    user_id: 3,
                    constraint: Constraint::OutsideHours
                },
            ]
        );
    }

    #[test]
    fn free_apart_but_never_together_is_its_own_reason() {
        let q = query("2027-06-07T00:00:00Z", "2027-06-08T00:00:00Z", Tz::UTC);
        let mut morning = person(1, Tz::UTC);
        morning.working.weekly[0] = vec![span("08:00", "10:00").expect("span")];
        let mut afternoon = person(2, Tz::UTC);
        afternoon.working.weekly[0] = vec![span("14:00", "16:00").expect("span")];
        let found = suggest(&q, &[morning, afternoon]);
        assert!(found.starts.is_empty());
        assert!(found.obstacles.is_empty());
        assert_eq!(found.shortfall, Some(Shortfall::NoCommonTime));
    }

    #[test]
    fn warnings_name_busy_and_outside_hours_but_not_the_moved_interview() {
        let mut someone = person(1, Tz::Europe__Berlin);
        someone.busy = vec![busy(
            "2027-06-07T08:00:00Z",
            "2027-06-07T09:00:00Z",
            BusySource::Interview(5),
        )];
        let at = |s, e| warnings(utc(s), utc(e), std::slice::from_ref(&someone), None);
        assert!(at("2027-06-07T10:00:00Z", "2027-06-07T11:00:00Z").is_empty());
        assert_eq!(
            at("2027-06-07T08:30:00Z", "2027-06-07T09:30:00Z"),
            vec![Obstacle {
                user_id: 1,
                constraint: Constraint::Busy
            }]
        );
        // 06:00 UTC is 08:00 in Berlin in summer: before their day starts.
        assert_eq!(
            at("2027-06-07T06:00:00Z", "2027-06-07T07:00:00Z"),
            vec![Obstacle {
                user_id: 1,
                constraint: Constraint::OutsideHours
            }]
        );
        let moving = warnings(
            utc("2027-06-07T08:30:00Z"),
            utc("2027-06-07T09:30:00Z"),
            std::slice::from_ref(&someone),
            Some(5),
        );
        assert!(moving.is_empty());
    }

    #[test]
    fn hours_that_start_in_a_skipped_hour_begin_after_it() {
        // 02:00–04:00 on the spring change in Paris: 02:00 does not exist.
        let mut night = person(1, Tz::Europe__Paris);
        let sunday = NaiveDate::from_ymd_opt(2027, 3, 28).expect("date");
        night
            .working
            .overrides
            .insert(sunday, vec![span("02:00", "04:00").expect("span")]);
        let q = query(
            "2027-03-27T20:00:00Z",
            "2027-03-28T06:00:00Z",
            Tz::Europe__Paris,
        );
        let starts = suggest(&q, &[night]).starts;
        // 03:00 CEST = 01:00 UTC; until 04:00 CEST = 02:00 UTC.
        assert_eq!(starts, vec![utc("2027-03-28T01:00:00Z")]);
    }

    #[test]
    fn interval_arithmetic_is_exact_at_the_edges() {
        let t = |h: u32| utc(&format!("2027-01-01T{h:02}:00:00Z"));
        let spans = [(t(8), t(12)), (t(13), t(17))];
        let holes = [(t(7), t(9)), (t(10), t(11)), (t(12), t(13)), (t(16), t(18))];
        assert_eq!(
            subtract(&spans, &holes),
            vec![(t(9), t(10)), (t(11), t(12)), (t(13), t(16))]
        );
        assert_eq!(
            intersect(&spans, &[(t(11), t(14))]),
            vec![(t(11), t(12)), (t(13), t(14))]
        );
        assert_eq!(
            merge(vec![(t(3), t(5)), (t(1), t(3)), (t(6), t(7))]),
            vec![(t(1), t(5)), (t(6), t(7))]
        );
    }
}
