//! The error doors' look-ups of a DSN key and its project, kept for
//! [`FOR`] (5 s) per presented key, so a busy SDK's envelopes skip two
//! queries each. Only keys that passed every check are kept, under the
//! SHA-256 of the presented secret (never the secret itself); a kept key
//! past its `expires_at` is looked up again.
//!
//! Revocation still takes effect at once: the statement that stores the
//! events checks, in the same snapshot as its writes, that each sender's
//! key is not revoked, not expired and still bound to the project
//! (`app::errors::ssr::write`). An envelope of a key revoked after it was
//! kept here stores nothing; the door then forgets the key and answers
//! what an uncached look-up answers (401, audited). An envelope without
//! an event item (sessions, client reports) stores nothing to check, so a
//! kept key is looked up again for it. What the few seconds delay is only
//! the `last_used_at` touch (at most once a minute anyway).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use app::api_keys::ErrorProject;
use app::api_keys::ssr::secret::hash_key;
use chrono::{DateTime, Utc};

/// How long a look-up is kept.
pub const FOR: Duration = Duration::from_secs(5);
/// Most keys kept; past it, the expired ones are dropped, then all.
const MOST: usize = 10_000;

/// A key that passed every check, with its project.
#[derive(Clone, Debug)]
pub struct KnownKey {
    pub id: i64,
    pub project: ErrorProject,
    pub expires_at: Option<DateTime<Utc>>,
}

struct Kept {
    key: KnownKey,
    at: Instant,
}

/// The cache; one per router (so per database).
#[derive(Default)]
pub struct KeyCache {
    kept: Mutex<HashMap<[u8; 32], Kept>>,
}

impl KeyCache {
    fn kept(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Kept>> {
        // Inserts and removes are whole: a panicked holder leaves the map usable.
        self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The key `presented` names, if it was looked up less than [`FOR`] ago and is not past its expiry.
    pub fn get(&self, presented: &str) -> Option<KnownKey> {
        let hash = hash_key(presented);
        let mut kept = self.kept();
        let fresh = kept
            .get(&hash)
            .is_some_and(|k| k.at.elapsed() < FOR && k.key.expires_at.is_none_or(|at| at > Utc::now()));
        if !fresh {
            kept.remove(&hash);
            return None;
        }
        kept.get(&hash).map(|k| k.key.clone())
    }

    pub fn put(&self, presented: &str, key: KnownKey) {
        let mut kept = self.kept();
        if kept.len() >= MOST {
            kept.retain(|_, k| k.at.elapsed() < FOR);
            if kept.len() >= MOST {
                kept.clear();
            }
        }
        kept.insert(
            hash_key(presented),
            Kept {
                key,
                at: Instant::now(),
            },
        );
    }

    pub fn forget(&self, presented: &str) {
        self.kept().remove(&hash_key(presented));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(expires_at: Option<DateTime<Utc>>) -> KnownKey {
        KnownKey {
            id: 7,
            project: ErrorProject {
                id: 3,
                service: "shop".into(),
            },
            expires_at,
        }
    }

    #[test]
    fn a_kept_key_is_found_until_forgotten_or_expired() {
        let cache = KeyCache::default();
        assert!(cache.get("odk_a_b").is_none());
        cache.put("odk_a_b", key(None));
        assert_eq!(cache.get("odk_a_b").map(|k| k.id), Some(7));
        assert!(cache.get("odk_a_c").is_none(), "another secret is not the kept one");
        cache.forget("odk_a_b");
        assert!(cache.get("odk_a_b").is_none());
        cache.put("odk_a_b", key(Some(Utc::now() - chrono::Duration::seconds(1))));
        assert!(cache.get("odk_a_b").is_none(), "an expired key is looked up again");
    }
}
