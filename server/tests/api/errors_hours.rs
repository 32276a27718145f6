//! The hourly counts (`error_issue_hours`) beside the per-minute ones: kept
//! by ingest, merge and unmerge as the sum of their minutes, and read for
//! whole hours by the Errors list, its sparklines, the Issue page's
//! occurrences and the error alert rules — which count exactly the stored
//! events, across hour boundaries, before and after a merge and an unmerge.

use std::collections::BTreeMap;

use app::alerts::ssr::evaluate::observe;
use app::alerts::ssr::series::{load, value_at};
use app::alerts::state::Observation;
use app::alerts::{Aggregation, Watched};
use app::auth::permissions::Role;
use app::errors::ssr::partitions::{PARTITIONS, TABLES, drop_expired};
use chrono::{DateTime, Duration, DurationRound, Timelike, Utc};
use serde_json::Value;

use crate::errors_ingest::{exception_event, send_events};
use crate::helpers::{Browser, TestApp, fresh_pool};

/// Rows of any tier that disagree with the stored events, per issue and hour.
async fn disagreeing_hours(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "WITH e AS (SELECT issue_id, date_trunc('hour', ts, 'UTC') AS hour, count(*)::bigint AS n \
                    FROM error_events GROUP BY 1, 2), \
              m AS (SELECT issue_id, date_trunc('hour', minute, 'UTC') AS hour, sum(events)::bigint AS n \
                    FROM error_issue_minutes GROUP BY 1, 2) \
         SELECT count(*) FROM e FULL JOIN m USING (issue_id, hour) FULL JOIN error_issue_hours h USING (issue_id, hour) \
         WHERE e.n IS DISTINCT FROM m.n OR e.n IS DISTINCT FROM h.events",
    )
    .fetch_one(&app.db)
    .await
    .expect("tiers")
}

