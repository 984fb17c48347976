//! The interview placeholders: dates and times in the message's language and
//! the interview's time zone. Their words and order come from CLDR through
//! [`Language`].

use chrono::{DateTime, Utc};
use chrono_tz::{OffsetName as _, Tz};

use super::placeholders::InterviewValues;
use crate::languages::Language;

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
    language: &Language,
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
        date: language.date_with_weekday(start.date_naive()),
        time: language.time(start.time()),
        end_time: language.time(end.time()),
        duration: language.duration((ends_at - starts_at).num_minutes()),
        time_zone: zone_name,
        location: location.map(str::to_owned),
        link: link.map(str::to_owned),
        participants: (!participants.is_empty()).then(|| participants.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

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
            &Language::resolve(Some("fr-FR"), "en"),
        );
        assert_eq!(values.time, "01:30");
        assert_eq!(values.end_time, "03:30");
        assert_eq!(values.duration, "1 h");
        assert_eq!(values.time_zone, "Europe/Paris (CET)");
        assert_eq!(
            values.participants.as_deref(),
            Some("Jonas Weber, Lea Fischer")
        );
        assert_eq!(values.date, "dimanche 29 mars 2026");
    }

    #[test]
    fn english_times_use_the_twelve_hour_clock() {
        let start = Utc.with_ymd_and_hms(2026, 12, 1, 13, 30, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 12, 1, 14, 15, 0).unwrap();
        let values = interview(
            "Talk",
            start,
            end,
            "UTC",
            None,
            None,
            &[],
            &Language::english(),
        );
        assert_eq!(values.date, "Tuesday, December 1, 2026");
        assert_eq!(values.time, "1:30\u{202f}PM");
        assert_eq!(values.end_time, "2:15\u{202f}PM");
        assert_eq!(values.duration, "45 min");
        assert_eq!(values.time_zone, "UTC");
    }
}
