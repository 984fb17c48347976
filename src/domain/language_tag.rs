//! A language tag as used to pick template variants.

/// A well-formed BCP 47 tag (RFC 5646 §2.1) in its canonical case: primary
/// language lower case (`de`), region upper case (`de-AT`), script title case
/// (`sr-Latn`). Only the shape is checked, not the IANA registry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LanguageTag(String);

impl LanguageTag {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let bad = || format!("`{raw}` is not a language tag like `en` or `de-AT`");
        let mut parts = raw.split(['-', '_']);
        let primary = parts.next().unwrap_or_default();
        if !(2..=8).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(bad());
        }
        let mut canonical = primary.to_ascii_lowercase();
        for sub in parts {
            if sub.is_empty() || sub.len() > 8 || !sub.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(bad());
            }
            canonical.push('-');
            match sub.len() {
                2 if sub.bytes().all(|b| b.is_ascii_alphabetic()) => {
                    canonical.push_str(&sub.to_ascii_uppercase())
                }
                4 if sub.bytes().all(|b| b.is_ascii_alphabetic()) => {
                    canonical.push_str(&sub[..1].to_ascii_uppercase());
                    canonical.push_str(&sub[1..].to_ascii_lowercase());
                }
                _ => canonical.push_str(&sub.to_ascii_lowercase()),
            }
        }
        if canonical.len() > 35 {
            return Err(bad());
        }
        Ok(Self(canonical))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language subtag (`de` of `de-AT`), used as a fallback match.
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonicalises_case() {
        assert_eq!(LanguageTag::parse("DE_at").unwrap().as_str(), "de-AT");
        assert_eq!(
            LanguageTag::parse("sr-latn-rs").unwrap().as_str(),
            "sr-Latn-RS"
        );
        assert_eq!(LanguageTag::parse("de-AT").unwrap().primary(), "de");
        for bad in ["", "e", "english language", "de-", "123"] {
            assert!(LanguageTag::parse(bad).is_err(), "{bad:?}");
        }
    }
}
