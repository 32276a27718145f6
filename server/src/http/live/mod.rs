//! The live fan-out: every stored batch's effect on the charts reaches every
//! browser watching, whichever instance it is connected to.
//!
//! ```text
//! commit ─▶ publish: read back each touched (service, minute) from the
//!           service rollups, one query ─▶ XADD <prefix>live (one LivePoint per entry)
//! every instance: one reader (XREAD BLOCK, own connection) ─▶ broadcast
//!           ─▶ GET /api/v1/live streams (stream.rs)
//! ```
//!
//! A Redis *stream* rather than PUBLISH (DESIGN.md's picture): its entry ids
//! are the SSE event ids, so a browser that reconnects with `Last-Event-ID`
//! reads what it missed back from Redis (`XRANGE`) instead of leaving a gap
//! in its chart. The stream is capped (`MAXLEN ~ 10000`): live data is what
//! may be lost; the charts' history comes from Postgres.
//!
//! Log lines take the same way on their own stream (`logs:live`, written
//! by the logs store after each commit) and their own broadcast, so a burst
//! of lines never crowds the charts' points out: `GET /api/v1/logs/tail`
//! (`logs.rs`) sends each browser the lines its query matches.
//!
//! Publishing is best-effort: the batch is already committed and answered,
//! so a failure is logged and counted, never turned into an ingest error;
//! what could not be published is published again once Redis answers
//! (`publish.rs`).

mod entry;
mod logs;
mod publish;
mod stream;
pub mod viewer;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::broadcast;

use app::logs::LIVE_STREAM;
use app::metrics::ssr::report_cache::ReportCache;
use app::overview_reads::OverviewReads;
use app::state::RedisHandle;

pub use entry::{EntryId, Kind, Published};
pub use logs::logs_tail;
pub use publish::{Publisher, publish_alert_counts, publish_issue_updates, publish_store_samples};
pub use stream::stream;

/// The stream's key, under the installation's prefix.
const STREAM: &str = "live";
/// Approximate cap on the stream's length.
const MAX_LEN: u32 = 10_000;
/// Points a browser may fall behind before its stream is ended.
const BROADCAST_CAPACITY: usize = 1024;
/// Log lines a tail may fall behind (every line passes every tail's filter).
const LOG_BROADCAST_CAPACITY: usize = 8192;
/// How long one `XREAD` blocks; the reader's connection waits a bit longer.
const BLOCK: Duration = Duration::from_secs(5);
/// Pause before reconnecting after a Redis error, doubling up to `RETRY_MAX`.
const RETRY: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(30);

/// What this instance broadcasts to its streams: the reader's entries, the
/// heartbeat's ticks and the stop.
#[derive(Clone, Debug)]
pub enum Message {
    /// A stream entry (a chart point or the alert counts).
    Entry(Arc<Published>),
    /// Time for a heartbeat: one shared tick, so no stream keeps a timer of its own.
    Heartbeat,
    /// The server is stopping: every stream ends.
    Stop,
}

/// How often every stream gets a heartbeat; proxies close connections idle for ~60 s.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// This instance's side of the fan-out: the broadcast the reader feeds and
/// every stream follows.
#[derive(Clone)]
pub struct Live {
    sender: broadcast::Sender<Message>,
    /// The log lines' own broadcast (`logs.rs`).
    logs: broadcast::Sender<Message>,
    stopped: Arc<AtomicBool>,
    recheck: Duration,
    /// Open streams per user id, so one account cannot hold every connection.
    per_user: Arc<std::sync::Mutex<HashMap<i64, usize>>>,
    max_per_user: usize,
}

impl Live {
    /// `recheck`: how often a stream re-checks its viewer's session;
    /// `max_per_user`: streams one user may hold open here.
    pub fn new(recheck: Duration, max_per_user: usize) -> Live {
        let (sender, _) = broadcast::channel(BROADCAST_CAPACITY);
        let (logs, _) = broadcast::channel(LOG_BROADCAST_CAPACITY);
        Live {
            sender,
            logs,
            stopped: Arc::new(AtomicBool::new(false)),
            recheck,
            per_user: Arc::default(),
            max_per_user,
        }
    }

    /// A place for one more stream of `user`, or `None` when the user
    /// already holds `max_per_user`. The place is given back on drop.
    fn admit(&self, user: i64) -> Option<UserStream> {
        let mut counts = self.per_user.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let open = counts.entry(user).or_default();
        if *open >= self.max_per_user {
            return None;
        }
        *open += 1;
        Some(UserStream {
            user,
            counts: self.per_user.clone(),
        })
    }

    /// A new stream's receiver, or `None` once the server is stopping.
    fn subscribe(&self) -> Option<broadcast::Receiver<Message>> {
        self.subscribe_to(&self.sender)
    }

    /// A new log tail's receiver, or `None` once the server is stopping.
    fn subscribe_logs(&self) -> Option<broadcast::Receiver<Message>> {
        self.subscribe_to(&self.logs)
    }

    fn subscribe_to(&self, sender: &broadcast::Sender<Message>) -> Option<broadcast::Receiver<Message>> {
        // Subscribed before the flag is read: a stream that subscribes while
        // `stop` runs either sees the flag or receives `Stop`.
        let receiver = sender.subscribe();
        (!self.stopped.load(Ordering::SeqCst)).then_some(receiver)
    }

