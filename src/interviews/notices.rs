//! The emails recruitmail writes itself: the invitation to an interview the
//! candidate booked through a scheduling link without a template chosen, and
//! the notices when an interview moves or is cancelled. Built-in templates in
//! English and German, rendered like any template (placeholders, signature,
//! text part).

/// Why the candidate is written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The interview was booked: the invitation's email.
    Invited,
    /// The interview moved: the calendar update's email.
    Moved,
    /// The interview was cancelled: the calendar cancellation's email.
    Cancelled,
}

/// The details block: the lines of `detailsText`, as placeholders.
fn details(language: &str) -> String {
    let labels = super::details::labels(language);
    format!(
        "<p><strong>{{{{ interview_title }}}}</strong><br>\
         {}: {{{{ interview_date }}}}<br>\
         {}: {{{{ interview_time }}}}–{{{{ interview_end_time }}}} {{{{ interview_time_zone }}}} \
         ({{{{ interview_duration }}}})\
         {{% if interview_location %}}<br>{}: {{{{ interview_location }}}}{{% endif %}}\
         {{% if interview_link %}}<br>{}: {{{{ interview_link }}}}{{% endif %}}\
         {{% if interview_participants %}}<br>{}: {{{{ interview_participants }}}}{{% endif %}}</p>",
        labels.date, labels.time, labels.location, labels.link, labels.participants
    )
}

/// The template (subject, HTML body) of a notice in `language`.
pub fn template(notice: Notice, language: &str) -> (&'static str, String) {
    let german = super::details::is_german(language);
    let (subject, greeting, lead, close) = match (notice, german) {
        (Notice::Invited, false) => (
            "Invitation: {{ interview_title }}",
            "Dear {{ first_name }} {{ last_name }},",
            "thank you for booking your interview. The details:",
            "The calendar invitation attached to this email adds it to your calendar.",
        ),
        (Notice::Invited, true) => (
            "Einladung: {{ interview_title }}",
            "Guten Tag {{ first_name }} {{ last_name }},",
            "vielen Dank für Ihre Terminbuchung. Die Angaben zum Gespräch:",
            "Mit der Kalendereinladung in dieser E-Mail tragen Sie den Termin in Ihren Kalender ein.",
        ),
        (Notice::Moved, false) => (
            "Updated: {{ interview_title }}",
            "Dear {{ first_name }} {{ last_name }},",
            "your interview has been moved. The new details:",
            "Your calendar entry is updated with this email.",
        ),
        (Notice::Moved, true) => (
            "Geändert: {{ interview_title }}",
            "Guten Tag {{ first_name }} {{ last_name }},",
            "Ihr Vorstellungsgespräch wurde verschoben. Die neuen Angaben:",
            "Ihr Kalendereintrag wird mit dieser E-Mail aktualisiert.",
        ),
        (Notice::Cancelled, false) => (
            "Cancelled: {{ interview_title }}",
            "Dear {{ first_name }} {{ last_name }},",
            "we are sorry to tell you that this interview has been cancelled:",
            "Your calendar entry is removed with this email.",
        ),
        (Notice::Cancelled, true) => (
            "Abgesagt: {{ interview_title }}",
            "Guten Tag {{ first_name }} {{ last_name }},",
            "leider müssen wir dieses Vorstellungsgespräch absagen:",
            "Ihr Kalendereintrag wird mit dieser E-Mail entfernt.",
        ),
    };
    (
        subject,
        format!(
            "<p>{greeting}</p><p>{lead}</p>{}<p>{close}</p>",
            details(language)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::Compiled;

    #[test]
    fn every_notice_compiles_as_an_interview_template() {
        for notice in [Notice::Invited, Notice::Moved, Notice::Cancelled] {
            for language in ["en", "de", "fr"] {
                let (subject, body) = template(notice, language);
                Compiled::new(subject, &body, true).unwrap();
            }
        }
    }
}
