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

/// Why an employee taking part is written to. Their emails are written by
/// recruitmail alone (no template): short, with the details and the
/// calendar part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParticipantNotice {
    /// The interview was scheduled, or they were added to it.
    Invited,
    /// The interview moved.
    Moved,
    /// The interview was cancelled.
    Cancelled,
    /// They no longer take part.
    Removed,
    /// The interview is soon.
    Reminder,
}

/// The template (subject, HTML body) of an email to a participant in
/// `language`; the placeholders name the candidate and the interview.
pub fn participant_template(notice: ParticipantNotice, language: &str) -> (&'static str, String) {
    let german = super::details::is_german(language);
    let (subject, lead, close) = match (notice, german) {
        (ParticipantNotice::Invited, false) => (
            "Interview: {{ interview_title }}",
            "you take part in this interview with {{ first_name }} {{ last_name }}:",
            "The calendar entry comes with this email; please answer it there.",
        ),
        (ParticipantNotice::Invited, true) => (
            "Vorstellungsgespräch: {{ interview_title }}",
            "Sie nehmen an diesem Vorstellungsgespräch mit {{ first_name }} {{ last_name }} teil:",
            "Der Kalendereintrag kommt mit dieser E-Mail; bitte antworten Sie dort.",
        ),
        (ParticipantNotice::Moved, false) => (
            "Updated: {{ interview_title }}",
            "the interview with {{ first_name }} {{ last_name }} has been moved. The new details:",
            "Your calendar entry is updated with this email; please answer it again.",
        ),
        (ParticipantNotice::Moved, true) => (
            "Geändert: {{ interview_title }}",
            "das Vorstellungsgespräch mit {{ first_name }} {{ last_name }} wurde verschoben. Die neuen Angaben:",
            "Ihr Kalendereintrag wird mit dieser E-Mail aktualisiert; bitte antworten Sie erneut.",
        ),
        (ParticipantNotice::Cancelled, false) => (
            "Cancelled: {{ interview_title }}",
            "the interview with {{ first_name }} {{ last_name }} has been cancelled:",
            "Your calendar entry is removed with this email.",
        ),
        (ParticipantNotice::Cancelled, true) => (
            "Abgesagt: {{ interview_title }}",
            "das Vorstellungsgespräch mit {{ first_name }} {{ last_name }} wurde abgesagt:",
            "Ihr Kalendereintrag wird mit dieser E-Mail entfernt.",
        ),
        (ParticipantNotice::Removed, false) => (
            "Cancelled: {{ interview_title }}",
            "you no longer take part in the interview with {{ first_name }} {{ last_name }}:",
            "Your calendar entry is removed with this email.",
        ),
        (ParticipantNotice::Removed, true) => (
            "Abgesagt: {{ interview_title }}",
            "Sie nehmen nicht mehr am Vorstellungsgespräch mit {{ first_name }} {{ last_name }} teil:",
            "Ihr Kalendereintrag wird mit dieser E-Mail entfernt.",
        ),
        (ParticipantNotice::Reminder, false) => (
            "Reminder: {{ interview_title }}",
            "a reminder of your interview with {{ first_name }} {{ last_name }}:",
            "The entry is in your calendar.",
        ),
        (ParticipantNotice::Reminder, true) => (
            "Erinnerung: {{ interview_title }}",
            "eine Erinnerung an Ihr Vorstellungsgespräch mit {{ first_name }} {{ last_name }}:",
            "Der Eintrag steht in Ihrem Kalender.",
        ),
    };
    let greeting = if german { "Hallo," } else { "Hello," };
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

    #[test]
    fn every_participant_notice_compiles_as_an_interview_template() {
        use ParticipantNotice::*;
        for notice in [Invited, Moved, Cancelled, Removed, Reminder] {
            for language in ["en", "de", "fr"] {
                let (subject, body) = participant_template(notice, language);
                Compiled::new(subject, &body, true).unwrap();
            }
        }
    }
}
