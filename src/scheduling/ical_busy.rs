//! Reading a user's iCalendar data (a feed or an uploaded file) into the
//! intervals when they are busy.
//!
//! Only times are kept: titles, attendees, locations and descriptions are
//! never read into anything that outlives the call. What counts as busy
//! follows RFC 5545: a VEVENT is busy unless `TRANSP:TRANSPARENT` (§3.8.2.7)
//! or `STATUS:CANCELLED` (§3.8.1.11); a VFREEBUSY's `FREEBUSY` periods are
//! busy unless `FBTYPE=FREE` (§3.2.9, §3.8.2.6).
//!
//! Recurring events are expanded by the `rrule` crate in the event's own zone,
//! so a weekly 10:00 meeting in Europe/Paris stays at 10:00 local time on both
//! sides of a daylight-saving change (§3.3.10). RDATE and EXDATE join the
//! rule (§3.8.5.1, §3.8.5.2); an instance with a RECURRENCE-ID replaces the
//! occurrence it names (§3.8.4.4; one with `RANGE=THISANDFUTURE` replaces
//! only that occurrence, not the later ones).
//!
//! A calendar is untrusted input, so the work is bounded: only the
//! [`Window`] is kept, each event yields at most
//! [`MAX_OCCURRENCES_PER_EVENT`] intervals, the occurrences examined across a
//! calendar are capped by [`MAX_EXAMINED`], and a calendar keeps at most
//! [`MAX_INTERVALS`] intervals.

use std::collections::{HashMap, HashSet};
use std::str::FromStr as _;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone as _, Utc};
use chrono_tz::Tz;
use icalendar::parser::{Component, Property};

/// Deepest nesting of `BEGIN:` blocks accepted (VCALENDAR > VEVENT > VALARM
/// is three); deeper input is refused before the recursive parser sees it.
const MAX_DEPTH: usize = 8;

/// Intervals one event may contribute within the window.
pub const MAX_OCCURRENCES_PER_EVENT: usize = 2_000;

/// Occurrences the expansion may examine across one calendar, inside the
/// window or before it (a daily rule that began years ago walks those years).
pub const MAX_EXAMINED: usize = 300_000;

/// Intervals kept for one calendar.
pub const MAX_INTERVALS: usize = 20_000;

/// The stretch of time a calendar is read for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Window {
    /// Days before now kept, so an interview running now still sees its
    /// participants' day.
    pub const DAYS_BEFORE: i64 = 1;
    /// Days after now kept: the furthest a slot search may look.
    pub const DAYS_AFTER: i64 = 180;

    /// The window read when a calendar is fetched or uploaded at `now`.
    pub fn around(now: DateTime<Utc>) -> Self {
        Self {
            start: now - Duration::days(Self::DAYS_BEFORE),
            end: now + Duration::days(Self::DAYS_AFTER),
        }
    }
}

/// The busy intervals read from a calendar.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BusyRead {
    /// Sorted, merged where they overlap or touch, within the window.
    pub intervals: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Whether a cap cut the reading short: later intervals may be missing.
    pub truncated: bool,
}

/// Reads `text` (an iCalendar object) into busy intervals overlapping
/// `window`. Floating times and all-day dates are in `zone`, the user's.
///
/// The error is a short message for the calendar's owner.
pub fn read_busy(text: &str, zone: Tz, window: Window) -> Result<BusyRead, String> {
    let unfolded = icalendar::parser::unfold(text);
    check_depth(&unfolded)?;
    let calendar = icalendar::parser::read_calendar(&unfolded).map_err(|e| {
        let first = e.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        format!("not a valid iCalendar file ({})", first.trim())
    })?;
    let mut found = Found::default();
    for component in &calendar.components {
        collect(component, &mut found, 0);
    }
    if !found.any_calendar_content && !is_calendar_root(&unfolded) {
        return Err("not an iCalendar file: it holds no VCALENDAR, VEVENT or VFREEBUSY".into());
    }
    let zones = ZoneNames::new(&found.timezones, zone);
    let mut reader = Reader {
        zone,
        zones,
        window,
        intervals: Vec::new(),
        examined: 0,
        truncated: false,
    };
    reader.events(&found.events);
    for freebusy in &found.freebusy {
        reader.freebusy(freebusy);
    }
    let truncated = reader.truncated;
    let mut intervals = merge(reader.intervals);
    let truncated = truncated || intervals.len() > MAX_INTERVALS;
    intervals.truncate(MAX_INTERVALS);
    Ok(BusyRead {
        intervals,
        truncated,
    })
}

