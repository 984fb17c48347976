//! Dates and times as placeholders show them, in the message's language and
//! the interview's time zone.
//!
//! English and German are spelled out; other languages get ISO 8601 dates,
//! which every reader can parse. Times use the 24-hour clock.

use chrono::{DateTime, Datelike as _, NaiveDate, Utc};
use chrono_tz::{OffsetName as _, Tz};

use super::placeholders::InterviewValues;

/// A day, e.g. `3 November 2026` or `3. November 2026`.
pub fn date(day: NaiveDate, language: &str) -> String {
    match primary(language) {
        "de" => format!(
            "{}. {} {}",
            day.day(),
            GERMAN_MONTHS[month(day)],
            day.year()
        ),
        "en" => format!(
            "{} {} {}",
            day.day(),
            ENGLISH_MONTHS[month(day)],
            day.year()
        ),
        _ => day.format("%Y-%m-%d").to_string(),
    }
}

/// A day with its weekday, e.g. `Tuesday, 1 December 2026`.
pub fn date_with_weekday(day: NaiveDate, language: &str) -> String {
    let weekday = day.weekday().num_days_from_monday() as usize;
    match primary(language) {
        "de" => format!("{}, {}", GERMAN_DAYS[weekday], date(day, language)),
        "en" => format!("{}, {}", ENGLISH_DAYS[weekday], date(day, language)),
        _ => format!("{} ({})", date(day, language), day.weekday()),
    }
}

/// The interview placeholders for an interview in `time_zone` (IANA name;
/// an unknown one shows the times in UTC).
#[expect(
    clippy::too_many_arguments,
    reason = "each argument is one placeholder's source; callers name them at the call"
)]
pub fn interview(
    title: &str,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    time_zone: &str,
    location: Option<&str>,
    link: Option<&str>,
    participants: &[String],
    language: &str,
) -> InterviewValues {
    let zone: Tz = time_zone.parse().unwrap_or(Tz::UTC);
    let start = starts_at.with_timezone(&zone);
    let end = ends_at.with_timezone(&zone);
    let abbreviation = start.offset().abbreviation().unwrap_or_default();
    let zone_name = if abbreviation.is_empty() || abbreviation == zone.name() {
        zone.name().to_owned()
    } else {
        format!("{} ({abbreviation})", zone.name())
    };
    InterviewValues {
        title: title.to_owned(),
        date: date_with_weekday(start.date_naive(), language),
        time: start.format("%H:%M").to_string(),
        end_time: end.format("%H:%M").to_string(),
        duration: duration((ends_at - starts_at).num_minutes()),
        time_zone: zone_name,
        location: location.map(str::to_owned),
        link: link.map(str::to_owned),
        participants: (!participants.is_empty()).then(|| participants.join(", ")),
    }
}

/// `45 min`, `1 h`, `1 h 30 min`.
fn duration(minutes: i64) -> String {
    let (hours, minutes) = (minutes.max(0) / 60, minutes.max(0) % 60);
    match (hours, minutes) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

fn primary(language: &str) -> &str {
    let primary = language.split('-').next().unwrap_or(language);
    if primary.eq_ignore_ascii_case("de") {
        "de"
    } else if primary.eq_ignore_ascii_case("en") {
        "en"
    } else {
        ""
    }
}

fn month(day: NaiveDate) -> usize {
    day.month0() as usize
}

const ENGLISH_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const GERMAN_MONTHS: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const ENGLISH_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const GERMAN_DAYS: [&str; 7] = [
    "Montag",
    "Dienstag",
    "Mittwoch",
    "Donnerstag",
    "Freitag",
    "Samstag",
    "Sonntag",
];

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn dates_in_english_german_and_iso() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        assert_eq!(date(day, "en-GB"), "29 March 2026");
        assert_eq!(date(day, "de"), "29. März 2026");
        assert_eq!(date(day, "fr"), "2026-03-29");
        assert_eq!(date_with_weekday(day, "de-AT"), "Sonntag, 29. März 2026");
        assert_eq!(date_with_weekday(day, "en"), "Sunday, 29 March 2026");
    }

    #[test]
    fn interview_times_follow_the_time_zone_across_daylight_saving() {
        // Europe/Paris moves from CET to CEST at 01:00 UTC on 29 March 2026.
        let start = Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap();
        let values = interview(
            "Talk",
            start,
            end,
            "Europe/Paris",
            Some("Paris"),
            None,
            &["Jonas Weber".into(), "Lea Fischer".into()],
            "en",
        );
        assert_eq!(values.time, "01:30");
        assert_eq!(values.end_time, "03:30");
        assert_eq!(values.duration, "1 h");
        assert_eq!(values.time_zone, "Europe/Paris (CET)");
        assert_eq!(
            values.participants.as_deref(),
            Some("Jonas Weber, Lea Fischer")
        );
        assert_eq!(values.date, "Sunday, 29 March 2026");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(45), "45 min");
        assert_eq!(duration(120), "2 h");
        assert_eq!(duration(90), "1 h 30 min");
    }
}
