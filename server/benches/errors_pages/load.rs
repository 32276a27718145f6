//! Loads the errors pages benchmark's data straight into the tables, with
//! SQL (`INSERT … SELECT generate_series`), consistently with what
//! `app::errors::ssr::store` writes: projects, issues and their hashes,
//! events (in daily partitions, the whole event JSON in `event`), then the
//! per-minute counts, the per-hour counts (summed from the minutes),
//! affected users and each issue's counts and first and last seen, all
//! derived from the events.
//!
//! The event JSON is one of 200 realistic SDK events (`common::errors`),
//! the one of the issue's kind, with its own `event_id`, `timestamp` and
//! `user`. Issues are skewed as real ones are: issue `n` of 10,000 gets a
//! share of the events falling with `n` (`1 + ⌊10000·r²⌋` for uniform `r`:
//! the first has ~1 %, the last a few dozen). Times are uniform over the
//! last 14 days; users one of 20,000.

use std::time::Instant;

use app::errors::ssr::event::prepare;
use chrono::Utc;
use futures::StreamExt;
use serde_json::json;
use sqlx::PgPool;

use crate::common::{Rng, errors};

pub const SERVICES: usize = 5;
pub const DAYS: i64 = 14;
const CHUNK: i64 = 50_000;

async fn run(pool: &PgPool, sql: &str) {
    sqlx::query(sql)
        .execute(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The 200 kinds' events, read by the app's own `prepare` (title, culprit, grouping).
async fn templates(pool: &PgPool) {
    run(
        pool,
        "CREATE TABLE bench_templates (k INTEGER PRIMARY KEY, title TEXT NOT NULL, culprit TEXT NOT NULL, \
         message TEXT NOT NULL, release TEXT, environment TEXT, basis TEXT NOT NULL, components JSONB NOT NULL, \
         event JSONB NOT NULL)",
    )
    .await;
    let mut rng = Rng::new(16);
    let now = Utc::now();
    for k in 0..errors::ISSUES {
        let event = errors::event(&mut rng, k, now, 0);
        let prepared = prepare(event.to_string().as_bytes(), None, now, 30, &[]).expect("a valid event");
        sqlx::query("INSERT INTO bench_templates VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)")
            .bind(i32::try_from(k).unwrap_or(0))
            .bind(&prepared.title)
            .bind(&prepared.culprit)
            .bind(&prepared.message)
            .bind(&prepared.release)
            .bind(&prepared.environment)
            .bind(prepared.grouping.basis.as_str())
            .bind(json!(prepared.grouping.components).to_string())
            .bind(prepared.event.to_string())
            .execute(pool)
            .await
            .expect("template");
    }
}

/// Loads `events` events of `issues` issues; returns how long it took.
pub async fn load(pool: &PgPool, events: i64, issues: i64) -> std::time::Duration {
    let started = Instant::now();
    templates(pool).await;
    for s in 0..SERVICES {
        sqlx::query("INSERT INTO error_projects (service) VALUES ($1)")
            .bind(format!("service-{s}"))
            .execute(pool)
            .await
            .expect("project");
    }
    run(
        pool,
        &format!(
            "SELECT errors_ensure_partitions(ARRAY(SELECT (now() AT TIME ZONE 'UTC')::date - d \
             FROM generate_series(-1, {}) AS d))",
            DAYS + 1
        ),
    )
    .await;
    sqlx::query(
        "INSERT INTO error_issues (id, project_id, title, culprit, level, state, first_seen, last_seen, first_release) \
         SELECT n, (SELECT min(id) FROM error_projects) + n % $2, t.title, t.culprit, \
                CASE n % 10 WHEN 0 THEN 'warning' WHEN 1 THEN 'fatal' ELSE 'error' END, \
                CASE n % 20 WHEN 0 THEN 'resolved' WHEN 1 THEN 'ignored' WHEN 2 THEN 'regressed' ELSE 'unresolved' END, \
                now(), now(), t.release \
         FROM generate_series(1, $1::bigint) AS n JOIN bench_templates t ON t.k = n % 200",
    )
    .bind(issues)
    .bind(i64::try_from(SERVICES).unwrap_or(1))
    .execute(pool)
    .await
    .expect("issues");
    run(
        pool,
        "INSERT INTO error_hashes (project_id, hash, issue_id, grouping_version, basis, components) \
         SELECT i.project_id, md5('issue-' || i.id), i.id, 1, t.basis, t.components \
         FROM error_issues i JOIN bench_templates t ON t.k = i.id % 200",
    )
    .await;
    let chunks: Vec<(i64, i64)> = (0..(events + CHUNK - 1) / CHUNK)
        .map(|c| (c * CHUNK + 1, ((c + 1) * CHUNK).min(events)))
        .collect();
    futures::stream::iter(chunks)
        .map(|(first, last)| async move {
            let mut conn = pool.acquire().await.expect("connection");
            sqlx::query("SELECT setseed($1)")
                .bind(first as f64 / (events + 1) as f64)
                .execute(&mut *conn)
                .await
                .expect("seed");
            sqlx::query(
                "INSERT INTO error_events (ts, id, received_at, event_id, project_id, service, issue_id, hash, \
                 environment, release, level, user_id, culprit, message, event) \
                 SELECT s.ts, s.g, s.ts, md5('event-' || s.g), i.project_id, p.service, i.id, h.hash, \
                        t.environment, t.release, i.level, 'user-' || s.u, i.culprit, t.message, \
                        t.event || jsonb_build_object('event_id', md5('event-' || s.g), \
                          'timestamp', extract(epoch FROM s.ts), \
                          'user', jsonb_build_object('id', 'user-' || s.u, 'email', 'customer' || s.u || '@example.com')) \
                 FROM (SELECT g, 1 + floor($3 * power(random(), 2))::bigint AS issue, \
                              now() - random() * make_interval(days => $4) AS ts, floor(random() * 20000)::int AS u \
                       FROM generate_series($1::bigint, $2::bigint) AS g) s \
                 JOIN error_issues i ON i.id = s.issue \
                 JOIN error_projects p ON p.id = i.project_id \
                 JOIN error_hashes h ON h.issue_id = i.id \
                 JOIN bench_templates t ON t.k = i.id % 200",
            )
            .bind(first)
            .bind(last)
            .bind(issues as f64)
            .bind(i32::try_from(DAYS).unwrap_or(14))
            .execute(&mut *conn)
            .await
            .expect("events");
            if last % (CHUNK * 4) == 0 {
                println!("  {last} events loaded, {:.0} s", started.elapsed().as_secs_f64());
            }
        })
        .buffer_unordered(2)
        .collect::<Vec<()>>()
        .await;
    derive(pool, events, issues).await;
    started.elapsed()
}

/// What the store keeps beside the events, derived from them.
async fn derive(pool: &PgPool, events: i64, issues: i64) {
    run(
        pool,
        "INSERT INTO error_issue_minutes (issue_id, minute, events) \
         SELECT issue_id, date_trunc('minute', ts), count(*) FROM error_events GROUP BY 1, 2",
    )
    .await;
    run(
        pool,
        "INSERT INTO error_issue_hours (issue_id, hour, events) \
         SELECT issue_id, date_trunc('hour', minute, 'UTC'), sum(events) FROM error_issue_minutes GROUP BY 1, 2",
    )
    .await;
    run(
        pool,
        "INSERT INTO error_issue_users (issue_id, user_key) SELECT DISTINCT issue_id, user_id FROM error_events",
    )
    .await;
    run(
        pool,
        "UPDATE error_issues i SET event_count = a.events, first_seen = a.first_seen, last_seen = a.last_seen \
         FROM (SELECT issue_id, count(*) AS events, min(ts) AS first_seen, max(ts) AS last_seen \
               FROM error_events GROUP BY issue_id) a WHERE i.id = a.issue_id",
    )
    .await;
    run(
        pool,
        "UPDATE error_issues i SET user_count = u.users \
         FROM (SELECT issue_id, count(*) AS users FROM error_issue_users GROUP BY issue_id) u \
         WHERE i.id = u.issue_id",
    )
    .await;
    run(pool, &format!("SELECT setval('error_issues_id_seq', {issues})")).await;
    run(pool, &format!("SELECT setval('error_events_id_seq', {events})")).await;
    run(pool, "DROP TABLE bench_templates").await;
    for table in [
        "error_events",
        "error_issues",
        "error_hashes",
        "error_issue_minutes",
        "error_issue_hours",
        "error_issue_users",
    ] {
        run(pool, &format!("VACUUM (ANALYZE) {table}")).await;
    }
}
