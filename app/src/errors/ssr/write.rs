//! The statements `store` writes events with, for one envelope or for
//! several sharing a transaction (group commit), in few round trips:
//!
//! 1. the hashes' ingest locks, all in one statement, in the order merges
//!    and unmerges take them (`triage`: hash in byte order);
//! 2. one statement ([`WRITE`]) over every event (arrays, `unnest`) that
//!    checks each sender's key is still live (a key revoked or expired
//!    since the door's cached look-up stores nothing), claims each event id
//!    (a retried one stores nothing twice), adds the users, updates each
//!    issue's counts once, adds the per-minute counts and writes the event
//!    rows — for the events whose hash has an issue;
//! 3. for hashes seen for the first time (their lock held since step 1):
//!    the issue and its hash created, then step 2 again for their events.
//!
//! Then the issues an event reopens change state (`reopen`) and those
//! audit entries are appended, last. The caller commits.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use super::event::PreparedEvent;
use super::grouping::VERSION;
use super::partitions::PARTITIONS;
use super::reopen;
use crate::api_keys::ErrorProject;
use crate::audit::ssr::{AuditKey, append};
use crate::errors::live::IssueUpdate;

/// What a store did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stored {
    pub events: usize,
    /// Events whose id this key had sent before: not stored again.
    pub duplicates: usize,
    /// Each stored event's id and issue.
    pub issues: Vec<(String, i64)>,
    /// The issues the stored events touched, as they are after them (for
    /// the Errors pages watching live), each once.
    pub touched: Vec<IssueUpdate>,
    /// The batch's `Idempotency-Key` was committed before: nothing stored
    /// now (`duplicates` is that batch's count).
    pub repeated_batch: bool,
}

impl Stored {
    /// Notes `update`, replacing an earlier one of its issue (still "new"
    /// when the batch created it).
    fn note(&mut self, update: IssueUpdate) {
        match self.touched.iter_mut().find(|seen| seen.issue_id == update.issue_id) {
            Some(seen) => {
                seen.events = update.events;
                seen.title = update.title;
            }
            None => self.touched.push(update),
        }
    }
}

/// Who sent a batch.
#[derive(Clone, Copy, Debug)]
pub enum Sender<'a> {
    /// An API key: each event id is claimed for it, and the batch's
    /// `Idempotency-Key` when it has one.
    Key { id: i64, batch: Option<&'a str> },
    /// Opsdeck itself (its own failures): nothing to claim.
    Opsdeck,
}

/// One envelope (or JSON batch) of a write: stored all or nothing.
pub struct Batch<'a> {
    pub sender: Sender<'a>,
    pub project: &'a ErrorProject,
    pub events: &'a [PreparedEvent],
}

/// What a write did with one batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Written {
    Stored(Stored),
    /// The sender's key was revoked or expired (or no longer bound to the
    /// project) when the write began: nothing of the batch was stored.
    KeyRefused,
}

