//! Signed links that open a document in a browser tab.
//!
//! A browser tab opened from a recruiter's screen sends no bearer header, so
//! `Document.url` hands out a link that carries its own proof: the document,
//! the user and the API token it was minted for, when it expires and how the
//! file is to be shown, signed with HMAC-SHA-256 (RFC 2104) under a key
//! derived from `RECRUITMAIL_SECRET_KEY` with HKDF (RFC 5869), so the key
//! that seals SMTP passwords is never used for anything else.
//!
//! A link is worth no more than its signature and the caller's rights at the
//! moment it is opened: the file endpoint checks the signature and the
//! expiry, then loads the token and the user again and asks the same
//! question `Document.url` asked (may this user VIEW the document?). A
//! deleted document, a revoked or expired token, a deactivated user or a
//! right taken away therefore closes every link at once, without a list of
//! issued links. Links live five minutes, which bounds how long a copied
//! link is worth anything at all.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use ring::hmac;

use crate::settings::SecretKey;

/// How long a minted link opens its document.
pub const LIFETIME: TimeDelta = TimeDelta::minutes(5);

/// The path every link starts with.
pub const PREFIX: &str = "/files/";

/// HKDF's `info`: names this key's one use, and its version.
const KEY_PURPOSE: &[u8] = b"recruitmail document links v1";

/// How the browser is asked to show a file (RFC 6266 disposition types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum Disposition {
    /// In the tab, where the browser can show the type safely (PDF, images
    /// other than SVG, plain text); everything else is downloaded anyway.
    Inline,
    /// Always downloaded, under the document's name.
    Attachment,
}

impl Disposition {
    fn code(self) -> &'static str {
        match self {
            Self::Inline => "i",
            Self::Attachment => "a",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        match code {
            "i" => Some(Self::Inline),
            "a" => Some(Self::Attachment),
            _ => None,
        }
    }
}

/// What a link grants: one document, to one user through one token, until
/// `expires`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub company_id: i64,
    /// The document; for a signer made [`Signer::for_purpose`], the row of
    /// that purpose's kind (an export).
    pub document_id: i64,
    pub user_id: i64,
    pub token_id: i64,
    /// Seconds since the Unix epoch.
    pub expires: i64,
    pub disposition: Disposition,
}

impl Grant {
    /// The signed bytes. The company is signed although the link does not
    /// carry it: the endpoint takes it from the user, so a link replayed
    /// against another company's rows cannot verify.
    fn message(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            self.company_id,
            self.document_id,
            self.user_id,
            self.token_id,
            self.expires,
            self.disposition.code()
        )
    }
}

/// The claims a link presents, before they are checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presented {
    pub document_id: i64,
    pub user_id: i64,
    pub token_id: i64,
    pub expires: i64,
    pub disposition: Disposition,
    signature: Vec<u8>,
}

/// Why a link does not open. The endpoint answers all of them alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Malformed,
    Expired,
    BadSignature,
}

/// Signs and checks links with the server's key.
pub struct Signer(hmac::Key);

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    /// The signer of document links of the server whose secret key is `key`.
    pub fn new(key: &SecretKey) -> Self {
        Self::for_purpose(key, KEY_PURPOSE)
    }

    /// A signer for links of another kind (`purpose` names it, as HKDF's
    /// `info`): its key is its own, so a link of one kind never verifies
    /// as a link of another, even for the same row id.
    pub fn for_purpose(key: &SecretKey, purpose: &'static [u8]) -> Self {
        Self(key.derive(purpose))
    }

    /// The link for `grant`: a path on the API's own origin, with the
    /// document's global ID as its last segment.
    pub fn link(&self, document_global_id: &str, grant: &Grant) -> String {
        self.link_under(PREFIX, document_global_id, grant)
    }

    /// The link for `grant` under another path (`prefix` ends with `/`).
    pub fn link_under(&self, prefix: &str, global_id: &str, grant: &Grant) -> String {
        let tag = hmac::sign(&self.0, grant.message().as_bytes());
        format!(
            "{prefix}{global_id}?u={}&t={}&e={}&d={}&s={}",
            grant.user_id,
            grant.token_id,
            grant.expires,
            grant.disposition.code(),
            URL_SAFE_NO_PAD.encode(tag.as_ref()),
        )
    }

    /// Checks a presented link against the company of the user it names, at
    /// `now`. The signature is compared in constant time.
    pub fn check(
        &self,
        presented: &Presented,
        company_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Grant, Refusal> {
        let grant = Grant {
            company_id,
            document_id: presented.document_id,
            user_id: presented.user_id,
            token_id: presented.token_id,
            expires: presented.expires,
            disposition: presented.disposition,
        };
        hmac::verify(&self.0, grant.message().as_bytes(), &presented.signature)
            .map_err(|_| Refusal::BadSignature)?;
        if grant.expires <= now.timestamp() {
            return Err(Refusal::Expired);
        }
        Ok(grant)
    }
}

