//! `opsdeck secrets rotate`: every stored secret encrypted anew with
//! `OPSDECK_SECRETS_KEY`, the old keys (`OPSDECK_SECRETS_OLD_KEYS`) used
//! only to read. Rotating a key, in order:
//!
//! 1. `openssl rand -hex 32` gives the new key.
//! 2. Every instance restarts with `OPSDECK_SECRETS_KEY=<new>` and
//!    `OPSDECK_SECRETS_OLD_KEYS=<old>`: new secrets are sealed with the new
//!    key, old ones still open.
//! 3. `opsdeck secrets rotate` (same variables) re-encrypts every row in one
//!    transaction.
//! 4. The old key is removed from `OPSDECK_SECRETS_OLD_KEYS` (and restarts).

use anyhow::Context;

use app::secrets::stored::{Reseal, reseal};

use crate::config::Config;
use crate::startup;

pub async fn rotate(config: Config) -> anyhow::Result<()> {
    let db = startup::connect_database(&config)?;
    startup::migrate(&db, &config).await?;
    let mut tx = db
        .begin()
        .await
        .with_context(|| format!("connecting to {} (DATABASE_URL)", config.database_url_for_logs()))?;
    let done = reseal(&mut tx, &config.secrets, Reseal::All)
        .await
        .map_err(|error| startup::unreadable(error, &config))?;
    tx.commit().await.context("saving the re-encrypted secrets")?;
    println!(
        "{} stored secrets are encrypted with key {}: {} re-encrypted from an old key, {} were unencrypted",
        done.values,
        config.secrets.current_id(),
        done.were_old_key,
        done.were_plaintext,
    );
    println!("OPSDECK_SECRETS_OLD_KEYS is no longer needed for them");
    Ok(())
}
