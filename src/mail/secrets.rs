//! Secrets at rest (SMTP passwords), sealed with AES-256-GCM under the key of
//! `RECRUITMAIL_SECRET_KEY`.
//!
//! Each value gets a fresh random 96-bit nonce (NIST SP 800-38D §8.2.2) and is
//! bound to its owner through the associated data (`subsidiary:<id>`), so a
//! sealed password copied to another row does not open there. Stored form:
//! `v1:` followed by base64 of nonce and ciphertext with its tag.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore as _;

use crate::settings::SecretKey;

const VERSION: &str = "v1:";
const NONCE_LEN: usize = 12;

/// Seals and opens secrets with the server's key.
#[derive(Clone)]
pub struct Cipher(Aes256Gcm);

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher(..)")
    }
}

/// A sealed value could not be opened: another key, another owner, or damage.
#[derive(Debug, thiserror::Error)]
#[error("the stored secret cannot be decrypted with this server's key")]
pub struct OpenError;

impl Cipher {
    pub fn new(key: &SecretKey) -> Self {
        Self(Aes256Gcm::new(&key.0.into()))
    }

    /// Seals `secret` for `owner` (e.g. `subsidiary:42`).
    pub fn seal(&self, owner: &str, secret: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: secret.as_bytes(),
            aad: owner.as_bytes(),
        };
        // Encryption only fails for inputs beyond GCM's 64 GiB limit.
        let sealed = self
            .0
            .encrypt(&Nonce::from(nonce), payload)
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{VERSION}{}", STANDARD.encode(out))
    }

    /// Opens a value sealed for `owner`.
    pub fn open(&self, owner: &str, sealed: &str) -> Result<String, OpenError> {
        let bytes = sealed
            .strip_prefix(VERSION)
            .and_then(|b64| STANDARD.decode(b64).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .ok_or(OpenError)?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| OpenError)?;
        let payload = Payload {
            msg: ciphertext,
            aad: owner.as_bytes(),
        };
        let clear = self
            .0
            .decrypt(&Nonce::from(nonce), payload)
            .map_err(|_| OpenError)?;
        String::from_utf8(clear).map_err(|_| OpenError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher(byte: u8) -> Cipher {
        Cipher::new(&SecretKey([byte; 32]))
    }

    #[test]
    fn round_trips_and_hides_the_secret() {
        let sealed = cipher(1).seal("subsidiary:1", "hunter2-pässword");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("hunter2"));
        assert_eq!(
            cipher(1).open("subsidiary:1", &sealed).unwrap(),
            "hunter2-pässword"
        );
        assert_ne!(sealed, cipher(1).seal("subsidiary:1", "hunter2-pässword"));
    }

    #[test]
    fn refuses_another_key_another_owner_or_damage() {
        let sealed = cipher(1).seal("subsidiary:1", "secret");
        assert!(cipher(2).open("subsidiary:1", &sealed).is_err());
        assert!(cipher(1).open("subsidiary:2", &sealed).is_err());
        let mut damaged = sealed.clone();
        damaged.pop();
        damaged.push('A');
        assert!(cipher(1).open("subsidiary:1", &damaged).is_err());
        assert!(cipher(1).open("subsidiary:1", "plain").is_err());
    }
}