/// Claims, users, issue counts, per-minute counts and event rows of the
/// events given as arrays (one element per event), in one statement. Each
/// part is its own CTE; all see one snapshot, so each table is written by
/// one part only. Returns, per event: its number, whether its key is live,
/// its issue (none when its hash has none yet), whether it was stored now
/// (not a repeat of an event id its key sent before), and its issue's
/// state, title and event count after the statement.
const WRITE: &str = "
WITH input AS (
    SELECT * FROM unnest($1::int[], $2::bigint[], $3::text[], $4::int[], $5::text[], $6::text[],
                         $7::timestamptz[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                         $13::text[], $14::text[])
        AS t(n, api_key_id, event_id, project_id, service, hash, ts, environment, release, level,
             user_key, culprit, message, event)
), live AS (
    SELECT i.* FROM input i LEFT JOIN api_keys a ON a.id = i.api_key_id
    WHERE i.api_key_id IS NULL OR NOT $16
       OR (a.revoked_at IS NULL AND (a.expires_at IS NULL OR a.expires_at > now())
           AND a.error_project_id = i.project_id)
), known AS (
    SELECT l.*, h.issue_id FROM live l JOIN error_hashes h ON h.project_id = l.project_id AND h.hash = l.hash
), claimed AS (
    INSERT INTO ingest_batches (api_key_id, idempotency_key, records)
    SELECT api_key_id, 'sentry-event:' || event_id, 1 FROM known WHERE api_key_id IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING api_key_id, idempotency_key
), fresh AS MATERIALIZED (
    SELECT k.* FROM known k WHERE k.api_key_id IS NULL
    UNION ALL
    -- An id twice in one batch: the first is stored.
    (SELECT DISTINCT ON (k.api_key_id, k.event_id) k.* FROM known k
     JOIN claimed c ON c.api_key_id = k.api_key_id AND c.idempotency_key = 'sentry-event:' || k.event_id
     ORDER BY k.api_key_id, k.event_id, k.n)
), users AS (
    INSERT INTO error_issue_users (issue_id, user_key)
    SELECT issue_id, user_key FROM fresh WHERE user_key IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING issue_id
), per_issue AS (
    SELECT issue_id, count(*) AS events, min(ts) AS first, max(ts) AS last,
           (array_agg(level ORDER BY ts DESC, n DESC))[1] AS last_level
    FROM fresh GROUP BY issue_id
), issues AS (
    UPDATE error_issues e SET event_count = e.event_count + p.events,
        user_count = e.user_count + (SELECT count(*) FROM users u WHERE u.issue_id = p.issue_id),
        first_seen = LEAST(e.first_seen, p.first), last_seen = GREATEST(e.last_seen, p.last),
        level = CASE WHEN p.last >= e.last_seen THEN p.last_level ELSE e.level END
    FROM per_issue p WHERE e.id = p.issue_id
    RETURNING e.id, e.state, e.title, e.event_count
), minutes AS (
    INSERT INTO error_issue_minutes (issue_id, minute, events)
    SELECT issue_id, date_trunc('minute', ts), count(*) FROM fresh GROUP BY 1, 2
    ON CONFLICT (issue_id, minute) DO UPDATE SET events = error_issue_minutes.events + EXCLUDED.events
), hours AS (
    -- UTC hours whatever the session's zone: long ranges read these.
    INSERT INTO error_issue_hours (issue_id, hour, events)
    SELECT issue_id, date_trunc('hour', ts, 'UTC'), count(*) FROM fresh GROUP BY 1, 2
    ON CONFLICT (issue_id, hour) DO UPDATE SET events = error_issue_hours.events + EXCLUDED.events
), stored AS (
    INSERT INTO error_events (ts, received_at, event_id, project_id, service, issue_id, hash,
                              environment, release, level, user_id, culprit, message, event)
    SELECT ts, $15, event_id, project_id, service, issue_id, hash, environment, release, level,
           user_key, culprit, message, event::jsonb
    FROM fresh
)
SELECT i.n, (l.n IS NOT NULL) AS live, k.issue_id, (f.n IS NOT NULL) AS fresh, u.state, u.title, u.event_count
FROM input i
LEFT JOIN live l ON l.n = i.n
LEFT JOIN known k ON k.n = i.n
LEFT JOIN fresh f ON f.n = i.n
LEFT JOIN issues u ON u.id = k.issue_id
ORDER BY i.n";

/// One event's row of [`WRITE`]'s answer.
#[derive(sqlx::FromRow)]
struct Row {
    n: i32,
    live: bool,
    issue_id: Option<i64>,
    fresh: bool,
    state: Option<String>,
    title: Option<String>,
    event_count: Option<i64>,
}

/// An event of the write with the batch it belongs to.
struct Flat<'a> {
    batch: usize,
    sender: Sender<'a>,
    project: &'a ErrorProject,
    event: &'a PreparedEvent,
}

