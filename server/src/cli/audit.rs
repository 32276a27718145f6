//! `opsdeck audit verify [--expect-head ID:HASH]`.

use anyhow::Context;
use secrecy::ExposeSecret;

use app::audit::ssr::chain::verify_against;
use app::audit::ssr::{AuditKey, anchor};
use app::audit::{ChainAnchor, ChainReport};
use app::state::RedisHandle;

use crate::config::Config;
use crate::startup;

/// `opsdeck audit verify [--expect-head ID:HASH]`: prints the result; a
/// broken chain is an error (exit 1). Without `--expect-head` it checks
/// against the anchor in Redis, when Redis answers.
pub async fn verify_command(config: &Config, expect_head: Option<&str>) -> anyhow::Result<()> {
    let expected = expect_head
        .map(|head| ChainAnchor::parse_head(head, chrono::Utc::now()).map_err(anyhow::Error::msg))
        .transpose()?;
    let db = startup::connect_database(config)?;
    let mut conn = db
        .acquire()
        .await
        .with_context(|| format!("connecting to {} (DATABASE_URL)", config.database_url_for_logs()))?;
    let anchor = match expected {
        Some(anchor) => Some(anchor),
        None => {
            let log = anchor::log_id(&mut conn)
                .await
                .context("reading the audit log's database")?;
            stored_anchor(config, log).await
        }
    };
    let key = AuditKey::new(config.audit_key.expose_secret());
    match verify_against(&mut conn, &key, anchor)
        .await
        .context("reading the audit log")?
    {
        ChainReport::Intact { last_id, count, anchor } => {
            match anchor {
                Some(anchor) => println!(
                    "audit chain intact: {count} entries, last id {last_id}; holds the anchor {}",
                    anchor.head()
                ),
                None => println!("audit chain intact: {count} entries, last id {last_id} (no anchor to check against)"),
            }
            Ok(())
        }
        ChainReport::Broken { id, reason } => {
            anyhow::bail!("audit chain broken at entry {id}: {}", reason.describe(id))
        }
    }
}

/// The anchor recorded in Redis, or `None` (said on stderr) when there is none
/// or Redis does not answer.
async fn stored_anchor(config: &Config, log: anchor::LogId) -> Option<ChainAnchor> {
    let redis = redis::Client::open(config.redis_url.expose_secret())
        .map(|client| RedisHandle::new(client, config.check_timeout, config.redis_prefix.clone()));
    match redis {
        Ok(redis) => match anchor::read(&redis, log).await {
            Ok(anchor) => anchor,
            Err(error) => {
                eprintln!("no anchor read from Redis ({error}); checking the chain alone");
                None
            }
        },
        Err(error) => {
            eprintln!("REDIS_URL is not usable ({error}); checking the chain alone");
            None
        }
    }
}
