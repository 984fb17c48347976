//! An email address as recruitmail accepts it from users.

/// A syntactically valid `local@domain` address (RFC 5321 §4.1.2 dot-atom form,
/// which is what people type), stored with the domain in lower case.
///
/// Quoted local parts and address literals are refused: they are legal but
/// almost always typing mistakes in a recruiting context.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so an address 254.
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let bad = || format!("`{}` is not a valid email address", truncate(raw));
        if raw.len() > Self::MAX_LEN {
            return Err(format!("must be at most {} characters", Self::MAX_LEN));
        }
        let (local, domain) = raw.rsplit_once('@').ok_or_else(bad)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.bytes().all(is_atext_or_dot);
        if !local_ok {
            return Err(bad());
        }
        let domain = super::DomainName::parse(domain).map_err(|_| bad())?;
        if !domain.as_str().contains('.') && domain.as_str() != "localhost" {
            return Err(bad());
        }
        Ok(Self(format!("{local}@{}", domain.as_str())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used to find a person by address: local part lower-cased too.
    /// (RFC 5321 lets local parts be case-sensitive; no real mailbox relies on it.)
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// `atext` of RFC 5322 §3.2.3 plus the dot of a dot-atom.
fn is_atext_or_dot(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b)
}

fn truncate(raw: &str) -> String {
    let mut s: String = raw.chars().take(60).collect();
    if s.len() < raw.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_the_domain() {
        assert_eq!(
            EmailAddress::parse(" Jane.Doe+jobs@Example.COM ")
                .unwrap()
                .as_str(),
            "Jane.Doe+jobs@example.com"
        );
        assert_eq!(
            EmailAddress::parse("Jane@Example.com")
                .unwrap()
                .normalized(),
            "jane@example.com"
        );
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a..b@example.com",
            ".a@example.com",
            "a b@example.com",
            "a@exa mple.com",
            "a@example",
            "a@-example.com",
            "a@example.com\r\nBcc: x@y.z",
            "\"quoted\"@example.com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(EmailAddress::parse(&format!("{}@example.com", "a".repeat(65))).is_err());
        assert!(EmailAddress::parse(&format!("a@{}.com", "b".repeat(250))).is_err());
    }
}