/// Reads a link's query string (`u`, `t`, `e`, `d`, `s`, each once) for the
/// document `document_id`.
pub fn parse(document_id: i64, query: &str) -> Result<Presented, Refusal> {
    let (mut user, mut token, mut expires, mut disposition, mut signature) =
        (None, None, None, None, None);
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').ok_or(Refusal::Malformed)?;
        let slot = match key {
            "u" => &mut user,
            "t" => &mut token,
            "e" => &mut expires,
            "d" => &mut disposition,
            "s" => &mut signature,
            _ => return Err(Refusal::Malformed),
        };
        if slot.replace(value).is_some() {
            return Err(Refusal::Malformed);
        }
    }
    let number = |v: Option<&str>| {
        v.and_then(|v| v.parse::<i64>().ok())
            .ok_or(Refusal::Malformed)
    };
    Ok(Presented {
        document_id,
        user_id: number(user)?,
        token_id: number(token)?,
        expires: number(expires)?,
        disposition: disposition
            .and_then(Disposition::from_code)
            .ok_or(Refusal::Malformed)?,
        signature: signature
            .filter(|s| s.len() <= 64)
            .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
            .ok_or(Refusal::Malformed)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> Grant {
        Grant {
            company_id: 1,
            document_id: 7,
            user_id: 3,
            token_id: 9,
            expires: 2_000_000_000,
            disposition: Disposition::Inline,
        }
    }

    fn query(link: &str) -> &str {
        link.split_once('?').map_or("", |(_, q)| q)
    }

    #[test]
    fn a_link_opens_for_its_company_until_it_expires() {
        let signer = Signer::new(&SecretKey([1; 32]));
        let link = signer.link("RG9jdW1lbnQ6Nw", &grant());
        assert!(link.starts_with("/files/RG9jdW1lbnQ6Nw?u=3&t=9&e=2000000000&d=i&s="));
        let presented = parse(7, query(&link)).unwrap();
        let before = DateTime::from_timestamp(1_999_999_999, 0).unwrap();
        assert_eq!(signer.check(&presented, 1, before), Ok(grant()));
        let at = DateTime::from_timestamp(2_000_000_000, 0).unwrap();
        assert_eq!(signer.check(&presented, 1, at), Err(Refusal::Expired));
    }

    #[test]
    fn another_key_company_document_or_changed_claim_does_not_verify() {
        let signer = Signer::new(&SecretKey([1; 32]));
        let link = signer.link("x", &grant());
        let now = DateTime::from_timestamp(0, 0).unwrap();
        let presented = parse(7, query(&link)).unwrap();
        let other_key = Signer::new(&SecretKey([2; 32]));
        assert_eq!(
            other_key.check(&presented, 1, now),
            Err(Refusal::BadSignature)
        );
        assert_eq!(signer.check(&presented, 2, now), Err(Refusal::BadSignature));
        let other_document = parse(8, query(&link)).unwrap();
        assert_eq!(
            signer.check(&other_document, 1, now),
            Err(Refusal::BadSignature)
        );
        let attachment = query(&link).replace("d=i", "d=a");
        let changed = parse(7, &attachment).unwrap();
        assert_eq!(signer.check(&changed, 1, now), Err(Refusal::BadSignature));
    }

    #[test]
    fn malformed_queries_are_refused() {
        for q in [
            "",
            "u=1&t=1&e=1&d=i",
            "u=1&t=1&e=1&d=x&s=AA",
            "u=1&u=2&t=1&e=1&d=i&s=AA",
            "u=a&t=1&e=1&d=i&s=AA",
            "u=1&t=1&e=1&d=i&s=%%%",
            "u=1&t=1&e=1&d=i&s=AA&z=1",
        ] {
            assert_eq!(parse(1, q), Err(Refusal::Malformed), "{q}");
        }
    }
}
