//! The emails recruitmail writes itself when an interview the candidate was
//! invited to moves or is cancelled: built-in templates in English and German,
//! rendered like any template (placeholders, signature, text part).

/// Why the candidate is written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The interview moved: the calendar update's email.
    Moved,
    /// The interview was cancelled: the calendar cancellation's email.
    Cancelled,
}

/// The details block, shared by every notice of a language.
macro_rules! details {
    ($date:literal, $time:literal, $location:literal, $link:literal, $participants:literal) => {
        concat!(
            "<p><strong>{{ interview_title }}</strong><br>",
            $date,
            ": {{ interview_date }}<br>",
            $time,
            ": {{ interview_time }}–{{ interview_end_time }} {{ interview_time_zone }} ",
            "({{ interview_duration }})",
            "{% if interview_location %}<br>",
            $location,
            ": {{ interview_location }}{% endif %}",
            "{% if interview_link %}<br>",
            $link,
            ": {{ interview_link }}{% endif %}",
            "{% if interview_participants %}<br>",
            $participants,
            ": {{ interview_participants }}{% endif %}</p>"
        )
    };
}

const ENGLISH_DETAILS: &str = details!("Date", "Time", "Location", "Video link", "Participants");
const GERMAN_DETAILS: &str = details!("Datum", "Uhrzeit", "Ort", "Videolink", "Teilnehmende");

/// The template (subject, HTML body) of a notice in `language`.
pub fn template(notice: Notice, language: &str) -> (&'static str, String) {
    let german = super::details::is_german(language);
    let (subject, greeting, lead, details, close) = match (notice, german) {
        (Notice::Moved, false) => (
            "Updated: {{ interview_title }}",
            "Dear {{ first_name }} {{ last_name }},",
            "your interview has been moved. The new details:",
            ENGLISH_DETAILS,
            "Your calendar entry is updated with this email.",
        ),
        (Notice::Moved, true) => (
            "Geändert: {{ interview_title }}",
            "Guten Tag {{ first_name }} {{ last_name }},",
            "Ihr Vorstellungsgespräch wurde verschoben. Die neuen Angaben:",
            GERMAN_DETAILS,
            "Ihr Kalendereintrag wird mit dieser E-Mail aktualisiert.",
        ),
        (Notice::Cancelled, false) => (
            "Cancelled: {{ interview_title }}",
            "Dear {{ first_name }} {{ last_name }},",
            "we are sorry to tell you that this interview has been cancelled:",
            ENGLISH_DETAILS,
            "Your calendar entry is removed with this email.",
        ),
        (Notice::Cancelled, true) => (
            "Abgesagt: {{ interview_title }}",
            "Guten Tag {{ first_name }} {{ last_name }},",
            "leider müssen wir dieses Vorstellungsgespräch absagen:",
            GERMAN_DETAILS,
            "Ihr Kalendereintrag wird mit dieser E-Mail entfernt.",
        ),
    };
    (
        subject,
        format!("<p>{greeting}</p><p>{lead}</p>{details}<p>{close}</p>"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::Compiled;

    #[test]
    fn every_notice_compiles_as_an_interview_template() {
        for notice in [Notice::Moved, Notice::Cancelled] {
            for language in ["en", "de", "fr"] {
                let (subject, body) = template(notice, language);
                Compiled::new(subject, &body, true).unwrap();
            }
        }
    }
}
