//! The labels and sentences recruitmail writes itself, one catalog per
//! language in `assets/languages/<code>.toml`, embedded at compile time.
//!
//! A catalog is TOML: tables group the texts, and a text's key is its path
//! (`candidate.moved.subject`). `{{ name }}` in a text is a template
//! placeholder, filled per message when the text is rendered as a template;
//! `{name}` is a value the server puts in with [`fill`].

use std::collections::HashMap;
use std::sync::LazyLock;

/// The languages recruitmail writes in: the primary language subtag (RFC 5646
/// §2.2.1) and its catalog. English comes first: a text missing elsewhere is
/// taken from it. Adding a language is adding its file and one line here.
pub(super) const CATALOGS: &[(&str, &str)] = &[
    ("en", include_str!("../../assets/languages/en.toml")),
    ("de", include_str!("../../assets/languages/de.toml")),
    ("fr", include_str!("../../assets/languages/fr.toml")),
    ("es", include_str!("../../assets/languages/es.toml")),
    ("it", include_str!("../../assets/languages/it.toml")),
    ("nl", include_str!("../../assets/languages/nl.toml")),
];

/// Declares [`Text`]: one variant per key every catalog must have.
macro_rules! texts {
    ($($(#[$doc:meta])* $variant:ident = $key:literal,)*) => {
        /// A text every catalog has, named by its key.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Text {
            $($(#[$doc])* $variant,)*
        }

        impl Text {
            /// Every text, so that tests can check every catalog for each.
            pub const ALL: &[Text] = &[$(Text::$variant,)*];

            /// The text's key in the catalogs.
            pub fn key(self) -> &'static str {
                match self {
                    $(Text::$variant => $key,)*
                }
            }
        }
    };
}

texts! {
    /// The interview details' labels, colon included (French puts a space before it).
    DetailsDate = "details.date",
    DetailsTime = "details.time",
    DetailsLocation = "details.location",
    DetailsLink = "details.link",
    DetailsParticipants = "details.participants",
    /// A duration under an hour: `{minutes}`.
    DurationMinutes = "duration.minutes",
    /// Whole hours: `{hours}`.
    DurationHours = "duration.hours",
    DurationHoursMinutes = "duration.hours_minutes",
    CandidateGreeting = "candidate.greeting",
    CandidateInvitedSubject = "candidate.invited.subject",
    CandidateInvitedLead = "candidate.invited.lead",
    CandidateInvitedClose = "candidate.invited.close",
    CandidateMovedSubject = "candidate.moved.subject",
    CandidateMovedLead = "candidate.moved.lead",
    CandidateMovedClose = "candidate.moved.close",
    CandidateCancelledSubject = "candidate.cancelled.subject",
    CandidateCancelledLead = "candidate.cancelled.lead",
    CandidateCancelledClose = "candidate.cancelled.close",
    ParticipantGreeting = "participant.greeting",
    ParticipantInvitedSubject = "participant.invited.subject",
    ParticipantInvitedLead = "participant.invited.lead",
    ParticipantInvitedClose = "participant.invited.close",
    ParticipantMovedSubject = "participant.moved.subject",
    ParticipantMovedLead = "participant.moved.lead",
    ParticipantMovedClose = "participant.moved.close",
    ParticipantCancelledSubject = "participant.cancelled.subject",
    ParticipantCancelledLead = "participant.cancelled.lead",
    ParticipantCancelledClose = "participant.cancelled.close",
    ParticipantRemovedSubject = "participant.removed.subject",
    ParticipantRemovedLead = "participant.removed.lead",
    ParticipantRemovedClose = "participant.removed.close",
    ParticipantReminderSubject = "participant.reminder.subject",
    ParticipantReminderLead = "participant.reminder.lead",
    ParticipantReminderClose = "participant.reminder.close",
    /// The subject of an application from the form in the candidate's thread: `{position}`.
    ApplicationFormSubject = "application.form_subject",
    /// The summary copy of a bulk send: `{count}` recipients, `{first}` the
    /// one whose message follows.
    BulkCopyLead = "bulk_copy.lead",
    BulkCopyRecipients = "bulk_copy.recipients",
}

type Catalog = HashMap<String, String>;

/// The catalogs, parsed once, in the order of [`CATALOGS`]. One that does
/// not parse is empty (its texts come from English); the tests keep that
/// from shipping.
static PARSED: LazyLock<Vec<Catalog>> = LazyLock::new(|| {
    CATALOGS
        .iter()
        .map(|(code, source)| {
            parse(source).unwrap_or_else(|e| {
                tracing::error!("the `{code}` language catalog does not parse: {e}");
                Catalog::new()
            })
        })
        .collect()
});

/// The catalog's texts by key. Every value is text or a table of them.
fn parse(source: &str) -> Result<Catalog, String> {
    fn flatten(table: &toml::Table, prefix: &str, out: &mut Catalog) -> Result<(), String> {
        for (name, value) in table {
            let key = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            match value {
                toml::Value::String(text) => {
                    out.insert(key, text.clone());
                }
                toml::Value::Table(inner) => flatten(inner, &key, out)?,
                _ => return Err(format!("`{key}` is not text")),
            }
        }
        Ok(())
    }
    let table: toml::Table = toml::from_str(source).map_err(|e| e.to_string())?;
    let mut catalog = Catalog::new();
    flatten(&table, "", &mut catalog)?;
    Ok(catalog)
}

/// `text` from the catalog at `index` in [`CATALOGS`], else English's, else
/// its key.
pub(super) fn lookup(index: usize, text: Text) -> &'static str {
    let key = text.key();
    [index, 0]
        .into_iter()
        .find_map(|i| PARSED.get(i)?.get(key))
        .map_or(key, String::as_str)
}

/// `text` with each `{name}` of `values` replaced by its value, in one pass
/// (a value is never read again). Anything else, `{{ placeholder }}`
/// included, is left as it is.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let value = after.find('}').and_then(|end| {
            let name = &after[..end];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, end))
        });
        match value {
            Some((value, end)) => {
                out.push_str(value);
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// `{{ name }}` placeholders and `{name}` values, as written.
    fn slots(text: &str) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        let mut rest = text;
        while let Some(at) = rest.find('{') {
            rest = &rest[at..];
            let (open, close) = if rest.starts_with("{{") {
                ("{{", "}}")
            } else {
                ("{", "}")
            };
            let Some(end) = rest.find(close) else { break };
            found.insert(format!("{open}{}{close}", rest[open.len()..end].trim()));
            rest = &rest[end + close.len()..];
        }
        found
    }

    fn keys(catalog: &Catalog) -> BTreeSet<&str> {
        catalog.keys().map(String::as_str).collect()
    }

    #[test]
    fn every_catalog_parses_and_has_exactly_the_texts_the_code_reads() {
        let wanted: BTreeSet<&str> = Text::ALL.iter().map(|t| t.key()).collect();
        for (code, source) in CATALOGS {
            let catalog = parse(source).unwrap();
            assert_eq!(keys(&catalog), wanted, "keys of `{code}`");
            for (key, text) in &catalog {
                assert!(!text.trim().is_empty(), "`{code}` {key} is empty");
            }
        }
    }

    #[test]
    fn every_language_uses_the_same_placeholders_as_english() {
        let english = parse(CATALOGS[0].1).unwrap();
        for (code, source) in CATALOGS {
            let catalog = parse(source).unwrap();
            for text in Text::ALL {
                let key = text.key();
                assert_eq!(
                    slots(&catalog[key]),
                    slots(&english[key]),
                    "placeholders of `{code}` {key}"
                );
            }
        }
    }

    #[test]
    fn catalogs_are_plain_text_without_markup() {
        for (code, source) in CATALOGS {
            for (key, text) in parse(source).unwrap() {
                assert!(
                    !text.contains(['<', '>', '&']),
                    "`{code}` {key} has markup: {text}"
                );
            }
        }
    }

    #[test]
    fn codes_are_distinct_primary_subtags() {
        let codes: BTreeSet<&str> = CATALOGS.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes.len(), CATALOGS.len());
        for code in codes {
            let tag = crate::domain::LanguageTag::parse(code).unwrap();
            assert_eq!(tag.as_str(), code);
            assert_eq!(tag.primary(), code);
        }
    }

    #[test]
    fn a_value_that_is_not_text_is_refused() {
        assert!(
            parse("[details]\ndate = 3")
                .unwrap_err()
                .contains("details.date")
        );
    }

    #[test]
    fn fill_replaces_named_values_once_and_keeps_placeholders() {
        assert_eq!(
            fill(
                "{{ first_name }} {hours} h {minutes} {other} {",
                &[("hours", "{minutes}"), ("minutes", "5")]
            ),
            "{{ first_name }} {minutes} h 5 {other} {"
        );
    }

    #[test]
    fn a_missing_text_falls_back_to_english() {
        assert_eq!(lookup(usize::MAX, Text::DetailsDate), "Date:");
        assert_eq!(lookup(1, Text::DetailsDate), "Datum:");
    }
}
