//! Signing secrets and signatures of the Standard Webhooks specification 1.0
//! ("Signature scheme", "Webhook headers").
//!
//! A secret is `whsec_` followed by the base64 of random bytes (the
//! specification asks for 24 to 64; we use 32). A signature is
//! `v1,` followed by the base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`,
//! keyed with the secret's decoded bytes; during a rotation the header
//! carries one signature per secret, separated by spaces, and a receiver
//! accepts the request when any of them verifies.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore as _;
use ring::hmac;

/// How secrets are recognised when shown to an integrator.
pub const SECRET_PREFIX: &str = "whsec_";

/// Random bytes in a new secret.
const SECRET_BYTES: usize = 32;

/// A new `whsec_` secret.
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The HMAC key of a `whsec_` secret: its decoded bytes.
pub fn key(secret: &str) -> Option<Vec<u8>> {
    STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX)?)
        .ok()
        .filter(|bytes| !bytes.is_empty())
}

/// One `v1,` signature of `body` sent as `webhook_id` at `timestamp`.
pub fn sign(key: &[u8], webhook_id: &str, timestamp: i64, body: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut context = hmac::Context::with_key(&key);
    context.update(webhook_id.as_bytes());
    context.update(b".");
    context.update(timestamp.to_string().as_bytes());
    context.update(b".");
    context.update(body.as_bytes());
    format!("v1,{}", STANDARD.encode(context.sign().as_ref()))
}

/// The `webhook-signature` header: a signature per key, space-separated.
pub fn header(keys: &[Vec<u8>], webhook_id: &str, timestamp: i64, body: &str) -> String {
    keys.iter()
        .map(|key| sign(key, webhook_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(id: &str, timestamp: i64, signature: &str) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        headers.insert("webhook-id", id.parse().unwrap());
        headers.insert("webhook-timestamp", timestamp.to_string().parse().unwrap());
        headers.insert("webhook-signature", signature.parse().unwrap());
        headers
    }

    #[test]
    fn an_independent_implementation_verifies_each_secret_of_the_header() {
        let (old, new) = (new_secret(), new_secret());
        assert!(old.starts_with("whsec_") && old != new);
        let now = chrono::Utc::now().timestamp();
        let body = r#"{"type":"candidate.created","data":{"id":"x"}}"#;
        let signature = header(
            &[key(&new).unwrap(), key(&old).unwrap()],
            "evt_7",
            now,
            body,
        );
        assert_eq!(signature.split(' ').count(), 2);
        for secret in [&old, &new] {
            standardwebhooks::Webhook::new(secret)
                .unwrap()
                .verify(body.as_bytes(), &headers("evt_7", now, &signature))
                .unwrap();
        }
        let stranger = standardwebhooks::Webhook::new(&new_secret()).unwrap();
        assert!(
            stranger
                .verify(body.as_bytes(), &headers("evt_7", now, &signature))
                .is_err()
        );
        let tampered = headers("evt_8", now, &signature);
        assert!(
            standardwebhooks::Webhook::new(&new)
                .unwrap()
                .verify(body.as_bytes(), &tampered)
                .is_err()
        );
    }

    #[test]
    fn keys_come_only_from_whsec_secrets() {
        assert_eq!(key("whsec_AQID"), Some(vec![1, 2, 3]));
        assert_eq!(key("AQID"), None);
        assert_eq!(key("whsec_"), None);
        assert_eq!(key("whsec_!!"), None);
    }
}
