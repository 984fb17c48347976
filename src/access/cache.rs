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
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, (Arc<Actor>, Instant)>,
    /// Raised by every [`ActorCache::clear`]: an actor loaded before a clear
    /// may hold the old rights and must not be stored after it.
    generation: u64,
}

impl ActorCache {
    /// How long a resolved token is trusted without asking the database again.
    pub const TTL: Duration = Duration::from_secs(10);
    /// Entries kept at most; the cache is emptied when it would grow beyond.
    const CAPACITY: usize = 10_000;

    /// The actor for `digest`, if its entry is still valid.
    pub fn get(&self, digest: &str) -> Option<Arc<Actor>> {
        let inner = self.inner.lock().ok()?;
        inner
            .entries
            .get(digest)
            .filter(|(_, valid_until)| Instant::now() < *valid_until)
            .map(|(actor, _)| actor.clone())
    }

    /// The current generation; read it before loading an actor.
    pub fn generation(&self) -> u64 {
        self.inner
            .lock()
            .map(|inner| inner.generation)
            .unwrap_or_default()
    }

    /// Remembers `actor` for the TTL, or until `expires_in` if the token
    /// expires sooner, unless the cache was cleared since `generation` was read.
    pub fn insert(
        &self,
        digest: String,
        actor: Arc<Actor>,
        expires_in: Option<Duration>,
        generation: u64,
    ) {
        let ttl = expires_in.map_or(Self::TTL, |left| left.min(Self::TTL));
        if let Ok(mut inner) = self.inner.lock() {
            if inner.generation != generation {
                return;
            }
            if inner.entries.len() >= Self::CAPACITY {
                inner.entries.clear();
            }
            inner.entries.insert(digest, (actor, Instant::now() + ttl));
        }
    }

    /// Forgets every entry: called whenever users, roles, assignments, tokens or
    /// hiring-manager assignments change.
    pub fn clear(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.entries.clear();
            inner.generation += 1;
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
        cache.insert("d".into(), actor(), None, cache.generation());
        let hit = cache.get("d").unwrap();
        assert_eq!((hit.user_id, hit.company_id), (7, 3));
        assert!(cache.get("other").is_none());
        cache.clear();
        assert!(cache.get("d").is_none());
    }

    #[test]
    fn an_actor_loaded_before_a_clear_is_not_stored_after_it() {
        let cache = ActorCache::default();
        let seen = cache.generation();
        cache.clear();
        cache.insert("d".into(), actor(), None, seen);
        assert!(cache.get("d").is_none());
    }

    #[test]
    fn a_token_expiring_sooner_than_the_ttl_is_not_served_past_its_expiry() {
        let cache = ActorCache::default();
        cache.insert(
            "d".into(),
            actor(),
            Some(Duration::ZERO),
            cache.generation(),
        );
        assert!(cache.get("d").is_none());
    }
}