/// Refuses input nested deeper than [`MAX_DEPTH`].
fn check_depth(text: &str) -> Result<(), String> {
    let mut depth = 0usize;
    for line in text.lines() {
        let line = line.trim_start();
        let starts = |prefix: &str| {
            line.get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
        };
        if starts("BEGIN:") {
            depth += 1;
            if depth > MAX_DEPTH {
                return Err(format!("components nested deeper than {MAX_DEPTH} levels"));
            }
        } else if starts("END:") {
            depth = depth.saturating_sub(1);
        }
    }
    Ok(())
}

/// The components that matter, wherever they are nested.
#[derive(Default)]
struct Found<'c, 'a> {
    events: Vec<&'c Component<'a>>,
    freebusy: Vec<&'c Component<'a>>,
    timezones: Vec<&'c Component<'a>>,
    any_calendar_content: bool,
}

fn collect<'c, 'a>(component: &'c Component<'a>, found: &mut Found<'c, 'a>, depth: usize) {
    match component.name.as_str().to_ascii_uppercase().as_str() {
        "VEVENT" => {
            found.events.push(component);
            found.any_calendar_content = true;
        }
        "VFREEBUSY" => {
            found.freebusy.push(component);
            found.any_calendar_content = true;
        }
        "VTIMEZONE" => found.timezones.push(component),
        "VCALENDAR" if depth < MAX_DEPTH => {
            // An empty calendar is a calendar, with nothing busy.
            found.any_calendar_content = true;
            for inner in &component.components {
                collect(inner, found, depth + 1);
            }
        }
        _ => {}
    }
}

/// The top-level `Calendar` of the parser hides the VCALENDAR itself; an
/// input whose root is a VCALENDAR is a calendar even without events.
fn is_calendar_root(text: &str) -> bool {
    text.trim_start()
        .get(..15)
        .is_some_and(|head| head.eq_ignore_ascii_case("BEGIN:VCALENDAR"))
}

/// How TZID parameters map to zones: IANA names as they are, names with a
/// vendor prefix (`/mozilla.org/…/Europe/Paris`) by their IANA tail, a
/// VTIMEZONE's `X-LIC-LOCATION`, and else the user's zone, which is the best
/// guess for a zone only the sender's software knows (RFC 5545 §3.2.19 leaves
/// TZIDs without a VTIMEZONE to agreement between the parties).
struct ZoneNames {
    known: HashMap<String, Tz>,
    fallback: Tz,
}

impl ZoneNames {
    fn new(timezones: &[&Component<'_>], fallback: Tz) -> Self {
        let mut known = HashMap::new();
        for tz in timezones {
            let Some(id) = prop(tz, "TZID") else { continue };
            let id = id.val.as_str().trim().to_owned();
            let resolved = iana(&id)
                .or_else(|| prop(tz, "X-LIC-LOCATION").and_then(|p| iana(p.val.as_str().trim())));
            if let Some(zone) = resolved {
                known.insert(id, zone);
            }
        }
        Self { known, fallback }
    }

    fn zone(&self, tzid: &str) -> Tz {
        let tzid = tzid.trim().trim_matches('"');
        self.known
            .get(tzid)
            .copied()
            .or_else(|| iana(tzid))
            .unwrap_or(self.fallback)
    }
}

/// An IANA zone named by `name` or by its last two or three `/` segments.
fn iana(name: &str) -> Option<Tz> {
    if let Ok(zone) = Tz::from_str(name) {
        return Some(zone);
    }
    let parts: Vec<&str> = name.split('/').filter(|p| !p.is_empty()).collect();
    (2..=3)
        .filter(|n| parts.len() > *n)
        .find_map(|n| Tz::from_str(&parts[parts.len() - n..].join("/")).ok())
}

/// A DATE or DATE-TIME value (RFC 5545 §3.3.4, §3.3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum When {
    Date(NaiveDate),
    Utc(DateTime<Utc>),
    /// A local time in a zone (TZID, or the user's zone for floating times).
    Local(NaiveDateTime, Tz),
}

impl When {
    fn instant(self, zone: Tz) -> DateTime<Utc> {
        match self {
            When::Date(date) => local_instant(zone, date.and_time(NaiveTime::MIN)),
            When::Utc(at) => at,
            When::Local(at, tz) => local_instant(tz, at),
        }
    }
}

/// The instant of a local time. An ambiguous time (clocks set back) is the
/// first of the two; a time that does not exist (clocks set forward) is read
/// with the offset before the change, as RFC 5545 §3.3.5 requires.
fn local_instant(zone: Tz, at: NaiveDateTime) -> DateTime<Utc> {
    use chrono::LocalResult;
    use chrono::Offset as _;
    match zone.from_local_datetime(&at) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => {
            let before = zone
                .offset_from_utc_datetime(&(at - Duration::days(1)))
                .fix();
            Utc.from_utc_datetime(&(at - Duration::seconds(i64::from(before.local_minus_utc()))))
        }
    }
}