    /// Ends every open stream (graceful shutdown would otherwise wait for them).
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        let _ = self.sender.send(Message::Stop);
        let _ = self.logs.send(Message::Stop);
    }
}

/// One open stream of a user, counted until dropped.
pub struct UserStream {
    user: i64,
    counts: Arc<std::sync::Mutex<HashMap<i64, usize>>>,
}

impl Drop for UserStream {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(open) = counts.get_mut(&self.user) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                counts.remove(&self.user);
            }
        }
    }
}

/// Entries of `stream` after `after` (exclusive), oldest first, at most `count`.
async fn entries_after(
    redis: &RedisHandle,
    stream: &str,
    after: EntryId,
    count: usize,
) -> redis::RedisResult<Vec<Published>> {
    let mut conn = redis.connection().await?;
    let entries: Vec<(String, HashMap<String, String>)> = redis::cmd("XRANGE")
        .arg(redis.key(stream))
        .arg(format!("({after}"))
        .arg("+")
        .arg("COUNT")
        .arg(count)
        .query_async(&mut conn)
        .await?;
    Ok(entries
        .into_iter()
        .filter_map(|(id, fields)| Published::from_entry(&id, fields))
        .collect())
}

/// The running reader and heartbeat; dropping it stops both.
pub struct LiveReader(Vec<tokio::task::JoinHandle<()>>);

impl Drop for LiveReader {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// Starts this instance's one reader of each stream (the points' reader
/// also tells `reports` which services got new data, and `overview` which of
/// its shared reads are outdated) and the heartbeat of its streams.
pub fn spawn_reader(redis: RedisHandle, live: Live, reports: ReportCache, overview: OverviewReads) -> LiveReader {
    LiveReader(vec![
        tokio::spawn(heartbeats(live.sender.clone())),
        tokio::spawn(heartbeats(live.logs.clone())),
        tokio::spawn(read(
            redis.clone(),
            live.sender.clone(),
            STREAM,
            Some((reports, overview)),
        )),
        tokio::spawn(read(redis, live.logs.clone(), LIVE_STREAM, None)),
    ])
}

async fn heartbeats(sender: broadcast::Sender<Message>) {
    let mut every = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    loop {
        every.tick().await;
        // No stream open is not an error.
        let _ = sender.send(Message::Heartbeat);
    }
}

type XReadReply = Option<Vec<(String, Vec<(String, HashMap<String, String>)>)>>;

/// Follows the stream from its end at start-up, forever; after a Redis error
/// it reconnects and continues after the last entry it saw, so an outage
/// delays points rather than losing them (as far as the cap allows).
async fn read(
    redis: RedisHandle,
    sender: broadcast::Sender<Message>,
    stream: &'static str,
    caches: Option<(ReportCache, OverviewReads)>,
) {
    let key = redis.key(stream);
    let mut last: Option<String> = None;
    let mut pause = RETRY;
    loop {
        let mut conn = match redis.dedicated_connection(BLOCK + Duration::from_secs(5)).await {
            Ok(conn) => conn,
            Err(error) => {
                tracing::warn!(%error, retry_secs = pause.as_secs(), "live reader cannot reach Redis; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(RETRY_MAX);
                continue;
            }
        };
        loop {
            let after = match &last {
                Some(id) => id.clone(),
                None => match latest_id(&mut conn, &key).await {
                    Ok(id) => last.insert(id).clone(),
                    Err(error) => {
                        tracing::warn!(%error, "live reader cannot read the stream's end; retrying");
                        break;
                    }
                },
            };
            let reply: redis::RedisResult<XReadReply> = redis::cmd("XREAD")
                .arg("COUNT")
                .arg(500)
                .arg("BLOCK")
                .arg(u64::try_from(BLOCK.as_millis()).unwrap_or(5000))
                .arg("STREAMS")
                .arg(&key)
                .arg(&after)
                .query_async(&mut conn)
                .await;
            match reply {
                Ok(streams) => {
                    pause = RETRY;
                    for (id, fields) in streams.into_iter().flatten().flat_map(|(_, entries)| entries) {
                        if let Some(published) = Published::from_entry(&id, fields) {
                            if let Some((reports, overview)) = &caches {
                                outdate(&published.kind, reports, overview);
                            }
                            // No receivers (no browser watching) is not an error.
                            let _ = sender.send(Message::Entry(Arc::new(published)));
                        }
                        last = Some(id);
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "live reader lost Redis; reconnecting");
                    break;
                }
            }
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(RETRY_MAX);
    }
}

/// What an entry makes outdated in this instance's shared answers.
fn outdate(kind: &Kind, reports: &ReportCache, overview: &OverviewReads) {
    match kind {
        Kind::Point { service } => {
            reports.touched(service);
            overview.services.touch();
        }
        Kind::Alerts => overview.firing.touch(),
        Kind::Issue { .. } => overview.tallies.touch(),
        Kind::Log(_) | Kind::Samples { .. } => {}
    }
}

/// The id of the stream's newest entry, or `0-0` when it is empty.
async fn latest_id(conn: &mut redis::aio::MultiplexedConnection, key: &str) -> redis::RedisResult<String> {
    let newest: Vec<(String, HashMap<String, String>)> = redis::cmd("XREVRANGE")
        .arg(key)
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1)
        .query_async(conn)
        .await?;
    Ok(newest
        .into_iter()
        .next()
        .map_or_else(|| "0-0".to_string(), |(id, _)| id))
}

#[cfg(test)]
mod tests;
