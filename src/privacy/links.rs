//! The privacy page's address, `<public URL>/privacy/<token>`, which
//! `{{ privacy_link }}` writes into mail to a candidate.
//!
//! The token names the candidate and carries an HMAC-SHA-256 (RFC 2104) of
//! their company and ID under a key derived from the server's secret key
//! with HKDF (RFC 5869) for this one use. It needs nothing stored, so any
//! message can carry it, and it cannot be made for another candidate
//! without the server's key. It opens nothing once the candidate is
//! deleted.

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

    fn message(company_id: i64, candidate_id: i64) -> String {
        format!("{company_id}:{candidate_id}")
    }

    /// The token of the candidate `candidate_id` of `company_id`.
    pub fn token(&self, company_id: i64, candidate_id: i64) -> String {
        let tag = hmac::sign(&self.0, Self::message(company_id, candidate_id).as_bytes());
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

    /// Whether `token` is the one of the candidate of `company_id` it names
    /// (compared in constant time).
    pub fn verify(&self, token: &str, company_id: i64, candidate_id: i64) -> bool {
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
        hmac::verify(
            &self.0,
            Self::message(company_id, candidate_id).as_bytes(),
            &tag,
        )
        .is_ok()
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
        let token = key.token(context.candidate.company_id, context.candidate.id);
        context.privacy_link = Some(url_of(settings, &token));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_only_its_own_candidates_page_and_only_under_its_key() {
        let key = TokenKey::new(&SecretKey([3; 32]));
        let token = key.token(1, 42);
        assert!(token.starts_with("rmp_42_"));
        assert_eq!(TokenKey::candidate_of(&token), Some(42));
        assert!(key.verify(&token, 1, 42));
        assert!(!key.verify(&token, 2, 42));
        assert!(!key.verify(&token, 1, 43));
        assert!(!key.verify(&token.replace("rmp_42_", "rmp_43_"), 1, 43));
        assert!(!TokenKey::new(&SecretKey([4; 32])).verify(&token, 1, 42));
        let mut tampered = token.clone();
        tampered.pop();
        assert!(!key.verify(&tampered, 1, 42));
        for bad in ["", "rmp_", "rmp_x_abc", "rms_42_abc", "rmp_-1_abc"] {
            assert_eq!(TokenKey::candidate_of(bad), None, "{bad}");
        }
        assert_eq!(TokenKey::candidate_of(&"rmp_1_".repeat(40)), None);
        // URL-safe: it stands in a path segment as it is.
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        );
    }
}
