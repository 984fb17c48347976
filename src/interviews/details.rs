//! An interview's details as plain text, for pasting into a free-form email
//! (the "copy details" path) and for the notices of changes and cancellations.

use entity::interview;

use crate::templates::{InterviewValues, dates};

/// The interview's placeholder values in `language`, with its participants'
/// names.
pub fn values(row: &interview::Model, participants: &[String], language: &str) -> InterviewValues {
    dates::interview(
        &row.title,
        row.starts_at,
        row.ends_at,
        &row.time_zone,
        row.location.as_deref(),
        row.video_link.as_deref(),
        participants,
        language,
    )
}

/// The labels of one language; English where there is no translation.
pub(super) struct Labels {
    pub date: &'static str,
    pub time: &'static str,
    pub location: &'static str,
    pub link: &'static str,
    pub participants: &'static str,
}

const ENGLISH: Labels = Labels {
    date: "Date",
    time: "Time",
    location: "Location",
    link: "Video link",
    participants: "Participants",
};

const GERMAN: Labels = Labels {
    date: "Datum",
    time: "Uhrzeit",
    location: "Ort",
    link: "Videolink",
    participants: "Teilnehmende",
};

/// The details, one per line, in `language`: the title, then date, time
/// span with time zone and duration, location, link and participants as far
/// as the interview has them.
pub fn details_text(values: &InterviewValues, language: &str) -> String {
    let labels = labels(language);
    let mut lines = vec![
        values.title.clone(),
        format!("{}: {}", labels.date, values.date),
        format!(
            "{}: {}–{} {} ({})",
            labels.time, values.time, values.end_time, values.time_zone, values.duration
        ),
    ];
    if let Some(location) = &values.location {
        lines.push(format!("{}: {location}", labels.location));
    }
    if let Some(link) = &values.link {
        lines.push(format!("{}: {link}", labels.link));
    }
    if let Some(participants) = &values.participants {
        lines.push(format!("{}: {participants}", labels.participants));
    }
    lines.join("\n")
}

/// The text as HTML for a template body: `&`, `<`, `>` and quotes become
/// character references and each line ends in `<br>`. A template's text part
/// is derived from its HTML, so references cannot keep a brace from opening a
/// tag there: a word joiner (U+2060, invisible) goes between `{` and a following `{`, `%`
/// or `#` instead, which no reader sees and no template reads as a tag.
pub fn details_html(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + text.len() / 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            '\n' => html.push_str("<br>\n"),
            '{' if matches!(chars.peek(), Some('{' | '%' | '#')) => html.push_str("{\u{2060}"),
            other => html.push(other),
        }
    }
    html
}

/// The details' labels in `language`.
pub(super) fn labels(language: &str) -> &'static Labels {
    if is_german(language) {
        &GERMAN
    } else {
        &ENGLISH
    }
}

pub(super) fn is_german(language: &str) -> bool {
    language
        .split('-')
        .next()
        .is_some_and(|primary| primary.eq_ignore_ascii_case("de"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone as _, Utc};

    #[test]
    fn details_follow_the_zone_across_the_change_to_summer_time() {
        let people = ["Bo Lead".to_owned(), "Cy Dev".to_owned()];
        // Paris moves to CEST at 02:00 on Sunday 29 March 2026: 09:00 local is
        // 08:00 UTC on the Friday before and 07:00 UTC on the Monday after.
        let friday = dates::interview(
            "Interview",
            Utc.with_ymd_and_hms(2026, 3, 27, 8, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 3, 27, 9, 0, 0).unwrap(),
            "Europe/Paris",
            Some("Room 1"),
            None,
            &people,
            "en",
        );
        assert_eq!(
            details_text(&friday, "en"),
            "Interview\nDate: Friday, 27 March 2026\n\
             Time: 09:00–10:00 Europe/Paris (CET) (1 h)\n\
             Location: Room 1\nParticipants: Bo Lead, Cy Dev"
        );
        let monday = dates::interview(
            "Gespräch",
            Utc.with_ymd_and_hms(2026, 3, 30, 7, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 3, 30, 7, 45, 0).unwrap(),
            "Europe/Paris",
            None,
            Some("https://meet.example/x"),
            &[],
            "de-AT",
        );
        assert_eq!(
            details_text(&monday, "de-AT"),
            "Gespräch\nDatum: Montag, 30. März 2026\n\
             Uhrzeit: 09:00–09:45 Europe/Paris (CEST) (45 min)\n\
             Videolink: https://meet.example/x"
        );
    }

    #[test]
    fn html_details_escape_markup_and_never_open_a_tag() {
        let html = details_html("A <b> & {{ x }} {% if %} {#\nB's \"c\" {a}");
        assert_eq!(
            html,
            "A &lt;b&gt; &amp; {\u{2060}{ x }} {\u{2060}% if %} {\u{2060}#<br>\nB&#39;s &quot;c&quot; {a}"
        );
        crate::templates::Compiled::new("S", &format!("<p>{html}</p>"), true).unwrap();
    }

    #[test]
    fn the_night_of_the_change_is_one_hour_long() {
        // 01:30 CET to 03:30 CEST is one hour, not two.
        let night = dates::interview(
            "Late call",
            Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap(),
            "Europe/Paris",
            None,
            None,
            &[],
            "en",
        );
        assert!(details_text(&night, "en").contains("Time: 01:30–03:30 Europe/Paris (CET) (1 h)"));
    }
}
