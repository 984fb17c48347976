//! API tokens: random, shown once, stored as a SHA-256 digest.
//!
//! A token carries 256 random bits, so a fast digest is enough to store it
//! safely (no password stretching is needed for a secret nobody chose), and a
//! lookup by digest costs one indexed read.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

/// Tokens start with this prefix so secret scanners and people recognise them.
pub const PREFIX: &str = "rm_";

/// A new token and the digest to store.
pub fn generate() -> (String, String) {
    let bytes: [u8; 32] = rand::random();
    let token = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let digest = digest(&token);
    (token, digest)
}

/// Hex SHA-256 of a presented token.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether a presented secret is the stored one. Their digests are compared,
/// so the time the comparison takes tells nothing about how much of the
/// secret was right.
pub fn same_secret(stored: &str, presented: &str) -> bool {
    Sha256::digest(stored.as_bytes()) == Sha256::digest(presented.as_bytes())
}

/// A random URL-safe secret of 32 bytes, for inbound tokens and form keys.
pub fn random_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_stored_as_digests() {
        let (a, digest_a) = generate();
        let (b, _) = generate();
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX));
        assert_eq!(digest_a, digest(&a));
        assert_eq!(digest_a.len(), 64);
        assert!(!digest_a.contains(&a[PREFIX.len()..]));
    }
}
