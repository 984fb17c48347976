use chrono::{NaiveDate, NaiveTime};

use super::*;

fn june_3() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 3).unwrap()
}

fn language(tag: &str) -> Language {
    Language::supported(tag).unwrap()
}

#[test]
fn dates_read_as_each_language_writes_them() {
    let cases = [
        ("fr", "mercredi 3 juin 2026", "3 juin 2026"),
        ("de", "Mittwoch, 3. Juni 2026", "3. Juni 2026"),
        ("en", "Wednesday, June 3, 2026", "June 3, 2026"),
        ("en-GB", "Wednesday, 3 June 2026", "3 June 2026"),
        ("es", "miércoles, 3 de junio de 2026", "3 de junio de 2026"),
        ("it", "mercoledì 3 giugno 2026", "3 giugno 2026"),
        ("nl", "woensdag 3 juni 2026", "3 juni 2026"),
    ];
    for (tag, with_weekday, plain) in cases {
        let language = language(tag);
        assert_eq!(language.date_with_weekday(june_3()), with_weekday, "{tag}");
        assert_eq!(language.date(june_3()), plain, "{tag}");
    }
}

#[test]
fn times_use_the_clock_cldr_gives_each_language() {
    let afternoon = NaiveTime::from_hms_opt(14, 5, 0).unwrap();
    let morning = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    for tag in ["fr", "de", "es", "it", "nl", "en-GB"] {
        assert_eq!(language(tag).time(afternoon), "14:05", "{tag}");
        assert_eq!(language(tag).time(morning), "09:00", "{tag}");
    }
    assert_eq!(language("en").time(afternoon), "2:05\u{202f}PM");
}

#[test]
fn regional_tags_fall_back_to_their_language_and_unknown_ones_to_the_company() {
    assert_eq!(Language::resolve(Some("fr-CA"), "de").code(), "fr");
    assert_eq!(Language::resolve(Some("DE_at"), "fr").code(), "de");
    assert_eq!(Language::resolve(Some("ja"), "nl").code(), "nl");
    assert_eq!(Language::resolve(Some("not a tag"), "it-CH").code(), "it");
    assert_eq!(Language::resolve(None, "es").code(), "es");
    assert_eq!(Language::resolve(Some("ja"), "ko"), Language::english());
    // The region still shapes the date: Austrian German says Jänner.
    let january = NaiveDate::from_ymd_opt(2027, 1, 4).unwrap();
    assert_eq!(language("de-AT").date(january), "4. Jänner 2027");
    assert_eq!(language("de").date(january), "4. Januar 2027");
}

#[test]
fn a_calendar_extension_does_not_change_the_calendar() {
    assert_eq!(
        language("en-u-ca-hebrew").date(june_3()),
        language("en").date(june_3())
    );
}

#[test]
fn durations_in_every_language() {
    for code in codes() {
        let language = language(code);
        for minutes in [45, 60, 90] {
            let text = language.duration(minutes);
            assert!(!text.contains('{'), "{code}: {text}");
        }
    }
    let english = Language::english();
    assert_eq!(english.duration(45), "45 min");
    assert_eq!(english.duration(120), "2 h");
    assert_eq!(english.duration(90), "1 h 30 min");
    assert_eq!(english.duration(-5), "0 min");
    assert_eq!(language("de").duration(90), "1 Std. 30 Min.");
    assert_eq!(language("nl").duration(60), "1 u");
}

#[test]
fn every_language_is_written_in() {
    let codes: Vec<&str> = codes().collect();
    assert_eq!(codes, ["en", "de", "fr", "es", "it", "nl"]);
    for code in codes {
        assert_eq!(language(code).code(), code);
        assert_ne!(language(code).date(june_3()), "2026-06-03", "{code}");
    }
}
