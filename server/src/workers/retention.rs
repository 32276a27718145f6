//! The metrics, logs and errors maintenance worker: keeps daily partitions (metrics
//! tables, `log_lines`, `error_events`, `error_issue_minutes` and `error_issue_hours`) prepared ahead of time and drops whole partitions
//! that left their retention window (never a bulk DELETE), forgets ingest idempotency keys once the
//! raw data they guarded is gone, and prunes finished notifications (their
//! delivery log) once the rollups of the same age are gone.
//!
//! Every instance runs the loop, but only the one holding the session-level
//! advisory lock [`RETENTION_LOCK`] on its dedicated connection does the work,
//! so N instances drop each partition once. The leader keeps its lock (and
//! connection) until it stops or the connection fails; then another instance
//! takes over at its next attempt.
//!
//! The windows are read from the monitoring settings at every round
//! (Settings › Monitoring); a saved change starts a round at once.

use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use sqlx::{PgConnection, PgPool};

use app::metrics::ssr::partitions::{self, StoredKind};
use app::monitoring::settings::LiveSettings;

use crate::config::RetentionSettings;

/// Advisory lock key of the retention leader ('opsdeck retention').
pub const RETENTION_LOCK: i64 = 7_202_611_242;
/// How often the leader (or a candidate) looks again.
const EVERY: Duration = Duration::from_secs(3600);
/// How long the leader's lock outlives its silence (see `leader.rs`); the
/// lock is given up after each round, so an idle hour never outlives it.
const LEASE: Duration = Duration::from_secs(60);
/// After a failure, retry sooner than the hourly round.
const AFTER_ERROR: Duration = Duration::from_secs(60);
/// Partitions are prepared for yesterday (late events) to this many days ahead.
pub const DAYS_AHEAD: u32 = 3;

/// Runs until the task is aborted (the server aborts it when it stops).
pub async fn run(pool: PgPool, live: LiveSettings) {
    let mut leader: Option<PgConnection> = None;
    let mut changes = live.subscribe();
    loop {
        changes.mark_unchanged();
        let pause = match round(&pool, &mut leader, &live).await {
            Ok(()) => {
                // Given up between hourly rounds: a lease cannot span the
                // hour, and whichever instance asks first leads the next.
                leader = None;
                EVERY
            }
            Err(error) => {
                tracing::warn!(error = %error, "metrics retention round failed; retrying");
                // Drops the connection and with it the lock, if held.
                leader = None;
                AFTER_ERROR
            }
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            // A new window applies now, not at the next hour.
            Ok(()) = changes.changed() => {}
        }
    }
}

/// The windows the monitoring settings give now.
pub fn windows(live: &LiveSettings) -> (RetentionSettings, u32) {
    let current = live.current();
    let s = &current.settings;
    let settings = RetentionSettings {
        raw_days: s.raw_days,
        rollup_days: s.rollup_days,
        log_days: s.log_days,
        error_days: s.error_days,
        span_days: s.span_days,
    };
    (settings, s.notification_days)
}

async fn round(pool: &PgPool, leader: &mut Option<PgConnection>, live: &LiveSettings) -> anyhow::Result<()> {
    if leader.is_none() {
        *leader = try_lead(pool).await?;
    }
    let Some(conn) = leader.as_mut() else {
        tracing::debug!("another instance leads metrics retention");
        return Ok(());
    };
    let (settings, notification_days) = windows(live);
    maintain_with(conn, settings, notification_days, Utc::now().date_naive()).await?;
    Ok(())
}

/// A dedicated connection holding the retention lock, or `None` when another
/// session holds it.
pub async fn try_lead(pool: &PgPool) -> sqlx::Result<Option<PgConnection>> {
    let Some(mut conn) = crate::workers::leader::try_lock(pool, RETENTION_LOCK, LEASE).await? else {
        return Ok(None);
    };
    // DROP TABLE waits for an ACCESS EXCLUSIVE lock on the parent, and every
    // insert queues behind a waiting request: give up quickly instead and
    // try again next round.
    sqlx::query("SET lock_timeout = '5s'").execute(&mut conn).await?;
    Ok(Some(conn))
}

/// Days a cumulative OTLP series' last point is remembered without a newer one.
pub const SILENT_SERIES_DAYS: u64 = 2;

/// One round of work: partitions for yesterday to `DAYS_AHEAD` days after
/// `today`, then expired partitions dropped, idempotency keys older than
/// the raw data and finished notifications older than the rollups pruned. Returns the dropped partitions' names.
pub async fn maintain(
    conn: &mut PgConnection,
    settings: RetentionSettings,
    today: NaiveDate,
) -> sqlx::Result<Vec<String>> {
    maintain_with(conn, settings, settings.rollup_days, today).await
}