fn prop<'c, 'a>(component: &'c Component<'a>, name: &str) -> Option<&'c Property<'a>> {
    component
        .properties
        .iter()
        .find(|p| p.name.as_str().eq_ignore_ascii_case(name))
}

fn props<'c, 'a: 'c>(
    component: &'c Component<'a>,
    name: &'c str,
) -> impl Iterator<Item = &'c Property<'a>> + 'c {
    component
        .properties
        .iter()
        .filter(move |p| p.name.as_str().eq_ignore_ascii_case(name))
}

fn param<'p>(property: &'p Property<'_>, name: &str) -> Option<&'p str> {
    property
        .params
        .iter()
        .find(|p| p.key.as_str().eq_ignore_ascii_case(name))
        .and_then(|p| p.val.as_ref())
        .map(|v| v.as_str().trim_matches('"'))
}

/// Parses one DATE or DATE-TIME text, in `tz` unless it ends with `Z`.
fn parse_when(text: &str, date_only: bool, tz: Tz) -> Option<When> {
    let text = text.trim();
    if date_only || text.len() == 8 {
        return NaiveDate::parse_from_str(text, "%Y%m%d")
            .ok()
            .map(When::Date);
    }
    if let Some(utc) = text.strip_suffix('Z').or_else(|| text.strip_suffix('z')) {
        return NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S")
            .ok()
            .map(|at| When::Utc(Utc.from_utc_datetime(&at)));
    }
    NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S")
        .ok()
        .map(|at| When::Local(at, tz))
}

impl ZoneNames {
    /// The zone a property's TZID names, else the user's.
    fn zone_of(&self, property: &Property<'_>) -> Tz {
        param(property, "TZID").map_or(self.fallback, |id| self.zone(id))
    }

    /// The one value of a DTSTART-like property.
    fn when(&self, property: &Property<'_>) -> Option<When> {
        let date_only = param(property, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
        parse_when(property.val.as_str(), date_only, self.zone_of(property))
    }

    /// The values of a list property (EXDATE, RDATE), periods by their start.
    fn whens(&self, property: &Property<'_>) -> Vec<When> {
        let date_only = param(property, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
        let tz = self.zone_of(property);
        property
            .val
            .as_str()
            .split(',')
            .filter_map(|item| {
                let start = item.split('/').next().unwrap_or(item);
                parse_when(start, date_only, tz)
            })
            .collect()
    }
}

/// A DURATION value (RFC 5545 §3.3.6): weeks, or days and a time part.
/// Days are nominal (a local day, 23 or 25 hours across a change of clocks),
/// the time part exact; negative durations are not lengths of events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Length {
    days: i64,
    seconds: i64,
}

fn parse_duration(text: &str) -> Option<Length> {
    let text = text.trim();
    let text = text.strip_prefix('+').unwrap_or(text);
    if text.starts_with('-') {
        return None;
    }
    let rest = text.strip_prefix('P').or_else(|| text.strip_prefix('p'))?;
    let mut length = Length::default();
    let mut number = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            '0'..='9' => number.push(c),
            'T' if number.is_empty() => in_time = true,
            unit => {
                let n: i64 = number.parse().ok().filter(|n| *n <= 100_000)?;
                number.clear();
                any = true;
                match (unit, in_time) {
                    ('W', false) => length.days += 7 * n,
                    ('D', false) => length.days += n,
                    ('H', true) => length.seconds += 3600 * n,
                    ('M', true) => length.seconds += 60 * n,
                    ('S', true) => length.seconds += n,
                    _ => return None,
                }
            }
        }
    }
    (any && number.is_empty()).then_some(length)
}

/// The end of an interval of `length` that starts at `start`.
fn end_after(start: When, length: Length, zone: Tz) -> DateTime<Utc> {
    let after_days = match start {
        When::Date(date) => When::Date(date + Duration::days(length.days)).instant(zone),
        When::Local(at, tz) => local_instant(tz, at + Duration::days(length.days)),
        When::Utc(at) => at + Duration::days(length.days),
    };
    after_days + Duration::seconds(length.seconds)
}

/// One VEVENT's times, without anything else it says.
struct Event {
    uid: Option<String>,
    recurrence_id: Option<DateTime<Utc>>,
    start: When,
    /// How long each occurrence lasts: days in the event's zone, then seconds.
    length: Length,
    free: bool,
    rrule: Option<String>,
    rdates: Vec<When>,
    exdates: Vec<When>,
}