/// Writes `batches` in the caller's transaction; one [`Written`] per
/// batch, in order. The caller commits (or rolls back on `Err`).
pub async fn write(conn: &mut PgConnection, audit: &AuditKey, batches: &[Batch<'_>]) -> sqlx::Result<Vec<Written>> {
    let flat: Vec<Flat> = batches
        .iter()
        .enumerate()
        .flat_map(|(batch, b)| {
            b.events.iter().map(move |event| Flat {
                batch,
                sender: b.sender,
                project: b.project,
                event,
            })
        })
        .collect();
    let mut days: Vec<NaiveDate> = flat.iter().map(|f| f.event.ts.date_naive()).collect();
    days.sort_unstable();
    days.dedup();
    PARTITIONS.ensure_days(&mut *conn, &days).await?;
    lock_hashes(&mut *conn, &flat).await?;
    let all: Vec<usize> = (0..flat.len()).collect();
    let mut rows = run(&mut *conn, &flat, &all, true).await?;
    // Hashes without an issue: created now (their locks are held), then their events written.
    let mut created: HashMap<(i32, &str), i64> = HashMap::new();
    let mut second = Vec::new();
    for row in &rows {
        let n = usize::try_from(row.n).unwrap_or_default();
        if row.live && row.issue_id.is_none() {
            let f = &flat[n];
            let key = (f.project.id, f.event.grouping.hash.as_str());
            if let Entry::Vacant(vacant) = created.entry(key) {
                vacant.insert(create_issue(&mut *conn, f.project.id, f.event).await?);
            }
            second.push(n);
        }
    }
    if !second.is_empty() {
        let again = run(&mut *conn, &flat, &second, false).await?;
        for row in again {
            let n = usize::try_from(row.n).unwrap_or_default();
            rows[n] = row;
        }
    }
    let mut written: Vec<Written> = batches.iter().map(|_| Written::Stored(Stored::default())).collect();
    let mut reopened = Vec::new();
    for row in &rows {
        let n = usize::try_from(row.n).unwrap_or_default();
        let f = &flat[n];
        if !row.live {
            written[f.batch] = Written::KeyRefused;
            continue;
        }
        let Written::Stored(stored) = &mut written[f.batch] else {
            continue;
        };
        // Every live event has its hash's issue by now; one without must
        // fail the write, never be acknowledged as a duplicate.
        let Some(issue_id) = row.issue_id else {
            return Err(sqlx::Error::Protocol(format!(
                "event {} found no issue for its hash after the second pass",
                f.event.event_id
            )));
        };
        if !row.fresh {
            stored.duplicates += 1;
            continue;
        }
        stored.events += 1;
        stored.issues.push((f.event.event_id.clone(), issue_id));
        stored.note(IssueUpdate {
            issue_id,
            service: f.project.service.clone(),
            title: row.title.clone().unwrap_or_default(),
            new: created.values().any(|created| *created == issue_id),
            events: row.event_count.unwrap_or_default(),
        });
        if matches!(row.state.as_deref(), Some("resolved" | "ignored")) {
            let release = f.event.release.as_deref();
            reopened.extend(reopen::after_event(&mut *conn, issue_id, release, Utc::now()).await?);
        }
    }
    // After every issue row is locked: the audit chain's lock is taken last.
    for entry in reopened {
        append(&mut *conn, audit, entry).await?;
    }
    Ok(written)
}

/// Takes the ingest lock of every hash of `flat`, in one statement, in
/// the order merges take them (`triage`): hash in byte order, then project.
async fn lock_hashes(conn: &mut PgConnection, flat: &[Flat<'_>]) -> sqlx::Result<()> {
    let mut hashes: Vec<(&str, i32)> = flat
        .iter()
        .map(|f| (f.event.grouping.hash.as_str(), f.project.id))
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    let (names, projects): (Vec<&str>, Vec<i32>) = hashes.into_iter().unzip();
    // Two first events of one hash at once would otherwise make two issues.
    sqlx::query(
        "SELECT pg_advisory_xact_lock(p, hashtext(h)) FROM \
         (SELECT p, h FROM unnest($1::int[], $2::text[]) WITH ORDINALITY AS t(p, h, o) ORDER BY o) s",
    )
    .bind(&projects)
    .bind(&names)
    .execute(conn)
    .await?;
    Ok(())
}

/// [`WRITE`] for the events `which` of `flat`; `check_keys` on the first pass.
async fn run(conn: &mut PgConnection, flat: &[Flat<'_>], which: &[usize], check_keys: bool) -> sqlx::Result<Vec<Row>> {
    let pick = |n: &usize| &flat[*n];
    let events = || which.iter().map(pick);
    let n: Vec<i32> = which.iter().map(|n| i32::try_from(*n).unwrap_or(i32::MAX)).collect();
    let keys: Vec<Option<i64>> = events()
        .map(|f| match f.sender {
            Sender::Key { id, .. } => Some(id),
            Sender::Opsdeck => None,
        })
        .collect();
    let text = |get: fn(&PreparedEvent) -> Option<&str>| -> Vec<Option<String>> {
        events().map(|f| get(f.event).map(str::to_string)).collect()
    };
    sqlx::query_as(WRITE)
        .bind(&n)
        .bind(&keys)
        .bind(text(|e| Some(e.event_id.as_str())))
        .bind(events().map(|f| f.project.id).collect::<Vec<i32>>())
        .bind(events().map(|f| f.project.service.clone()).collect::<Vec<String>>())
        .bind(text(|e| Some(e.grouping.hash.as_str())))
        .bind(events().map(|f| f.event.ts).collect::<Vec<DateTime<Utc>>>())
        .bind(text(|e| e.environment.as_deref()))
        .bind(text(|e| e.release.as_deref()))
        .bind(text(|e| Some(e.level.as_str())))
        .bind(text(|e| e.user.as_deref()))
        .bind(text(|e| Some(e.culprit.as_str())))
        .bind(text(|e| Some(e.message.as_str())))
        .bind(events().map(|f| f.event.event.to_string()).collect::<Vec<String>>())
        .bind(Utc::now())
        .bind(check_keys)
        .fetch_all(conn)
        .await
}

/// Creates the issue of `event`'s hash (seen for the first time; its lock
/// is held) and the hash → issue row; returns the issue.
async fn create_issue(conn: &mut PgConnection, project_id: i32, event: &PreparedEvent) -> sqlx::Result<i64> {
    let issue_id: i64 = sqlx::query_scalar(
        "INSERT INTO error_issues (project_id, title, culprit, level, first_seen, last_seen, first_release) \
         VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
    )
    .bind(project_id)
    .bind(&event.title)
    .bind(&event.culprit)
    .bind(&event.level)
    .bind(event.ts)
    .bind(&event.release)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO error_hashes (project_id, hash, issue_id, grouping_version, basis, components) \
         VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
    )
    .bind(project_id)
    .bind(&event.grouping.hash)
    .bind(issue_id)
    .bind(VERSION)
    .bind(event.grouping.basis.as_str())
    .bind(serde_json::json!(event.grouping.components).to_string())
    .execute(conn)
    .await?;
    Ok(issue_id)
}
