//! The Logs area's reading side: search semantics (words, phrases,
//! exclusions, fields, levels, attributes, traces), keyset paging, the
//! histogram, context, trace, permissions per role, bad queries, the page,
//! and the live tail (`GET /api/v1/logs/tail`) receiving and filtering lines
//! added to the Redis stream during the test.
//!
//! Lines are inserted with SQL (the ingest doors are tested elsewhere).

use std::time::Duration;

use app::auth::permissions::Role;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::audit::post_json;
use crate::helpers::{Browser, TestApp};

pub const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

/// One line to insert: (seconds ago, service, host, severity, body, attributes, trace).
type Seed<'a> = (i64, &'a str, &'a str, i16, &'a str, Value, Option<&'a str>);

/// Inserts the lines (times relative to now) and returns their ids in order.
pub async fn insert_lines(app: &TestApp, lines: &[Seed<'_>]) -> Vec<i64> {
    sqlx::query("SELECT logs_ensure_partitions(ARRAY[current_date - 1, current_date, current_date + 1])")
        .execute(&app.db)
        .await
        .expect("partitions");
    let now = Utc::now();
    let mut ids = Vec::new();
    for (ago, service, host, severity, body, attributes, trace) in lines {
        let ts = now - chrono::Duration::seconds(*ago);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO log_lines (ts, observed_ts, service, host, severity, severity_text, body, attributes, trace_id) \
             VALUES ($1, $1, $2, $3, $4, '', $5, $6, $7) RETURNING id",
        )
        .bind(ts)
        .bind(service)
        .bind(host)
        .bind(severity)
        .bind(body)
        .bind(attributes)
        .bind(trace)
        .fetch_one(&app.db)
        .await
        .expect("insert line");
        ids.push(id);
    }
    ids
}

fn seed() -> Vec<Seed<'static>> {
    vec![
        (
            50,
            "checkout",
            "web-1",
            9,
            "payment accepted for order 17",
            json!({"http.status_code": 200, "user": "ada"}),
            Some(TRACE),
        ),
        (
            40,
            "checkout",
            "web-1",
            17,
            "Payment TIMEOUT after 30s: connection reset by peer",
            json!({"http.status_code": 503}),
            Some(TRACE),
        ),
        (
            30,
            "checkout",
            "web-2",
            13,
            "slow payment provider (2.1 s)",
            json!({}),
            None,
        ),
        (
            20,
            "search",
            "web-1",
            5,
            "query took 12 ms",
            json!({"user": "ada"}),
            None,
        ),
        (
            10,
            "search",
            "web-3",
            21,
            "index corrupted: connection reset",
            json!({}),
            None,
        ),
        (5, "opsdeck", "", 0, "GET /ready 200 (healthcheck)", json!({}), None),
    ]
}

/// A test app holding [`seed`]'s lines, and a browser signed in as `role`.
async fn seeded(role: Role) -> (TestApp, Browser) {
    let app = TestApp::spawn().await;
    insert_lines(&app, &seed()).await;
    let (browser, _) = app.signed_in(role).await;
    (app, browser)
}

async fn search(browser: &Browser, q: &str) -> (u16, Value) {
    post_json(
        browser,
        "/api/logs/search",
        &[("filter[q]", q), ("filter[range]", "1h")],
    )
    .await
}

