//! The key itself: generating it, the hash that is stored, and checking a
//! presented bearer key against its row.
//!
//! A key reads `odk_<prefix>_<secret>`: `prefix` is 8 random base62
//! characters that find the row (unique, not secret, shown on screen),
//! `secret` is 32 random base62 characters (about 190 bits).
//!
//! Why SHA-256 and not argon2 as for passwords: a password is low-entropy
//! and must be slow to guess offline; a key is 190 random bits, so a single
//! fast hash already makes an offline search hopeless, and checking a key on
//! every ingest request must cost microseconds, not tens of milliseconds.
//! The stored hash is compared in constant time so response timing says
//! nothing about how much of a guessed secret was right.

use chrono::{DateTime, Utc};
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::api_keys::Scope;

pub const KEY_PREFIX: &str = "odk_";
pub const PREFIX_LEN: usize = 8;
pub const SECRET_LEN: usize = 32;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub(crate) fn random_base62(len: usize) -> String {
    // `thread_rng` is a CSPRNG (ChaCha) seeded from the operating system.
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| char::from(BASE62[rng.gen_range(0..BASE62.len())]))
        .collect()
}

/// A freshly generated key: the full text (shown once) and what is stored.
pub struct GeneratedKey {
    pub full: String,
    pub prefix: String,
    pub hash: [u8; 32],
}

pub fn generate() -> GeneratedKey {
    let prefix = random_base62(PREFIX_LEN);
    let full = format!("{KEY_PREFIX}{prefix}_{}", random_base62(SECRET_LEN));
    let hash = hash_key(&full);
    GeneratedKey { full, prefix, hash }
}

/// SHA-256 of the whole key text.
pub fn hash_key(full: &str) -> [u8; 32] {
    Sha256::digest(full.as_bytes()).into()
}

/// The prefix of a well-formed key; `None` for anything else.
pub fn prefix_of(presented: &str) -> Option<&str> {
    let rest = presented.strip_prefix(KEY_PREFIX)?;
    let (prefix, secret) = rest.split_once('_')?;
    let base62 = |text: &str, len: usize| text.len() == len && text.bytes().all(|b| b.is_ascii_alphanumeric());
    (base62(prefix, PREFIX_LEN) && base62(secret, SECRET_LEN)).then_some(prefix)
}

/// A key's row as the bearer check needs it.
#[derive(Clone, Debug)]
pub struct StoredKey {
    pub id: i64,
    pub name: String,
    pub key_hash: Vec<u8>,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Recorded at most once a minute ([`super::touch_last_used`]).
    pub last_used_at: Option<DateTime<Utc>>,
    /// The error project a key with the `errors` scope is bound to.
    pub error_project_id: Option<i32>,
}

/// Why a presented key is refused. `WrongScope` and `WrongProject` are 403:
/// the key is genuine but not allowed here; the rest are 401.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRefusal {
    Missing,
    Unknown,
    Revoked,
    Expired,
    WrongScope,
    /// An `errors` key sent to another project's DSN path.
    WrongProject,
}

impl KeyRefusal {
    pub fn message(self) -> &'static str {
        match self {
            KeyRefusal::Missing => "send an API key as `Authorization: Bearer odk_…`",
            KeyRefusal::Unknown => "unknown API key",
            KeyRefusal::Revoked => "this API key has been revoked",
            KeyRefusal::Expired => "this API key has expired",
            KeyRefusal::WrongScope => "this API key's scopes do not include this API",
            KeyRefusal::WrongProject => "this key belongs to another error project; use the DSN shown with it",
        }
    }
}

/// Checks `presented` against the row its prefix found. Revocation and
/// expiry are only told to a holder of the genuine key.
pub fn check(stored: Option<&StoredKey>, presented: &str, needed: Scope, now: DateTime<Utc>) -> Result<(), KeyRefusal> {
    let Some(stored) = stored else {
        return Err(KeyRefusal::Unknown);
    };
    let genuine: bool = hash_key(presented).ct_eq(stored.key_hash.as_slice()).into();
    if !genuine {
        return Err(KeyRefusal::Unknown);
    }
    if stored.revoked_at.is_some() {
        return Err(KeyRefusal::Revoked);
    }
    if stored.expires_at.is_some_and(|at| at <= now) {
        return Err(KeyRefusal::Expired);
    }
    if !stored.scopes.contains(&needed) {
        return Err(KeyRefusal::WrongScope);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(key: &GeneratedKey) -> StoredKey {
        StoredKey {
            id: 1,
            name: "ci".into(),
            key_hash: key.hash.to_vec(),
            scopes: vec![Scope::Ingest],
            expires_at: None,
            revoked_at: None,
            last_used_at: None,
            error_project_id: None,
        }
    }

    #[test]
    fn generated_keys_have_the_documented_shape_and_differ() {
        let key = generate();
        assert_eq!(key.full.len(), 4 + 8 + 1 + 32);
        assert_eq!(prefix_of(&key.full), Some(key.prefix.as_str()));
        assert_ne!(key.full, generate().full);
        assert_eq!(key.hash, hash_key(&key.full));
    }

    #[test]
    fn malformed_keys_have_no_prefix() {
        for bad in [
            "",
            "odk_",
            "odk_short_x",
            "xyz_AbCd1234_0123456789abcdef0123456789abcdef",
            "odk_AbCd12!4_0123456789abcdef0123456789abcdef",
        ] {
            assert_eq!(prefix_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_the_genuine_unrevoked_unexpired_correctly_scoped_key_passes() {
        let now = Utc::now();
        let key = generate();
        let row = stored(&key);
        assert_eq!(check(Some(&row), &key.full, Scope::Ingest, now), Ok(()));
        assert_eq!(check(None, &key.full, Scope::Ingest, now), Err(KeyRefusal::Unknown));
        let mut forged = key.full.clone();
        forged.pop();
        forged.push(if key.full.ends_with('a') { 'b' } else { 'a' });
        assert_eq!(check(Some(&row), &forged, Scope::Ingest, now), Err(KeyRefusal::Unknown));
        assert_eq!(
            check(Some(&row), &key.full, Scope::DeploymentsWrite, now),
            Err(KeyRefusal::WrongScope)
        );
        let expired = StoredKey {
            expires_at: Some(now),
            ..row.clone()
        };
        assert_eq!(
            check(Some(&expired), &key.full, Scope::Ingest, now),
            Err(KeyRefusal::Expired)
        );
        let revoked = StoredKey {
            revoked_at: Some(now),
            ..row.clone()
        };
        assert_eq!(
            check(Some(&revoked), &key.full, Scope::Ingest, now),
            Err(KeyRefusal::Revoked)
        );
        assert_eq!(
            check(Some(&revoked), &forged, Scope::Ingest, now),
            Err(KeyRefusal::Unknown),
            "no news for a forger"
        );
    }
}
