//! The placeholders a template may name, and the values they take for one message.

use entity::enums::Gender;

/// One placeholder as the `placeholders` query lists it.
#[derive(Debug)]
pub struct Placeholder {
    /// Written as `{{ name }}` in a template.
    pub name: &'static str,
    pub description: &'static str,
    pub example: &'static str,
    /// Only templates marked as interview-related may use it.
    pub interview: bool,
    read: fn(&Values) -> Option<&str>,
}

impl Placeholder {
    /// This placeholder's value for one message, if it has a non-empty one.
    pub fn value<'v>(&self, values: &'v Values) -> Option<&'v str> {
        (self.read)(values).filter(|v| !v.trim().is_empty())
    }
}

/// What one message's placeholders are filled with. `None` (or empty) means the
/// message has no value for it: it renders empty and is reported as missing.
#[derive(Clone, Debug)]
pub struct Values {
    /// Picks the form of each gender form in the template.
    pub gender: Gender,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub position_name: Option<String>,
    pub company_name: Option<String>,
    pub subsidiary_name: Option<String>,
    pub sender_name: Option<String>,
    pub sender_email: Option<String>,
    pub application_date: Option<String>,
    pub today: Option<String>,
    /// The page where the candidate books their interview.
    pub scheduling_link: Option<String>,
    /// The candidate's privacy page.
    pub privacy_link: Option<String>,
    pub interview: Option<InterviewValues>,
}

impl Values {
    /// No values yet, for a candidate of `gender`.
    pub fn for_gender(gender: Gender) -> Self {
        Self {
            gender,
            first_name: None,
            last_name: None,
            full_name: None,
            email: None,
            position_name: None,
            company_name: None,
            subsidiary_name: None,
            sender_name: None,
            sender_email: None,
            application_date: None,
            today: None,
            scheduling_link: None,
            privacy_link: None,
            interview: None,
        }
    }
}

/// The interview placeholders' values, already formatted in the interview's
/// time zone and the message's language.
#[derive(Clone, Debug, Default)]
pub struct InterviewValues {
    pub title: String,
    pub date: String,
    pub time: String,
    pub end_time: String,
    pub duration: String,
    pub time_zone: String,
    pub location: Option<String>,
    pub link: Option<String>,
    pub participants: Option<String>,
}

/// The placeholder called `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Placeholder> {
    PLACEHOLDERS.iter().find(|p| p.name == name)
}

/// The names a template may use, in catalogue order, for error messages.
pub fn names_allowed(interview_related: bool) -> Vec<&'static str> {
    PLACEHOLDERS
        .iter()
        .filter(|p| interview_related || !p.interview)
        .map(|p| p.name)
        .collect()
}

fn interview(v: &Values) -> Option<&InterviewValues> {
    v.interview.as_ref()
}

