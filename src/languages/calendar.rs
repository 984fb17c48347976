//! Dates and times spelled out as CLDR says a locale writes them (Unicode
//! UTS #35, Part 4), with the data compiled into ICU4X: names of months and
//! weekdays, their order, and a 12- or 24-hour clock.

use chrono::{Datelike as _, NaiveDate, NaiveTime, Timelike as _};
use icu_calendar::{Date, Gregorian};
use icu_datetime::fieldsets::{T, YMD, YMDE};
use icu_datetime::input::Time;
use icu_datetime::{FixedCalendarDateTimeFormatter, NoCalendarFormatter};
use icu_locale_core::Locale;

/// The day in `locale`'s long form, with its weekday or without, e.g.
/// `mercredi 3 juin 2026` or `3. Juni 2026`. Days are Gregorian whatever the
/// locale prefers, like every date recruitmail stores. If the data cannot be
/// had, ISO 8601 (`2026-06-03`), which every reader can parse.
pub(super) fn date(locale: &Locale, day: NaiveDate, weekday: bool) -> String {
    let iso = || day.format("%Y-%m-%d").to_string();
    let (Ok(month), Ok(day_of_month)) = (u8::try_from(day.month()), u8::try_from(day.day())) else {
        return iso();
    };
    let Ok(input) = Date::try_new_gregorian(day.year(), month, day_of_month) else {
        return iso();
    };
    let formatted = if weekday {
        FixedCalendarDateTimeFormatter::<Gregorian, _>::try_new(locale.into(), YMDE::long())
            .map(|f| f.format(&input).to_string())
    } else {
        FixedCalendarDateTimeFormatter::<Gregorian, _>::try_new(locale.into(), YMD::long())
            .map(|f| f.format(&input).to_string())
    };
    formatted.unwrap_or_else(|_| iso())
}

/// Hours and minutes as `locale` shows them: `15:00` in most of Europe,
/// `3:00 PM` in American English; `HH:MM` if the data cannot be had.
pub(super) fn time(locale: &Locale, at: NaiveTime) -> String {
    let fallback = || at.format("%H:%M").to_string();
    let (Ok(hour), Ok(minute)) = (u8::try_from(at.hour()), u8::try_from(at.minute())) else {
        return fallback();
    };
    let Ok(input) = Time::try_new(hour, minute, 0, 0) else {
        return fallback();
    };
    NoCalendarFormatter::try_new(locale.into(), T::hm())
        .map(|f| f.format(&input).to_string())
        .unwrap_or_else(|_| fallback())
}