struct Reader {
    zone: Tz,
    zones: ZoneNames,
    window: Window,
    intervals: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    examined: usize,
    truncated: bool,
}

impl Reader {
    fn events(&mut self, components: &[&Component<'_>]) {
        let events: Vec<Event> = components.iter().filter_map(|c| self.event(c)).collect();
        // RECURRENCE-IDs replace the occurrences they name, per UID.
        let mut moved: HashMap<&str, HashSet<DateTime<Utc>>> = HashMap::new();
        for event in &events {
            if let (Some(uid), Some(at)) = (&event.uid, event.recurrence_id) {
                moved.entry(uid.as_str()).or_default().insert(at);
            }
        }
        let none = HashSet::new();
        for event in &events {
            if self.truncated {
                return;
            }
            if event.recurrence_id.is_some() {
                if !event.free {
                    self.single(event);
                }
                continue;
            }
            if event.free {
                continue;
            }
            let replaced = event
                .uid
                .as_deref()
                .and_then(|uid| moved.get(uid))
                .unwrap_or(&none);
            if event.rrule.is_some() || !event.rdates.is_empty() {
                self.recurring(event, replaced);
            } else if !replaced.contains(&event.start.instant(self.zone)) {
                self.single(event);
            }
        }
    }

    fn event(&self, component: &Component<'_>) -> Option<Event> {
        let start_prop = prop(component, "DTSTART")?;
        let start = self.zones.when(start_prop)?;
        let length = if let Some(end) = prop(component, "DTEND").and_then(|p| self.zones.when(p)) {
            let (from, to) = (start.instant(self.zone), end.instant(self.zone));
            match (start, end) {
                (When::Date(a), When::Date(b)) => Length {
                    days: (b - a).num_days().max(0),
                    seconds: 0,
                },
                _ => Length {
                    days: 0,
                    seconds: (to - from).num_seconds().max(0),
                },
            }
        } else if let Some(duration) = prop(component, "DURATION") {
            parse_duration(duration.val.as_str())?
        } else if matches!(start, When::Date(_)) {
            // RFC 5545 §3.6.1: a date without an end takes that whole day.
            Length {
                days: 1,
                seconds: 0,
            }
        } else {
            Length::default()
        };
        let free = prop(component, "TRANSP")
            .is_some_and(|p| p.val.as_str().trim().eq_ignore_ascii_case("TRANSPARENT"))
            || prop(component, "STATUS")
                .is_some_and(|p| p.val.as_str().trim().eq_ignore_ascii_case("CANCELLED"));
        Some(Event {
            uid: prop(component, "UID").map(|p| p.val.as_str().trim().to_owned()),
            recurrence_id: prop(component, "RECURRENCE-ID")
                .and_then(|p| self.zones.when(p))
                .map(|w| w.instant(self.zone)),
            start,
            length,
            free,
            rrule: prop(component, "RRULE").map(|p| p.val.as_str().trim().to_owned()),
            rdates: props(component, "RDATE")
                .flat_map(|p| self.zones.whens(p))
                .collect(),
            exdates: props(component, "EXDATE")
                .flat_map(|p| self.zones.whens(p))
                .collect(),
        })
    }

    /// Keeps one interval if it has a length and overlaps the window.
    fn keep(&mut self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        if end <= start || end <= self.window.start || start >= self.window.end {
            return false;
        }
        if self.intervals.len() >= MAX_INTERVALS * 2 {
            self.truncated = true;
            return false;
        }
        self.intervals.push((start, end));
        true
    }

    fn single(&mut self, event: &Event) {
        let start = event.start.instant(self.zone);
        let end = end_after(event.start, event.length, self.zone);
        self.keep(start, end);
    }

    fn recurring(&mut self, event: &Event, replaced: &HashSet<DateTime<Utc>>) {
        let Some(set) = self.rule_set(event) else {
            // A rule the expander cannot read: the first occurrence is all
            // that is certain.
            if !replaced.contains(&event.start.instant(self.zone)) {
                self.single(event);
            }
            return;
        };
        let mut kept = 0usize;
        for occurrence in &set {
            self.examined += 1;
            if self.examined > MAX_EXAMINED {
                self.truncated = true;
                return;
            }
            let local = occurrence.naive_local();
            let start_when = match event.start {
                When::Date(_) => When::Date(local.date()),
                When::Utc(_) => When::Utc(occurrence.with_timezone(&Utc)),
                When::Local(_, tz) => When::Local(local, tz),
            };
            let start = start_when.instant(self.zone);
            if start >= self.window.end {
                return;
            }
            if replaced.contains(&start) {
                continue;
            }
            let end = end_after(start_when, event.length, self.zone);
            if self.keep(start, end) {
                kept += 1;
                if kept >= MAX_OCCURRENCES_PER_EVENT {
                    self.truncated = true;
                    return;
                }
            }
        }
    }

    /// The event's recurrence set in its own zone: all-day and floating
    /// events in the user's zone, UTC events in UTC.
    fn rule_set(&self, event: &Event) -> Option<rrule::RRuleSet> {
        let tz = match event.start {
            When::Date(_) => rrule::Tz::Tz(self.zone),
            When::Utc(_) => rrule::Tz::UTC,
            When::Local(_, tz) => rrule::Tz::Tz(tz),
        };
        let dt_start = event.start.instant(self.zone).with_timezone(&tz);
        let rule = match &event.rrule {
            Some(text) => self.rule(text, event.start, dt_start)?,
            None => None,
        };
        let mut set = match rule {
            Some(rule) => rule.build(dt_start).ok()?,
            // RDATEs alone, or a rule that ends before it begins: DTSTART
            // is the first instance (RFC 5545 §3.8.5.2, §3.8.5.3).
            None => rrule::RRuleSet::new(dt_start).rdate(dt_start),
        };
        for rdate in &event.rdates {
            set = set.rdate(rdate.instant(self.zone).with_timezone(&tz));
        }
        for exdate in &event.exdates {
            set = set.exdate(exdate.instant(self.zone).with_timezone(&tz));
        }
        Some(set.limit())
    }

    /// The RRULE with its UNTIL in UTC; `Some(None)` when it ends before
    /// DTSTART, `None` when it cannot be read.
    fn rule(
        &self,
        text: &str,
        start: When,
        dt_start: DateTime<rrule::Tz>,
    ) -> Option<Option<rrule::RRule<rrule::Unvalidated>>> {
        let (rule, until) = split_until(text);
        let mut rule = rrule::RRule::<rrule::Unvalidated>::from_str(&rule).ok()?;
        if let Some(until) = until {
            let until_zone = match start {
                When::Local(_, tz) => tz,
                _ => self.zone,
            };
            let until = match parse_when(&until, false, until_zone)? {
                // A date UNTIL includes that whole day.
                When::Date(d) => {
                    When::Date(d + Duration::days(1)).instant(self.zone) - Duration::seconds(1)
                }
                other => other.instant(self.zone),
            };
            if until < dt_start.with_timezone(&Utc) {
                return Some(None);
            }
            rule = rule.until(until.with_timezone(&rrule::Tz::UTC));
        }
        Some(Some(rule))
    }

    fn freebusy(&mut self, component: &Component<'_>) {
        for property in props(component, "FREEBUSY") {
            if self.truncated {
                return;
            }
            let free = param(property, "FBTYPE").is_some_and(|t| t.eq_ignore_ascii_case("FREE"));
            if free {
                continue;
            }
            let tz = self.zones.zone_of(property);
            for period in property.val.as_str().split(',') {
                let Some((from, to)) = period.split_once('/') else {
                    continue;
                };
                let Some(start) = parse_when(from, false, tz) else {
                    continue;
                };
                let end = if to.trim_start().starts_with(['P', 'p', '+']) {
                    parse_duration(to).map(|length| end_after(start, length, self.zone))
                } else {
                    parse_when(to, false, tz).map(|w| w.instant(self.zone))
                };
                if let Some(end) = end {
                    self.keep(start.instant(self.zone), end);
                }
            }
        }
    }
}

/// Splits `UNTIL=` off an RRULE value: the expander wants it in UTC, which
/// calendars often do not write (a date, or a floating time).
fn split_until(rule: &str) -> (String, Option<String>) {
    let mut until = None;
    let rest: Vec<&str> = rule
        .split(';')
        .filter(|part| match part.split_once('=') {
            Some((key, value)) if key.trim().eq_ignore_ascii_case("UNTIL") => {
                until = Some(value.trim().to_owned());
                false
            }
            _ => !part.trim().is_empty(),
        })
        .collect();
    (rest.join(";"), until)
}

/// Sorts intervals and merges those that overlap or touch.
fn merge(
    mut intervals: Vec<(DateTime<Utc>, DateTime<Utc>)>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    intervals.sort_unstable();
    let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::with_capacity(intervals.len());
    for (start, end) in intervals {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

#[cfg(test)]
#[path = "ical_busy_tests.rs"]
mod tests;