/// Every placeholder, in the order the `placeholders` query lists them.
pub static PLACEHOLDERS: &[Placeholder] = &[
    Placeholder {
        name: "first_name",
        description: "The candidate's first name.",
        example: "Maria",
        interview: false,
        read: |v| v.first_name.as_deref(),
    },
    Placeholder {
        name: "last_name",
        description: "The candidate's last name.",
        example: "Schmidt",
        interview: false,
        read: |v| v.last_name.as_deref(),
    },
    Placeholder {
        name: "full_name",
        description: "The candidate's first and last name.",
        example: "Maria Schmidt",
        interview: false,
        read: |v| v.full_name.as_deref(),
    },
    Placeholder {
        name: "email",
        description: "The candidate's email address.",
        example: "maria.schmidt@example.com",
        interview: false,
        read: |v| v.email.as_deref(),
    },
    Placeholder {
        name: "position_name",
        description: "The position the candidate applied for.",
        example: "Backend Engineer",
        interview: false,
        read: |v| v.position_name.as_deref(),
    },
    Placeholder {
        name: "company_name",
        description: "The company's name.",
        example: "Acme GmbH",
        interview: false,
        read: |v| v.company_name.as_deref(),
    },
    Placeholder {
        name: "subsidiary_name",
        description: "The subsidiary (legal entity) that owns the position.",
        example: "Acme Berlin GmbH",
        interview: false,
        read: |v| v.subsidiary_name.as_deref(),
    },
    Placeholder {
        name: "sender_name",
        description: "The display name of the user who sends the message.",
        example: "Jonas Weber",
        interview: false,
        read: |v| v.sender_name.as_deref(),
    },
    Placeholder {
        name: "sender_email",
        description: "The email address of the user who sends the message.",
        example: "jonas.weber@acme.example",
        interview: false,
        read: |v| v.sender_email.as_deref(),
    },
    Placeholder {
        name: "application_date",
        description: "The day the application arrived, in the message's language (CLDR's long date).",
        example: "November 3, 2026",
        interview: false,
        read: |v| v.application_date.as_deref(),
    },
    Placeholder {
        name: "today",
        description: "The day the message is written, in the message's language (CLDR's long date).",
        example: "November 22, 2026",
        interview: false,
        read: |v| v.today.as_deref(),
    },
    Placeholder {
        name: "scheduling_link",
        description: "The page where the candidate books their interview: the application's newest open scheduling link.",
        example: "https://jobs.acme.example/schedule/rms_4fJ2…",
        interview: false,
        read: |v| v.scheduling_link.as_deref(),
    },
    Placeholder {
        name: "privacy_link",
        description: "The candidate's privacy page, where they can withdraw an application and ask for a copy or the erasure of their data.",
        example: "https://jobs.acme.example/privacy/rmp_42_Xk9…",
        interview: false,
        read: |v| v.privacy_link.as_deref(),
    },
    Placeholder {
        name: "interview_title",
        description: "The interview's title.",
        example: "Technical interview",
        interview: true,
        read: |v| interview(v).map(|i| i.title.as_str()),
    },
    Placeholder {
        name: "interview_date",
        description: "The interview's day in its time zone, in the message's language, with its weekday.",
        example: "Tuesday, December 1, 2026",
        interview: true,
        read: |v| interview(v).map(|i| i.date.as_str()),
    },
    Placeholder {
        name: "interview_time",
        description: "The interview's start time in its time zone, on the clock of the message's language (14:30 in French or German).",
        example: "2:30\u{202f}PM",
        interview: true,
        read: |v| interview(v).map(|i| i.time.as_str()),
    },
    Placeholder {
        name: "interview_end_time",
        description: "The interview's end time in its time zone, on the clock of the message's language.",
        example: "3:30\u{202f}PM",
        interview: true,
        read: |v| interview(v).map(|i| i.end_time.as_str()),
    },
    Placeholder {
        name: "interview_duration",
        description: "How long the interview lasts, in the message's language.",
        example: "1 h",
        interview: true,
        read: |v| interview(v).map(|i| i.duration.as_str()),
    },
    Placeholder {
        name: "interview_time_zone",
        description: "The interview's IANA time zone and its abbreviation on that day.",
        example: "Europe/Berlin (CET)",
        interview: true,
        read: |v| interview(v).map(|i| i.time_zone.as_str()),
    },
    Placeholder {
        name: "interview_location",
        description: "Where the interview takes place.",
        example: "Acme GmbH, Hauptstraße 1, 10115 Berlin",
        interview: true,
        read: |v| interview(v).and_then(|i| i.location.as_deref()),
    },
    Placeholder {
        name: "interview_link",
        description: "The video-call link of the interview.",
        example: "https://meet.example.com/abc-defg-hij",
        interview: true,
        read: |v| interview(v).and_then(|i| i.link.as_deref()),
    },
    Placeholder {
        name: "interview_participants",
        description: "The employees taking part, comma-separated.",
        example: "Jonas Weber, Lea Fischer",
        interview: true,
        read: |v| interview(v).and_then(|i| i.participants.as_deref()),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case_and_documented() {
        let mut names: Vec<_> = PLACEHOLDERS.iter().map(|p| p.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), PLACEHOLDERS.len());
        for p in PLACEHOLDERS {
            assert!(p.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            assert!(
                !p.description.is_empty() && !p.example.is_empty(),
                "{}",
                p.name
            );
            assert_eq!(p.interview, p.name.starts_with("interview_"), "{}", p.name);
        }
    }

    #[test]
    fn interview_placeholders_are_allowed_only_in_interview_templates() {
        assert!(names_allowed(true).contains(&"interview_date"));
        assert!(!names_allowed(false).contains(&"interview_date"));
        assert!(names_allowed(false).contains(&"first_name"));
    }

    #[test]
    fn empty_values_count_as_missing() {
        let values = Values {
            first_name: Some("Maria".into()),
            last_name: Some("  ".into()),
            ..Values::for_gender(Gender::Unknown)
        };
        let value = |name| find(name).and_then(|p| p.value(&values));
        assert_eq!(value("first_name"), Some("Maria"));
        assert_eq!(value("last_name"), None);
        assert_eq!(value("interview_link"), None);
    }
}
