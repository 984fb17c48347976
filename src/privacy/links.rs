//! The privacy page's address, `<public URL>/privacy/<token>`, which
//! `{{ privacy_link }}` writes into mail to a candidate.
//!
//! The token names the candidate and carries an HMAC-SHA-256 (RFC 2104) of
//! their company, ID and link version under a key derived from the server's
//! secret key with HKDF (RFC 5869) for this one use. It needs nothing stored
//! beyond the version, so any message can carry it, and it cannot be made
//! for another candidate without the server's key. It opens nothing once
//! the candidate is deleted or anonymised, or once an admin has revoked the
//! candidate's links (`revokePrivacyLinks` raises the version).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;

use crate::email_templates::MessageContext;
use crate::settings::{SecretKey, Settings};

/// Tokens start with this prefix so people and secret scanners recognise them.
pub const PREFIX: &str = "rmp_";
/// The path of the page under the public URL.
pub const PAGE_PATH: &str = "privacy";
/// HKDF's `info`: names this key's one use, and its version.
const KEY_PURPOSE: &[u8] = b"recruitmail privacy page v1";
/// Longer than any token this server issues; longer input is not looked up.
const MAX_TOKEN_CHARS: usize = 96;

/// Signs and checks privacy-page tokens.
pub struct TokenKey(hmac::Key);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

impl TokenKey {
    pub fn new(key: &SecretKey) -> Self {
        Self(key.derive(KEY_PURPOSE))
    }

    /// What is signed. Version 0 signs what links signed before versions
    /// existed, so links in mail already sent keep working until revoked.
    fn message(company_id: i64, candidate_id: i64, version: i32) -> String {
        if version == 0 {
            format!("{company_id}:{candidate_id}")
        } else {
            format!("{company_id}:{candidate_id}:{version}")
        }
    }

    /// The token of the candidate `candidate_id` of `company_id` at link
    /// version `version`.
    pub fn token(&self, company_id: i64, candidate_id: i64, version: i32) -> String {
        let message = Self::message(company_id, candidate_id, version);
        let tag = hmac::sign(&self.0, message.as_bytes());
        format!(
            "{PREFIX}{candidate_id}_{}",
            URL_SAFE_NO_PAD.encode(tag.as_ref())
        )
    }

    /// The candidate ID a token names, before it is checked.
    pub fn candidate_of(token: &str) -> Option<i64> {
        let token = token.trim();
        if token.len() > MAX_TOKEN_CHARS {
            return None;
        }
        let (id, _) = token.strip_prefix(PREFIX)?.split_once('_')?;
        id.parse::<i64>().ok().filter(|id| *id > 0)
    }

    /// Whether `token` is the one of the candidate of `company_id` it names,
    /// at link version `version` (compared in constant time).
    pub fn verify(&self, token: &str, company_id: i64, candidate_id: i64, version: i32) -> bool {
        let Some(rest) = token.trim().strip_prefix(PREFIX) else {
            return false;
        };
        let Some((id, tag)) = rest.split_once('_') else {
            return false;
        };
        if id.parse::<i64>().ok() != Some(candidate_id) {
            return false;
        }
        let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else {
            return false;
        };
        let message = Self::message(company_id, candidate_id, version);
        hmac::verify(&self.0, message.as_bytes(), &tag).is_ok()
    }
}

/// The page of a token: `<public URL>/privacy/<token>`.
pub fn url_of(settings: &Settings, token: &str) -> String {
    let mut url = settings.public_url.clone();
    // A base URL that cannot take a path was refused when settings loaded.
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty().push(PAGE_PATH).push(token);
    }
    url.to_string()
}

/// Fills each context's `{{ privacy_link }}`: every candidate has a page.
pub fn fill_urls(settings: &Settings, contexts: &mut [MessageContext]) {
    let key = TokenKey::new(&settings.secret_key);
    for context in contexts {
        let candidate = &context.candidate;
        let token = key.token(
            candidate.company_id,
            candidate.id,
            candidate.privacy_link_version,
        );
        context.privacy_link = Some(url_of(settings, &token));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_only_its_own_candidates_page_and_only_under_its_key() {
        let key = TokenKey::new(&SecretKey([3; 32]));
        let token = key.token(1, 42, 0);
        assert!(token.starts_with("rmp_42_"));
        assert_eq!(TokenKey::candidate_of(&token), Some(42));
        assert!(key.verify(&token, 1, 42, 0));
        assert!(!key.verify(&token, 2, 42, 0));
        assert!(!key.verify(&token, 1, 43, 0));
        assert!(!key.verify(&token.replace("rmp_42_", "rmp_43_"), 1, 43, 0));
        assert!(!TokenKey::new(&SecretKey([4; 32])).verify(&token, 1, 42, 0));
        let mut tampered = token.clone();
        tampered.pop();
        assert!(!key.verify(&tampered, 1, 42, 0));
        for bad in ["", "rmp_", "rmp_x_abc", "rms_42_abc", "rmp_-1_abc"] {
            assert_eq!(TokenKey::candidate_of(bad), None, "{bad}");
        }
        assert_eq!(TokenKey::candidate_of(&"rmp_1_".repeat(40)), None);
        // A new version revokes the old links and makes new ones.
        let next = key.token(1, 42, 1);
        assert_ne!(next, token);
        assert!(key.verify(&next, 1, 42, 1));
        assert!(!key.verify(&token, 1, 42, 1));
        assert!(!key.verify(&next, 1, 42, 0));
        assert!(!key.verify(&next, 1, 42, 2));
        // URL-safe: it stands in a path segment as it is.
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        );
    }
}