/// The bodies a query finds, newest first.
async fn bodies(browser: &Browser, q: &str) -> Vec<String> {
    let (status, body) = search(browser, q).await;
    assert_eq!(status, 200, "{q}: {body}");
    body["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|line| line["body"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn search_semantics() {
    let (_app, support) = seeded(Role::Support).await;
    assert_eq!(bodies(&support, "").await.len(), 6, "a blank query matches every line");
    assert_eq!(
        bodies(&support, "payment").await,
        vec![
            "slow payment provider (2.1 s)",
            "Payment TIMEOUT after 30s: connection reset by peer",
            "payment accepted for order 17"
        ],
        "newest first, any case"
    );
    assert_eq!(
        bodies(&support, "\"connection reset\" -index").await,
        vec!["Payment TIMEOUT after 30s: connection reset by peer"]
    );
    assert_eq!(
        bodies(&support, "payment timeout").await.len(),
        1,
        "every word is required"
    );
    assert_eq!(
        bodies(&support, "\"reset payment\"").await.len(),
        0,
        "a phrase is kept whole"
    );
    assert_eq!(bodies(&support, "service:search").await.len(), 2);
    assert_eq!(bodies(&support, "service:Search").await.len(), 0, "fields are exact");
    assert_eq!(bodies(&support, "host:web-1 -service:search").await.len(), 2);
    assert_eq!(
        bodies(&support, "level>=error").await,
        vec![
            "index corrupted: connection reset",
            "Payment TIMEOUT after 30s: connection reset by peer"
        ]
    );
    assert_eq!(
        bodies(&support, "level:warn").await,
        vec!["slow payment provider (2.1 s)"]
    );
    assert_eq!(bodies(&support, "level<info").await, vec!["query took 12 ms"]);
    assert_eq!(
        bodies(&support, "level:info").await.len(),
        2,
        "severity 0 (unspecified) reads as info"
    );
    assert_eq!(bodies(&support, "attr.user:ada").await.len(), 2);
    assert_eq!(bodies(&support, "attr.http.status_code:503").await.len(), 1);
    assert_eq!(
        bodies(&support, "-attr.user:ada").await.len(),
        4,
        "a missing attribute is not equal"
    );
    assert_eq!(
        bodies(&support, &format!("trace:{}", TRACE.to_uppercase())).await.len(),
        2
    );
    assert_eq!(bodies(&support, &format!("-trace:{TRACE}")).await.len(), 4);
    assert_eq!(bodies(&support, "100%").await.len(), 0, "% is literal, not a wildcard");
    assert_eq!(bodies(&support, "2.1_s").await.len(), 0, "_ is literal");
    // Highlights and the normalised query come back with the lines.
    let (_, body) = search(&support, "Payment  LEVEL>=Warning -x").await;
    assert_eq!(body["query"], "Payment level>=warn -x");
    assert_eq!(body["highlights"], json!(["Payment"]));
}

#[tokio::test]
async fn older_pages_continue_where_the_last_one_stopped() {
    let app = TestApp::spawn().await;
    let many: Vec<Seed<'static>> = (0..230)
        .map(|i| (i64::from(i) % 60 + 1, "bulk", "h", 9, "bulk line", json!({}), None))
        .collect();
    insert_lines(&app, &many).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let mut seen: Vec<(String, i64)> = Vec::new();
    let mut before: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut form = vec![("filter[q]", "service:bulk"), ("filter[range]", "1h")];
        if let Some(cursor) = &before {
            form.push(("filter[before]", cursor.as_str()));
        }
        let (status, body) = post_json(&admin, "/api/logs/search", &form).await;
        assert_eq!(status, 200, "{body}");
        pages += 1;
        for line in body["lines"].as_array().expect("lines") {
            seen.push((
                line["ts"].as_str().unwrap_or_default().to_string(),
                line["id"].as_i64().unwrap_or_default(),
            ));
        }
        assert_eq!(body["paged"], json!(before.is_some()));
        match body["older"].as_object() {
            Some(cursor) => {
                let ts: DateTime<Utc> = cursor["ts"].as_str().and_then(|t| t.parse().ok()).expect("cursor time");
                before = Some(format!("{}-{}", ts.timestamp_micros(), cursor["id"]));
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 230, "every line once");
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(sorted.len(), 230, "no line twice");
    let ordered: Vec<(DateTime<Utc>, i64)> = seen.iter().map(|(ts, id)| (ts.parse().expect("time"), *id)).collect();
    assert!(ordered.windows(2).all(|w| w[0] > w[1]), "newest first across pages");
}

#[tokio::test]
async fn the_histogram_counts_every_match_per_level_and_bucket() {
    let (_app, operator) = seeded(Role::Operator).await;
    let (status, body) = search(&operator, "").await;
    assert_eq!(status, 200);
    let buckets = body["buckets"].as_array().expect("buckets");
    assert_eq!(body["step_secs"], 60, "an hour in minutes");
    assert!((60..=61).contains(&buckets.len()), "{}", buckets.len());
    let totals = |index: usize| -> i64 { buckets.iter().map(|b| b["counts"][index].as_i64().unwrap_or(0)).sum() };
    // Level::ALL order: trace, debug, info, warn, error, fatal.
    assert_eq!(
        (totals(0), totals(1), totals(2), totals(3), totals(4), totals(5)),
        (0, 1, 2, 1, 1, 1)
    );
    let (_, body) = search(&operator, "service:checkout").await;
    assert_eq!(bucket_total(&body), 3, "the histogram counts only matches");
}

/// A query of fields only is drawn from the per-minute counts
/// (`log_minutes`), a query with a word from the lines; both must give the
/// same buckets for the same lines.
#[tokio::test]
async fn per_minute_counts_draw_the_same_histogram_as_counting_the_lines() {
    let app = TestApp::spawn().await;
    let lines: Vec<Seed<'static>> = (0..240_i64)
        .map(|i| {
            let service = if i % 4 == 0 { "api" } else { "web" };
            let severity = [9_i16, 13, 17][usize::try_from(i % 3).unwrap_or(0)];
            (i * 13 + 5, service, "h1", severity, "tick", json!({}), None)
        })
        .collect();
    insert_lines(&app, &lines).await;
    let counted: i64 = sqlx::query_scalar("SELECT sum(lines)::bigint FROM log_minutes WHERE service IN ('api', 'web')")
        .fetch_one(&app.db)
        .await
        .expect("minutes");
    assert_eq!(counted, 240, "every inserted line is counted once");
    let (support, _) = app.signed_in(Role::Support).await;
    for (fields, with_word) in [
        ("", "tick"),
        ("service:api", "tick service:api"),
        ("level>=warn -service:api", "tick level>=warn -service:api"),
    ] {
        let (status, by_minute) = search(&support, fields).await;
        assert_eq!(status, 200, "{by_minute}");
        let (_, by_line) = search(&support, with_word).await;
        assert_eq!(by_minute["buckets"], by_line["buckets"], "{fields:?}");
        assert!(bucket_total(&by_minute) > 0, "{fields:?} matches lines");
    }
}

/// Counting a word's matches is bounded (`OPSDECK_LOGS_COUNT_TIMEOUT_MS`):
/// past it the newest lines are still shown, without histogram or total.
#[tokio::test]
async fn a_search_too_large_to_count_in_time_still_shows_its_newest_lines() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_LOGS_COUNT_TIMEOUT_MS", "1")
        .spawn()
        .await;
    insert_lines(&app, &[]).await;
    sqlx::query(
        "INSERT INTO log_lines (ts, observed_ts, service, host, severity, severity_text, body, attributes) \
         SELECT now() - g * INTERVAL '100 milliseconds', now(), 'bulk', 'h', 9, '', 'tick ' || g, '{}' \
         FROM generate_series(1, 30000) AS g",
    )
    .execute(&app.db)
    .await
    .expect("bulk lines");
    let (support, _) = app.signed_in(Role::Support).await;
    let (status, body) = search(&support, "tick").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["counted"], false, "30,000 matches are not counted in 1 ms");
    assert_eq!(body["buckets"].as_array().map(Vec::len), Some(0));
    assert_eq!(body["lines"][0]["body"], "tick 1", "the newest line comes first");
    let (status, html) = page(&support, "/logs?q=tick&range=1h").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"histogram-skipped\""), "the page says why");
    assert!(html.contains("Too many lines match to count them in time"));
    assert_eq!(html.matches("class=\"log-body\"").count(), 100, "a full page of lines");
}

