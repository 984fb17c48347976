//! An interview's details as plain text, for pasting into a free-form email
//! (the "copy details" path) and for the notices of changes and cancellations.

use entity::interview;

use crate::languages::{Language, Text};
use crate::templates::{InterviewValues, dates};

/// The interview's placeholder values in `language`, with its participants'
/// names.
pub fn values(
    row: &interview::Model,
    participants: &[String],
    language: &Language,
) -> InterviewValues {
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

/// The details, one per line, in `language`: the title, then date, time
/// span with time zone and duration, location, link and participants as far
/// as the interview has them.
pub fn details_text(values: &InterviewValues, language: &Language) -> String {
    let line = |label: Text, value: &str| format!("{} {value}", language.text(label));
    let mut lines = vec![
        values.title.clone(),
        line(Text::DetailsDate, &values.date),
        line(
            Text::DetailsTime,
            &format!(
                "{}–{} {} ({})",
                values.time, values.end_time, values.time_zone, values.duration
            ),
        ),
    ];
    if let Some(location) = &values.location {
        lines.push(line(Text::DetailsLocation, location));
    }
    if let Some(link) = &values.link {
        lines.push(line(Text::DetailsLink, link));
    }
    if let Some(participants) = &values.participants {
        lines.push(line(Text::DetailsParticipants, participants));
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
            &Language::resolve(Some("en-GB"), "de"),
        );
        assert_eq!(
            details_text(&friday, &Language::resolve(Some("en-GB"), "de")),
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
            &Language::resolve(Some("de-AT"), "en"),
        );
        assert_eq!(
            details_text(&monday, &Language::resolve(Some("de-AT"), "en")),
            "Gespräch\nDatum: Montag, 30. März 2026\n\
             Uhrzeit: 09:00–09:45 Europe/Paris (CEST) (45 Min.)\n\
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
            &Language::english(),
        );
        assert!(
            details_text(&night, &Language::english())
                .contains("Time: 1:30\u{202f}AM–3:30\u{202f}AM Europe/Paris (CET) (1 h)")
        );
    }

    #[test]
    fn details_in_every_language() {
        let expected = [
            (
                "fr",
                "Entretien\nDate\u{a0}: mercredi 3 juin 2026\n\
                 Heure\u{a0}: 10:00–11:30 Europe/Paris (CEST) (1 h 30 min)\n\
                 Lieu\u{a0}: Salle 2\nLien visio\u{a0}: https://meet.example/x\n\
                 Participants\u{a0}: Bo Lead",
            ),
            (
                "es",
                "Entretien\nFecha: miércoles, 3 de junio de 2026\n\
                 Hora: 10:00–11:30 Europe/Paris (CEST) (1 h 30 min)\n\
                 Lugar: Salle 2\nEnlace de vídeo: https://meet.example/x\n\
                 Participantes: Bo Lead",
            ),
            (
                "it",
                "Entretien\nData: mercoledì 3 giugno 2026\n\
                 Ora: 10:00–11:30 Europe/Paris (CEST) (1 h 30 min)\n\
                 Luogo: Salle 2\nLink video: https://meet.example/x\n\
                 Partecipanti: Bo Lead",
            ),
            (
                "nl",
                "Entretien\nDatum: woensdag 3 juni 2026\n\
                 Tijd: 10:00–11:30 Europe/Paris (CEST) (1 u 30 min)\n\
                 Locatie: Salle 2\nVideolink: https://meet.example/x\n\
                 Deelnemers: Bo Lead",
            ),
        ];
        for (code, text) in expected {
            let language = Language::resolve(Some(code), "en");
            let values = dates::interview(
                "Entretien",
                Utc.with_ymd_and_hms(2026, 6, 3, 8, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2026, 6, 3, 9, 30, 0).unwrap(),
                "Europe/Paris",
                Some("Salle 2"),
                Some("https://meet.example/x"),
                &["Bo Lead".to_owned()],
                &language,
            );
            assert_eq!(details_text(&values, &language), text, "{code}");
        }
    }
}