/// [`maintain`], keeping finished notifications `notification_days` days.
pub async fn maintain_with(
    conn: &mut PgConnection,
    settings: RetentionSettings,
    notification_days: u32,
    today: NaiveDate,
) -> sqlx::Result<Vec<String>> {
    let yesterday = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    partitions::ensure_partitions(&mut *conn, yesterday, DAYS_AHEAD + 1).await?;
    app::logs::ssr::partitions::PARTITIONS
        .ensure_ahead(&mut *conn, yesterday, DAYS_AHEAD + 1)
        .await?;
    app::errors::ssr::partitions::PARTITIONS
        .ensure_ahead(&mut *conn, yesterday, DAYS_AHEAD + 1)
        .await?;
    app::traces::ssr::partitions::PARTITIONS
        .ensure_ahead(&mut *conn, yesterday, DAYS_AHEAD + 1)
        .await?;
    let mut dropped =
        partitions::drop_expired_partitions(&mut *conn, StoredKind::RawEvents, settings.raw_days, today).await?;
    dropped.extend(app::logs::ssr::partitions::drop_expired(&mut *conn, settings.log_days, today).await?);
    dropped.extend(app::errors::ssr::partitions::drop_expired(&mut *conn, settings.error_days, today).await?);
    dropped.extend(app::traces::ssr::partitions::drop_expired(&mut *conn, settings.span_days, today).await?);
    dropped.extend(
        partitions::drop_expired_partitions(&mut *conn, StoredKind::Rollups, settings.rollup_days, today).await?,
    );
    let raw_kept_from = today
        .checked_sub_days(Days::new(u64::from(settings.raw_days)))
        .unwrap_or(today)
        .and_time(NaiveTime::MIN)
        .and_utc();
    let pruned = prune_idempotency_keys(&mut *conn, raw_kept_from).await?;
    if pruned > 0 {
        tracing::info!(pruned, "forgot ingest idempotency keys older than the raw data");
    }
    // A cumulative OTLP series silent this long starts afresh with its next point.
    let silent_since = today
        .checked_sub_days(Days::new(SILENT_SERIES_DAYS))
        .unwrap_or(today)
        .and_time(NaiveTime::MIN)
        .and_utc();
    let pruned = delete_in_chunks(&mut *conn, "otlp_cumulative", "ts < $1", silent_since).await?;
    if pruned > 0 {
        tracing::info!(pruned, "forgot silent cumulative OTLP series");
    }
    // A rule's delivery log is kept as long as its charts' rollups unless
    // the monitoring settings say otherwise.
    let rollups_kept_from = today
        .checked_sub_days(Days::new(u64::from(notification_days)))
        .unwrap_or(today)
        .and_time(NaiveTime::MIN)
        .and_utc();
    let pruned = prune_notifications(&mut *conn, rollups_kept_from).await?;
    if pruned > 0 {
        tracing::info!(pruned, "pruned finished notifications older than the rollups");
    }
    Ok(dropped)
}

/// Deletes idempotency keys of batches stored before `before` (a retry of
/// such a batch would be stored again, but its raw events are gone by now).
pub async fn prune_idempotency_keys(conn: &mut PgConnection, before: DateTime<Utc>) -> sqlx::Result<u64> {
    delete_in_chunks(conn, "ingest_batches", "created_at < $1", before).await
}

/// Deletes finished notifications (delivered or given up; their attempts
/// go with them) finished before `before`. Pending ones are never pruned.
pub async fn prune_notifications(conn: &mut PgConnection, before: DateTime<Utc>) -> sqlx::Result<u64> {
    delete_in_chunks(
        conn,
        "notification_outbox",
        "state <> 'pending' AND finished_at < $1",
        before,
    )
    .await
}

/// Deletes the rows of `table` where `condition` (on `$1` = `before`)
/// holds, a bounded chunk at a time so no statement holds many row locks
/// for long.
async fn delete_in_chunks(
    conn: &mut PgConnection,
    table: &'static str,
    condition: &'static str,
    before: DateTime<Utc>,
) -> sqlx::Result<u64> {
    const CHUNK: i64 = 10_000;
    let sql = format!("DELETE FROM {table} WHERE ctid IN (SELECT ctid FROM {table} WHERE {condition} LIMIT $2)");
    let mut pruned = 0;
    loop {
        let deleted = sqlx::query(&sql)
            .bind(before)
            .bind(CHUNK)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        pruned += deleted;
        if deleted < CHUNK as u64 {
            return Ok(pruned);
        }
    }
}

/// The running worker; dropping it stops the worker.
pub struct RetentionWorker(tokio::task::JoinHandle<()>);

impl Drop for RetentionWorker {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts the worker on the runtime; it stops when the handle is dropped.
pub fn spawn(pool: PgPool, live: LiveSettings) -> RetentionWorker {
    RetentionWorker(tokio::spawn(run(pool, live)))
}