#[tokio::test]
async fn context_shows_the_lines_around_a_line_from_its_service_and_host() {
    let app = TestApp::spawn().await;
    let mut lines: Vec<Seed<'static>> = (0..50)
        .map(|i| {
            (
                300 - i64::from(i),
                "api",
                "web-1",
                9,
                "ctx line",
                json!({ "n": i }),
                None,
            )
        })
        .collect();
    // Same time span, other host and other service: never in the context.
    lines.push((200, "api", "web-2", 9, "other host", json!({}), None));
    lines.push((200, "db", "web-1", 9, "other service", json!({}), None));
    let ids = insert_lines(&app, &lines).await;
    let anchor = ids[25];
    let ts: DateTime<Utc> = sqlx::query_scalar("SELECT ts FROM log_lines WHERE id = $1")
        .bind(anchor)
        .fetch_one(&app.db)
        .await
        .expect("anchor");
    let (support, _) = app.signed_in(Role::Support).await;
    let micros = ts.timestamp_micros().to_string();
    let (status, body) = post_json(
        &support,
        "/api/logs/context",
        &[("id", &anchor.to_string()), ("ts", &micros)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let got = line_ids(&body);
    assert_eq!(got, ids[5..46].to_vec(), "20 before, the line, 20 after, oldest first");
    assert_eq!(body["anchor"], anchor);
    let (status, _) = post_json(&support, "/api/logs/context", &[("id", "999999"), ("ts", &micros)]).await;
    assert_eq!(status, 404);
    let (status, body) = post_json(&support, "/api/logs/context", &[("id", "x"), ("ts", &micros)]).await;
    assert_eq!(status, 422, "{body}");
    // The page shows the same lines with the asked one marked.
    let (status, html) = page(&support, &format!("/logs/context?id={anchor}&ts={micros}")).await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("class=\"log-body\"").count(), 41, "41 lines shown");
    let at = html.find("log-anchor").unwrap_or(0);
    let near = &html[at.saturating_sub(60)..(at + 200).min(html.len())];
    assert!(
        near.contains(&format!("data-line-id=\"{anchor}\"")) && near.contains("aria-current=\"true\""),
        "the asked line is marked: {near}"
    );
}

#[tokio::test]
async fn a_trace_gathers_its_lines_from_every_service() {
    let app = TestApp::spawn().await;
    let ids = insert_lines(
        &app,
        &[
            (30, "gateway", "a", 9, "in", json!({}), Some(TRACE)),
            (20, "checkout", "b", 17, "boom", json!({}), Some(TRACE)),
            (10, "checkout", "b", 9, "unrelated", json!({}), None),
        ],
    )
    .await;
    let (support, _) = app.signed_in(Role::Support).await;
    let (status, body) = post_json(&support, "/api/logs/trace", &[("trace_id", &TRACE.to_uppercase())]).await;
    assert_eq!(status, 200, "{body}");
    let got = line_ids(&body);
    assert_eq!(got, ids[..2].to_vec());
    let (status, _) = post_json(&support, "/api/logs/trace", &[("trace_id", "nothex")]).await;
    assert_eq!(status, 422);
    let (status, html) = page(&support, &format!("/logs/trace?id={TRACE}")).await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("class=\"log-body\"").count(), 2);
}

