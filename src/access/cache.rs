//! A short-lived cache of authenticated callers.
//!
//! Resolving a token costs several queries (token, user, roles, document
//! permissions, assignments); most requests come from the same few tokens. An
//! entry lives [`ActorCache::TTL`]; any change to rights made through this
//! process clears the cache at once, and changes made through another instance
//! sharing the database take effect here within the TTL.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Actor;

/// Cached actors by token digest, each with the instant it stops being valid.
#[derive(Default)]
pub struct ActorCache {
    entries: Mutex<HashMap<String, (Arc<Actor>, Instant)>>,
}

impl ActorCache {
    /// How long a resolved token is trusted without asking the database again.
    pub const TTL: Duration = Duration::from_secs(10);
    /// Entries kept at most; the cache is emptied when it would grow beyond.
    const CAPACITY: usize = 10_000;

    /// The actor for `digest`, if its entry is still valid.
    pub fn get(&self, digest: &str) -> Option<Arc<Actor>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(digest)
            .filter(|(_, valid_until)| Instant::now() < *valid_until)
            .map(|(actor, _)| actor.clone())
    }

    /// Remembers `actor` for the TTL, or until `expires_in` if the token
    /// expires sooner.
    pub fn insert(&self, digest: String, actor: Arc<Actor>, expires_in: Option<Duration>) {
        let ttl = expires_in.map_or(Self::TTL, |left| left.min(Self::TTL));
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= Self::CAPACITY {
                entries.clear();
            }
            entries.insert(digest, (actor, Instant::now() + ttl));
        }
    }

    /// Forgets every entry: called whenever users, roles, assignments, tokens or
    /// hiring-manager assignments change.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor() -> Arc<Actor> {
        let user = entity::user::Model {
            id: 7,
            company_id: 3,
            email: "a@example.com".into(),
            display_name: "A".into(),
            signature_html: None,
            active: true,
            created_at: chrono::Utc::now(),
        };
        Arc::new(Actor::from_roles(&user, &[], &[], Vec::new()))
    }

    #[test]
    fn entries_are_served_until_cleared() {
        let cache = ActorCache::default();
        cache.insert("d".into(), actor(), None);
        let hit = cache.get("d").unwrap();
        assert_eq!((hit.user_id, hit.company_id), (7, 3));
        assert!(cache.get("other").is_none());
        cache.clear();
        assert!(cache.get("d").is_none());
    }

    #[test]
    fn a_token_expiring_sooner_than_the_ttl_is_not_served_past_its_expiry() {
        let cache = ActorCache::default();
        cache.insert("d".into(), actor(), Some(Duration::ZERO));
        assert!(cache.get("d").is_none());
    }
}
