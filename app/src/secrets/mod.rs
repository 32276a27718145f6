//! Secrets at rest: backup targets' and monitored data stores' connection
//! URLs and notification channels' addresses and signing secrets are stored sealed with
//! XChaCha20-Poly1305 (RustCrypto's `chacha20poly1305`) under a key kept
//! outside the database (`OPSDECK_SECRETS_KEY`), like the audit key.
//!
//! A sealed value reads `enc:v1:<key id>:<base64 of nonce and ciphertext>`.
//! The key id is a fingerprint of the key, so a value names the key it
//! needs: after a new key is configured, the previous ones
//! (`OPSDECK_SECRETS_OLD_KEYS`) still open older values until
//! `opsdeck secrets rotate` (`stored::reseal`) has sealed every row anew.
//! The column's name is the associated data, so a value copied into another
//! column (a channel's secret into its address) does not open there.

pub mod stored;

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

/// What every sealed value starts with (a plaintext URL or `whsec_…` never does).
pub const PREFIX: &str = "enc:v1:";
/// The key length XChaCha20-Poly1305 takes.
pub const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;

/// A column whose values are stored sealed; its name is the associated data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub table: &'static str,
    pub column: &'static str,
}

impl Column {
    fn label(self) -> String {
        format!("{}.{}", self.table, self.column)
    }
}

/// `backup_targets.connection_url` (NULL for Opsdeck's own database).
pub const BACKUP_URL: Column = Column {
    table: "backup_targets",
    column: "connection_url",
};
/// `notification_channels.url`: a Slack webhook's path is itself a secret.
pub const CHANNEL_URL: Column = Column {
    table: "notification_channels",
    column: "url",
};
/// `notification_channels.secret`: the HMAC key requests are signed with.
pub const CHANNEL_SECRET: Column = Column {
    table: "notification_channels",
    column: "secret",
};
/// `data_store_targets.connection_url`: a monitored Postgres's or Redis's URL.
pub const DATA_STORE_URL: Column = Column {
    table: "data_store_targets",
    column: "connection_url",
};
/// `scrape_targets.bearer_token`: the token a Prometheus target asks for.
pub const SCRAPE_TOKEN: Column = Column {
    table: "scrape_targets",
    column: "bearer_token",
};
/// Every sealed column; `stored::reseal` walks them all.
pub const COLUMNS: [Column; 5] = [BACKUP_URL, CHANNEL_URL, CHANNEL_SECRET, DATA_STORE_URL, SCRAPE_TOKEN];

/// Why a stored value does not open.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("it is stored unencrypted (`opsdeck secrets rotate` encrypts it)")]
    Plaintext,
    #[error("it was encrypted with key {0}, which is neither the current key ({1}) nor one of the old keys")]
    UnknownKey(String, String),
    #[error(
        "it does not decrypt with key {0}: the key with this id is not the one it was written with, or the value was altered"
    )]
    Damaged(String),
}

/// A key given in configuration that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("is {0} bytes; a key is exactly 32 bytes (64 hex digits, e.g. `openssl rand -hex 32`)")]
pub struct BadKey(pub usize);

struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
}

impl Key {
    fn new(bytes: &[u8]) -> Result<Key, BadKey> {
        let cipher = XChaCha20Poly1305::new_from_slice(bytes).map_err(|_| BadKey(bytes.len()))?;
        Ok(Key {
            id: key_id(bytes),
            cipher,
        })
    }
}

/// The current key (seals and opens) and older ones (open only).
#[derive(Clone)]
pub struct Keyring(Arc<[Key]>);

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keyring(current {}, {} old)", self.current_id(), self.0.len() - 1)
    }
}

/// A key's public name: the first 4 bytes of a SHA-256 of it, as hex.
pub fn key_id(bytes: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(b"opsdeck secrets key id\0")
        .chain_update(bytes)
        .finalize();
    hex::encode(&digest[..4])
}

impl Keyring {
    /// `current` seals; `older` (the keys before it) still open what they sealed.
    pub fn new(current: &[u8], older: &[&[u8]]) -> Result<Keyring, BadKey> {
        let mut keys = vec![Key::new(current)?];
        for bytes in older {
            let key = Key::new(bytes)?;
            if keys.iter().all(|k| k.id != key.id) {
                keys.push(key);
            }
        }
        Ok(Keyring(keys.into()))
    }

    /// The id new values are sealed under.
    pub fn current_id(&self) -> &str {
        &self.0[0].id
    }

    /// `plain` sealed for `column` under the current key, with a fresh random nonce.
    pub fn seal(&self, column: Column, plain: &str) -> String {
        let key = &self.0[0];
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = column.label();
        let payload = Payload {
            msg: plain.as_bytes(),
            aad: aad.as_bytes(),
        };
        // Encryption fails only past 2^38 bytes; a URL or secret is far below.
        let sealed = key
            .cipher
            .encrypt(&nonce, payload)
            .unwrap_or_else(|_| unreachable!("XChaCha20-Poly1305 takes inputs this short"));
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{PREFIX}{}:{}", key.id, URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The plaintext of a value stored in `column`.
    pub fn open(&self, column: Column, stored: &str) -> Result<String, OpenError> {
        let (id, body) = sealed_parts(stored).ok_or(OpenError::Plaintext)?;
        let key = self
            .0
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| OpenError::UnknownKey(id.to_string(), self.current_id().to_string()))?;
        let damaged = || OpenError::Damaged(id.to_string());
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| damaged())?;
        if bytes.len() < NONCE_BYTES {
            return Err(damaged());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let aad = column.label();
        let payload = Payload {
            msg: sealed,
            aad: aad.as_bytes(),
        };
        let plain = key
            .cipher
            .decrypt(XNonce::from_slice(nonce), payload)
            .map_err(|_| damaged())?;
        String::from_utf8(plain).map_err(|_| damaged())
    }

    /// Whether `stored` is sealed under the current key (rotation skips it).
    pub fn is_current(&self, stored: &str) -> bool {
        sealed_parts(stored).is_some_and(|(id, _)| id == self.current_id())
    }
}

/// The key id and body of a sealed value; `None` for plaintext.
pub fn sealed_parts(stored: &str) -> Option<(&str, &str)> {
    stored.strip_prefix(PREFIX)?.split_once(':')
}

#[cfg(test)]
mod tests;