#[tokio::test]
async fn admins_operators_and_support_read_logs_managers_and_viewers_do_not() {
    let app = TestApp::spawn().await;
    insert_lines(&app, &seed()).await;
    for (role, allowed) in [
        (Role::Admin, true),
        (Role::Operator, true),
        (Role::Support, true),
        (Role::Manager, false),
        (Role::Viewer, false),
    ] {
        let (browser, _) = app.signed_in(role).await;
        let (status, _) = search(&browser, "payment").await;
        assert_eq!(status, if allowed { 200 } else { 403 }, "{role:?} search");
        let (status, _) = page(&browser, "/logs").await;
        assert_eq!(status, if allowed { 200 } else { 403 }, "{role:?} page");
        let response = browser.get("/api/v1/logs/tail").await;
        assert_eq!(
            response.status().as_u16(),
            if allowed { 200 } else { 403 },
            "{role:?} tail"
        );
        let (_, home) = page(&browser, "/").await;
        assert_eq!(home.contains("href=\"/logs\""), allowed, "{role:?} navigation");
    }
    assert_eq!(app.get("/api/v1/logs/tail").await.status().as_u16(), 401);
}

#[tokio::test]
async fn a_bad_query_is_refused_with_its_position_never_a_500() {
    let app = TestApp::spawn().await;
    let (support, _) = app.signed_in(Role::Support).await;
    for (q, expected) in [
        ("timeout and \"unbalanced", "unbalanced quote at 12"),
        ("x error: boom", "at 2"),
        ("level>=loud", "unknown level"),
        ("trace:xyz", "a trace id is 32 hexadecimal digits at 6"),
    ] {
        let (status, body) = search(&support, q).await;
        assert_eq!(status, 422, "{q}: {body}");
        let text = body.to_string();
        assert!(text.contains(expected), "{q}: {text}");
    }
    let many = vec!["w"; 10_000].join(" ");
    let (status, body) = search(&support, &many).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = post_json(&support, "/api/logs/search", &[("filter[range]", "2y")]).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = post_json(&support, "/api/logs/search", &[("filter[before]", "yesterday")]).await;
    assert_eq!(status, 422, "{body}");
    // The page says what is wrong and where, and echoes the query safely.
    let q = "</textarea><script>alert(1)</script> \"";
    let (status, html) = page(&support, &format!("/logs?q={}", urlencode(q))).await;
    assert_eq!(status, 200);
    assert!(html.contains("unbalanced quote at 37"), "the position is shown");
    assert!(!html.contains("<script>alert(1)"), "the query is escaped when echoed");
    let response = support
        .get(&format!("/api/v1/logs/tail?q={}", urlencode("\"open")))
        .await;
    assert_eq!(response.status().as_u16(), 422);
}

#[tokio::test]
async fn the_page_lists_matches_with_highlights_and_links_and_works_without_javascript() {
    let (_app, support) = seeded(Role::Support).await;
    let (status, html) = page(&support, "/logs?q=timeout&range=1h").await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Logs</h1>"));
    assert!(html.contains("<mark>TIMEOUT</mark>"), "the matched word is marked");
    assert_eq!(html.matches("class=\"log-body\"").count(), 1);
    assert!(
        html.contains(&format!("href=\"/logs/trace?id={TRACE}\"")),
        "a trace link"
    );
    assert!(html.contains("href=\"/logs/context?id="), "a context link");
    assert!(
        html.contains("<svg class=\"chart-svg bars-svg\""),
        "the histogram is drawn without JavaScript"
    );
    assert!(
        html.contains("<a href=\"/logs?q=timeout&amp;range=custom&amp;from="),
        "a bar zooms in"
    );
    let (_, empty) = page(&support, "/logs?q=nothing-matches-this").await;
    assert!(empty.contains("No lines match"));
}

