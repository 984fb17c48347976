//! Short human-entered text: names of people, positions, roles and companies.

/// A trimmed, non-empty single-line name of at most [`Name::MAX_CHARS`] characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 200;

    /// Accepts a name after trimming; refuses empty, over-long and control
    /// characters (a line break in a name would end up in mail headers).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("must not be empty".into());
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        if trimmed.chars().any(char::is_control) {
            return Err("must be a single line without control characters".into());
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A company's URL-safe identifier: the local part of its inbound address
/// `<slug>-jobs@…`, so it follows the DNS label rules (RFC 1035 §2.3.1): lower-case
/// letters, digits and inner hyphens, at most 50 characters (leaving room for `-jobs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub const MAX_LEN: usize = 50;

    /// Derives a slug from a company name: ASCII-folded, lower case, runs of other
    /// characters collapsed into one hyphen.
    pub fn from_name(name: &str) -> Result<Self, String> {
        let mut slug = String::new();
        for c in name.chars().flat_map(fold_ascii) {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        let slug: String = slug
            .trim_end_matches('-')
            .chars()
            .take(Self::MAX_LEN)
            .collect();
        Self::parse(slug.trim_end_matches('-'))
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        let valid = !raw.is_empty()
            && raw.len() <= Self::MAX_LEN
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.starts_with('-')
            && !raw.ends_with('-');
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(format!(
                "must be 1 to {} lower-case letters, digits or inner hyphens",
                Self::MAX_LEN
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Common Latin letters with diacritics, folded to ASCII for slugs.
fn fold_ascii(c: char) -> impl Iterator<Item = char> {
    let folded: &str = match c {
        'ä' | 'Ä' => "ae",
        'ö' | 'Ö' => "oe",
        'ü' | 'Ü' => "ue",
        'ß' => "ss",
        'à' | 'á' | 'â' | 'ã' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Å' => "a",
        'ç' | 'Ç' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'Ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ø' => "o",
        'ù' | 'ú' | 'û' | 'Ù' | 'Ú' | 'Û' => "u",
        _ => "",
    };
    let own = folded.is_empty().then_some(c);
    folded.chars().chain(own)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            Name::parse("  Ada Lovelace ").unwrap().as_str(),
            "Ada Lovelace"
        );
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse(&"x".repeat(201)).is_err());
        assert!(Name::parse(&"é".repeat(200)).is_ok());
        assert!(Name::parse("Ada\r\nBcc: evil@example.com").is_err());
    }

    #[test]
    fn slugs_are_derived_from_company_names() {
        assert_eq!(
            Slug::from_name("Müller & Söhne GmbH").unwrap().as_str(),
            "mueller-soehne-gmbh"
        );
        assert_eq!(Slug::from_name("  ACME  ").unwrap().as_str(), "acme");
        assert!(Slug::from_name("!!!").is_err());
        assert!(Slug::parse("-acme").is_err());
        assert!(Slug::parse("Acme").is_err());
    }
}
