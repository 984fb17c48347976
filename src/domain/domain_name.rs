//! A DNS host name, as used after the `@` of an address.

/// A lower-case host name: dot-separated labels of letters, digits and inner
/// hyphens, each at most 63 octets, 253 in all (RFC 1035 §2.3.1, RFC 1123 §2.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DomainName(String);

impl DomainName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let lower = raw.trim().trim_end_matches('.').to_ascii_lowercase();
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        if lower.is_empty() || lower.len() > 253 || !lower.split('.').all(label_ok) {
            return Err(format!("`{}` is not a valid domain name", raw.trim()));
        }
        Ok(Self(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_host_names() {
        assert_eq!(
            DomainName::parse("Inbound.Example.COM.").unwrap().as_str(),
            "inbound.example.com"
        );
        assert!(DomainName::parse("inbound.localhost").is_ok());
        for bad in ["", "a..b", "-a.com", "a_b.com", "a b", &"x".repeat(64)] {
            assert!(DomainName::parse(bad).is_err(), "{bad:?}");
        }
    }
}
