//! The emails recruitmail writes itself: the invitation to an interview the
//! candidate booked through a scheduling link without a template chosen, and
//! the notices when an interview moves or is cancelled. Built-in templates in
//! every language recruitmail writes in (their sentences are in the language
//! catalogs), rendered like any template (placeholders, signature, text part).

use crate::languages::{Language, Text};

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
fn details(language: &Language) -> String {
    let label = |text: Text| language.text(text);
    format!(
        "<p><strong>{{{{ interview_title }}}}</strong><br>\
         {} {{{{ interview_date }}}}<br>\
         {} {{{{ interview_time }}}}–{{{{ interview_end_time }}}} {{{{ interview_time_zone }}}} \
         ({{{{ interview_duration }}}})\
         {{% if interview_location %}}<br>{} {{{{ interview_location }}}}{{% endif %}}\
         {{% if interview_link %}}<br>{} {{{{ interview_link }}}}{{% endif %}}\
         {{% if interview_participants %}}<br>{} {{{{ interview_participants }}}}{{% endif %}}</p>",
        label(Text::DetailsDate),
        label(Text::DetailsTime),
        label(Text::DetailsLocation),
        label(Text::DetailsLink),
        label(Text::DetailsParticipants),
    )
}

/// A greeting, a lead sentence, the details and a closing sentence.
fn body(language: &Language, greeting: Text, lead: Text, close: Text) -> String {
    format!(
        "<p>{}</p><p>{}</p>{}<p>{}</p>",
        language.text(greeting),
        language.text(lead),
        details(language),
        language.text(close)
    )
}

/// The template (subject, HTML body) of a notice in `language`.
pub fn template(notice: Notice, language: &Language) -> (&'static str, String) {
    let (subject, lead, close) = match notice {
        Notice::Invited => (
            Text::CandidateInvitedSubject,
            Text::CandidateInvitedLead,
            Text::CandidateInvitedClose,
        ),
        Notice::Moved => (
            Text::CandidateMovedSubject,
            Text::CandidateMovedLead,
            Text::CandidateMovedClose,
        ),
        Notice::Cancelled => (
            Text::CandidateCancelledSubject,
            Text::CandidateCancelledLead,
            Text::CandidateCancelledClose,
        ),
    };
    (
        language.text(subject),
        body(language, Text::CandidateGreeting, lead, close),
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
pub fn participant_template(
    notice: ParticipantNotice,
    language: &Language,
) -> (&'static str, String) {
    let (subject, lead, close) = match notice {
        ParticipantNotice::Invited => (
            Text::ParticipantInvitedSubject,
            Text::ParticipantInvitedLead,
            Text::ParticipantInvitedClose,
        ),
        ParticipantNotice::Moved => (
            Text::ParticipantMovedSubject,
            Text::ParticipantMovedLead,
            Text::ParticipantMovedClose,
        ),
        ParticipantNotice::Cancelled => (
            Text::ParticipantCancelledSubject,
            Text::ParticipantCancelledLead,
            Text::ParticipantCancelledClose,
        ),
        ParticipantNotice::Removed => (
            Text::ParticipantRemovedSubject,
            Text::ParticipantRemovedLead,
            Text::ParticipantRemovedClose,
        ),
        ParticipantNotice::Reminder => (
            Text::ParticipantReminderSubject,
            Text::ParticipantReminderLead,
            Text::ParticipantReminderClose,
        ),
    };
    (
        language.text(subject),
        body(language, Text::ParticipantGreeting, lead, close),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::Compiled;

    fn every_language() -> impl Iterator<Item = Language> {
        crate::languages::codes().filter_map(Language::supported)
    }

    #[test]
    fn every_notice_compiles_as_an_interview_template_in_every_language() {
        for notice in [Notice::Invited, Notice::Moved, Notice::Cancelled] {
            for language in every_language() {
                let (subject, body) = template(notice, &language);
                Compiled::new(subject, &body, true).unwrap();
            }
        }
    }

    #[test]
    fn every_participant_notice_compiles_as_an_interview_template_in_every_language() {
        use ParticipantNotice::*;
        for notice in [Invited, Moved, Cancelled, Removed, Reminder] {
            for language in every_language() {
                let (subject, body) = participant_template(notice, &language);
                Compiled::new(subject, &body, true).unwrap();
            }
        }
    }

    #[test]
    fn a_notice_is_written_in_its_language() {
        let dutch = Language::resolve(Some("nl-BE"), "en");
        let (subject, body) = template(Notice::Cancelled, &dutch);
        assert_eq!(subject, "Geannuleerd: {{ interview_title }}");
        assert!(body.starts_with("<p>Beste {{ first_name }} {{ last_name }},</p>"));
        assert!(body.contains("<br>Locatie: {{ interview_location }}"));
        let (subject, _) = participant_template(ParticipantNotice::Reminder, &dutch);
        assert_eq!(subject, "Herinnering: {{ interview_title }}");
    }
}