/// `{issue: (events in range, last 24 h per hour)}` as the Errors page's server function answers.
async fn listed(browser: &Browser, from: DateTime<Utc>, to: DateTime<Utc>) -> BTreeMap<i64, (i64, Vec<i64>)> {
    let format = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let response = browser
        .post_fn(
            "/api/errors/issues",
            &[
                ("filter[range]", "custom"),
                ("filter[from]", &format(from)),
                ("filter[to]", &format(to)),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("listing");
    let rows = body["rows"].as_array().expect("rows");
    rows.iter()
        .map(|row| {
            let hours = row["last_day"].as_array().expect("hours");
            let hours = hours.iter().map(|n| n.as_i64().expect("count")).collect();
            (
                row["id"].as_i64().expect("id"),
                (row["events"].as_i64().expect("events"), hours),
            )
        })
        .collect()
}

/// The issue's occurrences over `range` (non-empty buckets, by start in ms) and the step.
async fn occurrences(browser: &Browser, issue: i64, range: &str) -> (BTreeMap<i64, i64>, i64) {
    let response = browser
        .post_fn(
            "/api/errors/issue-events",
            &[("issue_id", &issue.to_string()), ("range", range)],
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("events");
    let buckets = body["occurrences"].as_array().expect("occurrences");
    let buckets = buckets
        .iter()
        .map(|b| (b[0].as_i64().expect("t"), b[1].as_i64().expect("n")))
        .filter(|(_, n)| *n > 0)
        .collect();
    (buckets, body["step_ms"].as_i64().expect("step"))
}

/// Events of `times` bucketed by `step` from the epoch (the chart aligns down to its step).
fn bucketed(times: &[DateTime<Utc>], step_ms: i64) -> BTreeMap<i64, i64> {
    let mut buckets = BTreeMap::new();
    for t in times {
        let ms = t.timestamp_millis();
        *buckets.entry(ms - ms.rem_euclid(step_ms)).or_default() += 1;
    }
    buckets
}

fn error_events_rule(window: Duration) -> Watched {
    Watched {
        service: "shop".into(),
        endpoint: None,
        metric: None,
        matchers: BTreeMap::new(),
        log_query: None,
        error_issue: None,
        aggregation: Aggregation::ErrorEvents,
        window_secs: window.num_seconds(),
    }
}

/// What an error-events rule sees at `at` over `window`: live (whole hours
/// read from the hourly counts) and as a backtest reads it (minutes only).
async fn rule_sees(app: &TestApp, window: Duration, at: DateTime<Utc>) -> (Observation, Observation) {
    let rule = error_events_rule(window);
    let mut conn = app.db.acquire().await.expect("conn");
    let live = observe(&mut conn, &rule, at).await;
    let minutes = load(&mut conn, &rule, at - window, at).await.expect("minutes");
    (live, value_at(&rule, &minutes, at))
}

#[tokio::test]
async fn hourly_counts_give_the_same_answers_across_hours_and_after_merge_and_unmerge() {
    // Not in the last seconds of an hour: the server's "last 24 hours" must be the test's.
    while Utc::now().minute() == 59 && Utc::now().second() >= 45 {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    let app = TestApp::spawn().await;
    let base = Utc::now().duration_trunc(Duration::hours(1)).expect("hour") - Duration::hours(4);
    let at = |seconds: i64| base + Duration::seconds(seconds);
    // Either side of hour boundaries, and whole hours in between.
    let a_times: Vec<_> = [-30, 10, 3599, 3600, 5400, 7201, 14399].map(at).to_vec();
    let b_times: Vec<_> = [-7195, 1800, 10801].map(at).to_vec();
    for (function, times) in [("add_item", &a_times), ("remove_item", &b_times)] {
        let events: Vec<Value> = times
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let mut event = exception_event(function, 3, "boom", &format!("u{i}"));
                event["timestamp"] = Value::from(t.timestamp_millis() as f64 / 1000.0);
                event
            })
            .collect();
        send_events(&app, "shop", &events).await;
    }
    let issue_of = |function: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT issue_id FROM error_hashes WHERE components->>0 LIKE '%' || $1")
                .bind(function)
                .fetch_one(&db)
                .await
                .expect("issue")
        }
    };
    let (a, b) = (issue_of("add_item").await, issue_of("remove_item").await);
    assert_eq!(
        disagreeing_hours(&app).await,
        0,
        "stored: hours are their minutes' sums"
    );

    let (support, _) = app.signed_in(Role::Support).await;
    // From 10 minutes into the hour before `base` to 30½ minutes into `base + 3h`:
    // minutes at both edges, three whole hours between.
    let (from, to) = (at(-3000), at(3 * 3600 + 1830));
    let in_range = |times: &[DateTime<Utc>]| times.iter().filter(|t| **t >= from && **t < to).count() as i64;
    let last_day = |times: &[DateTime<Utc>]| {
        let start = base + Duration::hours(4) - Duration::hours(23);
        let mut hours = vec![0; 24];
        for t in times {
            hours[((*t - start).num_seconds() / 3600) as usize] += 1;
        }
        hours
    };
    let listing = listed(&support, from, to).await;
    assert_eq!(listing[&a], (in_range(&a_times), last_day(&a_times)));
    assert_eq!(listing[&b], (in_range(&b_times), last_day(&b_times)));
    assert_eq!(
        (listing[&a].0, listing[&b].0),
        (6, 2),
        "the range holds what the test meant"
    );

    for (range, step_minutes) in [("7d", 60), ("24h", 5)] {
        let (buckets, step_ms) = occurrences(&support, a, range).await;
        assert_eq!(step_ms, step_minutes * 60_000, "{range}: the step this test means");
        assert_eq!(buckets, bucketed(&a_times, step_ms), "{range} occurrences of A");
    }

    // A rule over 3 h 7 min (hours inside, minutes at the edges) at a moment with seconds.
    let now = Utc::now();
    let window = Duration::minutes(187);
    let (live, slid) = rule_sees(&app, window, now).await;
    let all: Vec<_> = a_times.iter().chain(&b_times).collect();
    let want = all.iter().filter(|t| ***t >= now - window && ***t < now).count() as f64;
    assert_eq!(live, Observation::Value(want), "live evaluation");
    assert_eq!(slid, Observation::Value(want), "backtest's minutes");

    // Merged: B's counts, hours too, are A's.
    let response = support
        .post_fn(
            "/api/errors/merge",
            &[("into", &a.to_string()), ("issues", &b.to_string())],
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        disagreeing_hours(&app).await,
        0,
        "merged: hours are their minutes' sums"
    );
    let listing = listed(&support, from, to).await;
    let both: Vec<_> = a_times.iter().chain(&b_times).copied().collect();
    assert_eq!(listing[&a], (in_range(&both), last_day(&both)));
    assert!(!listing.contains_key(&b), "the merged issue has no events of its own");
    let (buckets, step_ms) = occurrences(&support, a, "7d").await;
    assert_eq!(buckets, bucketed(&both, step_ms), "occurrences after the merge");

    // Unmerged: B's hash takes its events and counts back.
    let hash: String = sqlx::query_scalar("SELECT hash FROM error_hashes WHERE components->>0 LIKE '%remove_item'")
        .fetch_one(&app.db)
        .await
        .expect("hash");
    let response = support
        .post_fn("/api/errors/unmerge", &[("issue_id", &a.to_string()), ("hash", &hash)])
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        disagreeing_hours(&app).await,
        0,
        "unmerged: hours are their minutes' sums"
    );
    let listing = listed(&support, from, to).await;
    assert_eq!(listing[&a], (in_range(&a_times), last_day(&a_times)));
    assert_eq!(listing[&b], (in_range(&b_times), last_day(&b_times)));
    let (buckets, step_ms) = occurrences(&support, b, "7d").await;
    assert_eq!(buckets, bucketed(&b_times, step_ms), "occurrences after the unmerge");
    let (live, slid) = rule_sees(&app, window, now).await;
    assert_eq!((live, slid), (Observation::Value(want), Observation::Value(want)));
}

#[tokio::test]
async fn hourly_counts_get_daily_partitions_and_leave_with_the_minutes() {
    // No app: its retention leader would drop the old day before this test looks.
    let (_database, db) = fresh_pool().await;
    let mut conn = db.acquire().await.expect("conn");
    let today = Utc::now().date_naive();
    let old = today - chrono::Days::new(40);
    PARTITIONS.ensure_days(&mut conn, &[old]).await.expect("partitions");
    let day = old.format("%Y%m%d");
    let exists = |name: String| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, bool>("SELECT to_regclass($1) IS NOT NULL")
                .bind(name)
                .fetch_one(&db)
                .await
                .expect("catalog")
        }
    };
    for table in TABLES {
        assert!(exists(format!("{table}_p{day}")).await, "{table} has the old day");
    }
    assert!(TABLES.contains(&"error_issue_hours"));
    let dropped = drop_expired(&mut conn, 30, today).await.expect("retention");
    for table in TABLES {
        assert!(
            dropped.contains(&format!("{table}_p{day}")),
            "{table}'s old day dropped: {dropped:?}"
        );
        let kept = format!("{table}_p{}", today.format("%Y%m%d"));
        assert!(exists(kept.clone()).await, "{kept} kept");
    }
}
