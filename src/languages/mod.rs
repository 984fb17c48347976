//! The languages recruitmail writes in, and which one a message is written
//! in.
//!
//! Dates and times come from CLDR ([`calendar`]); labels and sentences from
//! one catalog per language ([`texts`]). A message is written in the reader's
//! language when recruitmail writes it, matched by its primary subtag (`fr-CA`
//! is written in French, with Canadian French dates); else in the company's
//! default language; else in English.

mod calendar;
mod texts;

use chrono::{NaiveDate, NaiveTime};
use icu_locale_core::{LanguageIdentifier, Locale};

use crate::domain::LanguageTag;
pub use texts::{Text, fill};

/// A language recruitmail writes in, with the locale its dates follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Language {
    /// Index of its catalog in [`texts::CATALOGS`].
    index: usize,
    locale: Locale,
}

impl Language {
    /// The language of a message for a reader of `wanted` (a BCP 47 tag, if
    /// known) in a company that writes `company_default` otherwise: the
    /// first of the two recruitmail writes in, else English.
    pub fn resolve(wanted: Option<&str>, company_default: &str) -> Self {
        wanted
            .into_iter()
            .chain([company_default])
            .find_map(Self::supported)
            .unwrap_or_else(Self::english)
    }

    /// `tag`, if recruitmail writes in its language (its primary subtag).
    /// Dates follow the whole tag, so `de-CH` gets Swiss dates; extensions
    /// (`-u-…`) are left out, so the calendar stays Gregorian.
    pub fn supported(tag: &str) -> Option<Self> {
        let tag = LanguageTag::parse(tag).ok()?;
        let index = texts::CATALOGS
            .iter()
            .position(|(code, _)| code.eq_ignore_ascii_case(tag.primary()))?;
        let code = texts::CATALOGS[index].0;
        let identifier = LanguageIdentifier::try_from_str(tag.as_str())
            .ok()
            .filter(|id| id.language.as_str() == code)
            .or_else(|| LanguageIdentifier::try_from_str(code).ok())?;
        Some(Self {
            index,
            locale: Locale::from(identifier),
        })
    }

    /// English (CLDR's `en`), when nothing else is known.
    pub fn english() -> Self {
        Self {
            index: 0,
            locale: icu_locale_core::locale!("en"),
        }
    }

    /// The primary language subtag: `fr` for `fr-CA`.
    pub fn code(&self) -> &'static str {
        texts::CATALOGS[self.index].0
    }

    /// The text in this language.
    pub fn text(&self, text: Text) -> &'static str {
        texts::lookup(self.index, text)
    }

    /// A day, e.g. `3 juin 2026`.
    pub fn date(&self, day: NaiveDate) -> String {
        calendar::date(&self.locale, day, false)
    }

    /// A day with its weekday, e.g. `mercredi 3 juin 2026`.
    pub fn date_with_weekday(&self, day: NaiveDate) -> String {
        calendar::date(&self.locale, day, true)
    }

    /// A time of day, e.g. `14:30`, or `2:30 PM` in English.
    pub fn time(&self, at: NaiveTime) -> String {
        calendar::time(&self.locale, at)
    }

    /// A length of time: `45 min`, `1 h`, `1 h 30 min` in English.
    pub fn duration(&self, minutes: i64) -> String {
        let (hours, minutes) = (minutes.max(0) / 60, minutes.max(0) % 60);
        let (hours, minutes) = (hours.to_string(), minutes.to_string());
        let values = [("hours", hours.as_str()), ("minutes", minutes.as_str())];
        let text = match (hours.as_str(), minutes.as_str()) {
            ("0", _) => Text::DurationMinutes,
            (_, "0") => Text::DurationHours,
            _ => Text::DurationHoursMinutes,
        };
        fill(self.text(text), &values)
    }
}

/// The primary subtags of the languages recruitmail writes in, English first.
pub fn codes() -> impl Iterator<Item = &'static str> {
    texts::CATALOGS.iter().map(|(code, _)| *code)
}

#[cfg(test)]
mod tests;
