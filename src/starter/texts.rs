//! The starter templates' texts: data in `assets/starter/<language>.toml`,
//! embedded at compile time, one file per language.

use entity::enums::StarterKind;
use serde::Deserialize;

use crate::domain::LanguageTag;
use crate::error::{ApiError, ApiResult};

/// The languages with starter texts, by primary subtag, and their files.
const FILES: [(&str, &str); 3] = [
    ("de", include_str!("../../assets/starter/de.toml")),
    ("en", include_str!("../../assets/starter/en.toml")),
    ("fr", include_str!("../../assets/starter/fr.toml")),
];

/// One starter template in one language.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub name: String,
    pub subject: String,
    /// HTML, as the rich-text editor writes it.
    pub body: String,
}

/// Every starter template in one language.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    acknowledgement: Text,
    interview_invitation: Text,
    rejection: Text,
    document_request: Text,
}

/// The starter texts of one language.
#[derive(Debug)]
pub struct Texts {
    /// The primary language subtag the texts are written in (`de`).
    pub language: &'static str,
    file: File,
}

impl Texts {
    /// The text of one kind of template.
    pub fn of(&self, kind: StarterKind) -> &Text {
        match kind {
            StarterKind::Acknowledgement => &self.file.acknowledgement,
            StarterKind::InterviewInvitation => &self.file.interview_invitation,
            StarterKind::Rejection => &self.file.rejection,
            StarterKind::DocumentRequest => &self.file.document_request,
        }
    }
}

/// The languages with starter texts, for error messages.
pub fn available() -> Vec<&'static str> {
    FILES.iter().map(|(language, _)| *language).collect()
}

/// The texts for `raw`, a language tag: matched by its primary subtag, so
/// `de-AT` gets the German texts. An unknown or malformed tag is refused on
/// the field `language`, naming the languages there are texts in.
pub fn for_language(raw: &str) -> ApiResult<Texts> {
    let refuse = |why: String| {
        ApiError::validation(
            "language",
            format!(
                "language: {why}; starter templates exist in {}",
                available().join(", ")
            ),
        )
    };
    let tag = LanguageTag::parse(raw).map_err(refuse)?;
    let (language, source) = FILES
        .iter()
        .find(|(language, _)| *language == tag.primary())
        .ok_or_else(|| refuse(format!("there are no starter texts in `{}`", tag.as_str())))?;
    let file = toml::from_str(source).map_err(|e| {
        ApiError::Internal(anyhow::anyhow!(
            "the starter texts in `{language}` do not parse: {e}"
        ))
    })?;
    Ok(Texts { language, file })
}

#[cfg(test)]
mod tests {
    use entity::enums::Gender;
    use sea_orm::Iterable as _;

    use super::*;
    use crate::templates::{Compiled, Values};

    /// Every starter template in every language passes the checker that
    /// saving a template runs, uses only placeholders it may use, and
    /// renders for every gender.
    #[test]
    fn every_starter_template_compiles_in_every_language() {
        for language in available() {
            let texts = for_language(language).unwrap();
            for kind in StarterKind::iter() {
                let text = texts.of(kind);
                let interview = super::super::interview_related(kind);
                let compiled = Compiled::new(&text.subject, &text.body, interview)
                    .unwrap_or_else(|e| panic!("{language} {kind:?}: {e}"));
                for gender in Gender::iter() {
                    let values = Values {
                        first_name: Some("Maria".into()),
                        last_name: Some("Schmidt".into()),
                        full_name: Some("Maria Schmidt".into()),
                        position_name: Some("Backend Engineer".into()),
                        company_name: Some("Acme".into()),
                        ..Values::for_gender(gender)
                    };
                    let rendered = compiled.render(&values, None).unwrap();
                    assert!(!rendered.text.contains("{{"), "{language} {kind:?}");
                    if !interview {
                        assert_eq!(rendered.missing, Vec::<&str>::new(), "{language} {kind:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_acknowledgement_fills_no_interview_and_the_invitation_does() {
        for language in available() {
            let texts = for_language(language).unwrap();
            let ack = texts.of(StarterKind::Acknowledgement);
            // An automatic reply's template may not be interview-related.
            Compiled::new(&ack.subject, &ack.body, false).unwrap();
            let invitation = texts.of(StarterKind::InterviewInvitation);
            let compiled = Compiled::new(&invitation.subject, &invitation.body, true).unwrap();
            let used: Vec<&str> = compiled.placeholders().collect();
            assert!(used.contains(&"interview_date"), "{language}: {used:?}");
            assert!(used.contains(&"interview_time"), "{language}: {used:?}");
        }
    }

    #[test]
    fn gendered_languages_address_each_gender_in_its_form() {
        let salutation = |language: &str, gender: Gender| {
            let texts = for_language(language).unwrap();
            let ack = texts.of(StarterKind::Acknowledgement);
            let compiled = Compiled::new(&ack.subject, &ack.body, false).unwrap();
            let values = Values {
                full_name: Some("Maria Schmidt".into()),
                ..Values::for_gender(gender)
            };
            let text = compiled.render(&values, None).unwrap().text;
            text.lines().next().unwrap_or_default().to_owned()
        };
        assert_eq!(
            salutation("de", Gender::Female),
            "Sehr geehrte Frau Maria Schmidt,"
        );
        assert_eq!(
            salutation("de", Gender::Male),
            "Sehr geehrter Herr Maria Schmidt,"
        );
        assert_eq!(
            salutation("de", Gender::Unknown),
            "Guten Tag Maria Schmidt,"
        );
        assert_eq!(salutation("fr", Gender::Female), "Madame,");
        assert_eq!(salutation("fr", Gender::Diverse), "Madame, Monsieur,");
        assert_eq!(salutation("en", Gender::Male), "Dear Maria Schmidt,");
    }

    #[test]
    fn unknown_and_malformed_languages_name_the_available_ones() {
        for bad in ["es", "klingon language", "", "de-"] {
            match for_language(bad) {
                Err(ApiError::Validation { field, message }) => {
                    assert_eq!(field, "language");
                    assert!(message.contains("de, en, fr"), "{message}");
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        assert_eq!(for_language("de-AT").unwrap().language, "de");
        assert_eq!(for_language("FR").unwrap().language, "fr");
    }
}
