//! The Redis handle every area shares (sessions, rate limits, live
//! updates, refusal counters, the audit anchor).

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

/// One shared Redis connection, opened on first use.
///
/// Opened lazily so Opsdeck starts (and reports Redis `down`) while Redis is
/// unreachable; once open, the connection manager reconnects by itself after
/// Redis comes back. Keys written through it must start with `key_prefix`.
#[derive(Clone)]
pub struct RedisHandle {
    client: redis::Client,
    manager: std::sync::Arc<OnceCell<ConnectionManager>>,
    timeout: Duration,
    pub key_prefix: String,
}

impl RedisHandle {
    pub fn new(client: redis::Client, timeout: Duration, key_prefix: String) -> Self {
        Self {
            client,
            manager: Default::default(),
            timeout,
            key_prefix,
        }
    }

    pub async fn connection(&self) -> redis::RedisResult<ConnectionManager> {
        let manager = self
            .manager
            .get_or_try_init(|| {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(Some(self.timeout))
                    .set_number_of_retries(1);
                ConnectionManager::new_with_config(self.client.clone(), config)
            })
            .await?;
        Ok(manager.clone())
    }

    /// A connection of its own, for commands that block (`XREAD BLOCK`) and
    /// would stall every other user of the shared one. `response_timeout`
    /// must exceed the longest block.
    pub async fn dedicated_connection(
        &self,
        response_timeout: Duration,
    ) -> redis::RedisResult<redis::aio::MultiplexedConnection> {
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(response_timeout));
        self.client.get_multiplexed_async_connection_with_config(&config).await
    }

    /// A connection of its own subscribed to the channels it is told to
    /// (pub/sub takes a connection for itself).
    pub async fn subscriber(&self) -> redis::RedisResult<redis::aio::PubSub> {
        let connect = self.client.get_async_pubsub();
        match tokio::time::timeout(self.timeout, connect).await {
            Ok(result) => result,
            Err(_) => Err(redis::RedisError::from((
                redis::ErrorKind::Io,
                "timed out connecting to Redis",
            ))),
        }
    }

    /// `key` under this installation's (or this test's) prefix.
    pub fn key(&self, key: &str) -> String {
        format!("{}{key}", self.key_prefix)
    }
}

/// `XADD key MAXLEN ~ max_len * field value…`: appends one entry to a stream
/// kept near `max_len` entries (Redis trims whole nodes, so "near").
pub fn capped_xadd(key: &str, max_len: u32, fields: &[(&str, &str)]) -> redis::Cmd {
    let mut cmd = redis::cmd("XADD");
    cmd.arg(key).arg("MAXLEN").arg("~").arg(max_len).arg("*");
    for (field, value) in fields {
        cmd.arg(*field).arg(*value);
    }
    cmd
}