#[tokio::test]
async fn the_health_page_links_to_opsdecks_own_logs() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (_, html) = page(&admin, "/health-checks").await;
    assert!(
        html.contains("href=\"/logs?q=service%3Aopsdeck"),
        "{}",
        &html[..html.len().min(300)]
    );
}

pub fn urlencode(text: &str) -> String {
    app::url::percent_encode(text)
}

/// Every count of every bucket of a search's histogram, summed.
fn bucket_total(body: &Value) -> i64 {
    body["buckets"]
        .as_array()
        .expect("buckets")
        .iter()
        .flat_map(|b| b["counts"].as_array().cloned().unwrap_or_default())
        .map(|c| c.as_i64().unwrap_or(0))
        .sum()
}

/// The ids of an answer's `lines`, in order.
fn line_ids(body: &Value) -> Vec<i64> {
    body["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["id"].as_i64().unwrap_or_default())
        .collect()
}

async fn page(browser: &Browser, path: &str) -> (u16, String) {
    let response = browser.get(path).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// Adds a line to the live stream as the logs store does after a commit.
pub async fn publish(app: &TestApp, line: &Value) -> String {
    let mut redis = app.redis().await;
    redis::cmd("XADD")
        .arg(format!("{}{}", app.redis_prefix, app::logs::LIVE_STREAM))
        .arg("*")
        .arg("line")
        .arg(line.to_string())
        .query_async(&mut redis)
        .await
        .expect("XADD")
}

fn live_line(id: i64, service: &str, severity: i16, body: &str) -> Value {
    json!({
        "id": id, "ts": Utc::now(), "service": service, "host": "web-1", "severity": severity,
        "severity_text": "", "body": body, "attributes": {}, "trace_id": null, "span_id": null,
    })
}

/// Reads SSE events named `line` until one arrives or `within` passes.
async fn next_line(
    response: &mut reqwest::Response,
    buffered: &mut String,
    within: Duration,
) -> Option<(String, Value)> {
    tokio::time::timeout(within, async {
        loop {
            while let Some(end) = buffered.find("\n\n") {
                let frame: String = buffered.drain(..end + 2).collect();
                let field = |name: &str| {
                    frame
                        .lines()
                        .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_string))
                };
                if field("event").as_deref() == Some("line") {
                    let data: Value = serde_json::from_str(&field("data").unwrap_or_default()).expect("JSON line");
                    return Some((field("id").unwrap_or_default(), data));
                }
            }
            let chunk = response.chunk().await.ok()??;
            buffered.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .ok()
    .flatten()
}

#[tokio::test]
async fn the_tail_sends_only_matching_lines_as_they_arrive_and_resumes() {
    let app = TestApp::spawn().await;
    let (support, _) = app.signed_in(Role::Support).await;
    let q = urlencode("service:checkout level>=error -ignored");
    let mut response = support.get(&format!("/api/v1/logs/tail?q={q}")).await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/event-stream")
    );
    publish(&app, &live_line(1, "search", 17, "other service")).await;
    publish(&app, &live_line(2, "checkout", 9, "too quiet")).await;
    publish(&app, &live_line(3, "checkout", 17, "ignored on purpose")).await;
    let wanted_id = publish(&app, &live_line(4, "checkout", 17, "card declined")).await;
    let mut buffered = String::new();
    let (id, line) = next_line(&mut response, &mut buffered, Duration::from_secs(10))
        .await
        .expect("the matching line arrives");
    assert_eq!(line["id"], 4, "only the matching line: {line}");
    assert_eq!(id, wanted_id, "the stream entry id is the event id");
    drop(response);
    // Missed while away, then replayed after Last-Event-ID.
    publish(&app, &live_line(5, "checkout", 21, "fatal while away")).await;
    let mut resumed = support
        .client
        .get(format!("{}/api/v1/logs/tail?q={q}", support.address))
        .header("Last-Event-ID", &id)
        .send()
        .await
        .expect("request sent");
    let mut buffered = String::new();
    let (_, line) = next_line(&mut resumed, &mut buffered, Duration::from_secs(10))
        .await
        .expect("the missed line is replayed");
    assert_eq!(line["id"], 5);
}
