//! argon2id hashing, always off the async runtime.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};

/// m = 19456 KiB, t = 2, p = 1: OWASP's minimum for argon2id.
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password in `spawn_blocking` (it takes tens of milliseconds of CPU).
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))
    })
    .await?
}

/// Verifies against `stored`, or against a dummy hash when there is no user,
/// so an unknown email costs the same time as a wrong password.
pub async fn verify(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        let matches = argon2().verify_password(password.as_bytes(), &parsed).is_ok();
        Ok(known && matches)
    })
    .await?
}

static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(b"no user has this password", &salt)
        .map(|hash| hash.to_string())
        .unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let stored = hash("correct horse battery".into()).await.expect("hashes");
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert!(
            verify("correct horse battery".into(), Some(stored.clone()))
                .await
                .expect("verifies")
        );
        assert!(
            !verify("wrong horse battery".into(), Some(stored))
                .await
                .expect("verifies")
        );
    }

    /// Prints how long one hash takes with the production parameters
    /// (`cargo nextest run -p app --features ssr -E 'test(hash_timing)' --run-ignored only --no-capture --release`).
    #[tokio::test]
    #[ignore = "a measurement, not a check"]
    async fn hash_timing() {
        let mut times = Vec::new();
        for _ in 0..10 {
            let started = std::time::Instant::now();
            hash("correct horse battery staple".into()).await.expect("hashes");
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "argon2id m={MEMORY_KIB} KiB t={ITERATIONS} p={PARALLELISM}: median {:?}, min {:?}, max {:?}",
            times[5], times[0], times[9]
        );
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        assert!(
            !verify("no user has this password".into(), None)
                .await
                .expect("verifies")
        );
    }
}
