//! `GET /api/v1/live`: an ingested record reaches a signed-in browser's
//! stream, on this instance or another; reconnecting resumes without a gap;
//! the stream ends for a disabled user and when the server stops.

use std::time::Duration;

use app::auth::permissions::Role;
use app::metrics::LivePoint;
use serde_json::json;

use crate::cut_proxy::CutProxy;
use crate::helpers::{Browser, TestApp, always_firing_rule};
use crate::ingest::{batch, insert_key};

/// One server-sent event.
#[derive(Debug)]
struct SseEvent {
    event: String,
    id: String,
    data: String,
}

/// An open stream and what has arrived but not been read yet.
struct LiveStream {
    response: reqwest::Response,
    buffered: String,
}

impl LiveStream {
    async fn open(browser: &Browser, query: &str, last_event_id: Option<&str>) -> LiveStream {
        let mut request = browser.client.get(format!("{}/api/v1/live{query}", browser.address));
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.expect("request sent");
        assert_eq!(response.status().as_u16(), 200);
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(content_type.starts_with("text/event-stream"), "{content_type}");
        LiveStream {
            response,
            buffered: String::new(),
        }
    }

    /// The next `point` event within `within`, or `None` when the stream
    /// ended or nothing came.
    async fn next_point(&mut self, within: Duration) -> Option<(SseEvent, LivePoint)> {
        let event = self.next_event("point", within).await?;
        let point = serde_json::from_str(&event.data).expect("a LivePoint");
        Some((event, point))
    }

    /// The next event named `name` within `within`.
    async fn next_event(&mut self, name: &str, within: Duration) -> Option<SseEvent> {
        tokio::time::timeout(within, async {
            loop {
                while let Some(end) = self.buffered.find("\n\n") {
                    let frame: String = self.buffered.drain(..end + 2).collect();
                    let mut event = SseEvent {
                        event: String::new(),
                        id: String::new(),
                        data: String::new(),
                    };
                    for line in frame.lines() {
                        if let Some((field, value)) = line.split_once(':') {
                            let value = value.strip_prefix(' ').unwrap_or(value).to_string();
                            match field {
                                "event" => event.event = value,
                                "id" => event.id = value,
                                "data" => event.data = value,
                                _ => {}
                            }
                        }
                    }
                    if event.event == name {
                        return Some(event);
                    }
                }
                let chunk = self.response.chunk().await.ok()??;
                self.buffered.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await
        .ok()
        .flatten()
    }

    /// Whether the server ends the stream within `within` (heartbeats aside).
    async fn ends_within(&mut self, within: Duration) -> bool {
        tokio::time::timeout(within, async {
            loop {
                match self.response.chunk().await {
                    Ok(Some(_)) => continue,
                    Ok(None) | Err(_) => return,
                }
            }
        })
        .await
        .is_ok()
    }
}

async fn ingest(app: &TestApp, key: &str, body: &serde_json::Value) {
    let response = app
        .client
        .post(format!("{}/api/v1/ingest", app.address))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status().as_u16(), 202);
}

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn an_ingested_record_reaches_a_viewers_stream() {
    let app = TestApp::spawn().await;
    let (_, key) = insert_key(&app, &["ingest"]).await;
    let (browser, _) = app.signed_in(Role::Viewer).await;
    let mut stream = LiveStream::open(&browser, "?service=checkout", None).await;
    ingest(&app, &key, &batch(3, 1)).await;
    let (event, point) = stream.next_point(WAIT).await.expect("a point arrives");
    assert_eq!(point.service, "checkout");
    assert!(point.point.count >= 1 && point.point.count <= 3, "{point:?}");
    assert!(
        point.point.p95_ms > 0.0 && point.point.max_ms >= point.point.p95_ms,
        "{point:?}"
    );
    assert!(!event.id.is_empty(), "every event has an id to resume from");
}

#[tokio::test]
async fn a_stream_carries_only_the_service_asked_for() {
    let app = TestApp::spawn().await;
    let (_, key) = insert_key(&app, &["ingest"]).await;
    let (browser, _) = app.signed_in(Role::Manager).await;
    let mut stream = LiveStream::open(&browser, "?service=search", None).await;
    let ts = chrono::Utc::now().to_rfc3339();
    let other = json!({ "requests": [{ "service": "checkout", "endpoint": "/pay", "method": "POST", "status": 200, "duration_ms": 5.0, "ts": ts }] });
    let wanted = json!({ "requests": [{ "service": "search", "endpoint": "/q", "method": "GET", "status": 500, "duration_ms": 7.0, "ts": ts }] });
    ingest(&app, &key, &other).await;
    ingest(&app, &key, &wanted).await;
    let (_, point) = stream.next_point(WAIT).await.expect("a point arrives");
    assert_eq!(
        (point.service.as_str(), point.point.count, point.point.errors),
        ("search", 1, 1)
    );
}

#[tokio::test]
async fn anonymous_and_disabled_users_are_refused() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/api/v1/live").await.status().as_u16(), 401);
    let (browser, user) = app.signed_in(Role::Viewer).await;
    sqlx::query("UPDATE users SET disabled = true WHERE id = $1")
        .bind(user.id)
        .execute(&app.db)
        .await
        .expect("disable");
    assert_eq!(browser.get("/api/v1/live").await.status().as_u16(), 401);
}

#[tokio::test]
async fn disabling_a_user_ends_their_open_stream() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_LIVE_RECHECK_SECS", "1")
        .spawn()
        .await;
    let (browser, user) = app.signed_in(Role::Viewer).await;
    let mut stream = LiveStream::open(&browser, "", None).await;
    sqlx::query("UPDATE users SET disabled = true WHERE id = $1")
        .bind(user.id)
        .execute(&app.db)
        .await
        .expect("disable");
    assert!(
        stream.ends_within(Duration::from_secs(5)).await,
        "the stream ends within the re-check interval"
    );
}

#[tokio::test]
async fn reconnecting_with_last_event_id_replays_what_was_missed() {
    let app = TestApp::spawn().await;
    let (_, key) = insert_key(&app, &["ingest"]).await;
    let (browser, _) = app.signed_in(Role::Viewer).await;
    let mut stream = LiveStream::open(&browser, "?service=checkout", None).await;
    ingest(&app, &key, &batch(1, 0)).await;
    let (first, _) = stream.next_point(WAIT).await.expect("a first point");
    drop(stream);
    // Sent while the browser was away.
    ingest(&app, &key, &batch(2, 0)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut resumed = LiveStream::open(&browser, "?service=checkout", Some(&first.id)).await;
    let (missed, point) = resumed.next_point(WAIT).await.expect("the missed point is replayed");
    assert_ne!(missed.id, first.id, "nothing already sent is sent again");
    assert!(point.point.count >= 1, "{point:?}");
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM request_events")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(total, 3);
}

#[tokio::test]
async fn a_record_ingested_at_one_instance_reaches_a_browser_on_another() {
    let a = TestApp::spawn().await;
    let b = a.spawn_sibling().await;
    assert_ne!(a.address, b.address);
    let (_, key) = insert_key(&a, &["ingest"]).await;
    let (browser_on_b, _) = b.signed_in(Role::Viewer).await;
    let mut stream = LiveStream::open(&browser_on_b, "?service=checkout", None).await;
    ingest(&a, &key, &batch(2, 0)).await;
    let (_, point) = stream.next_point(WAIT).await.expect("the point crosses instances");
    assert_eq!(point.service, "checkout");
}

#[tokio::test]
async fn points_stored_while_redis_was_unreachable_reach_the_stream_once_it_answers() {
    // The browser's instance keeps Redis; the ingesting instance reaches it
    // through a proxy the test cuts, as if Redis were down for it alone.
    let watcher = TestApp::spawn().await;
    let redis = crate::helpers::redis_url();
    let upstream = redis.trim_start_matches("redis://").trim_end_matches('/').to_string();
    let proxy = CutProxy::start(upstream).await;
    let ingester = watcher
        .sibling()
        .set("REDIS_URL", format!("redis://127.0.0.1:{}", proxy.port))
        .spawn()
        .await;
    let (_, key) = insert_key(&watcher, &["ingest"]).await;
    let (browser, _) = watcher.signed_in(Role::Viewer).await;
    let mut stream = LiveStream::open(&browser, "?service=checkout", None).await;

    proxy.cut().await;
    ingest(&ingester, &key, &batch(3, 0)).await;
    assert!(
        stream.next_point(Duration::from_secs(3)).await.is_none(),
        "nothing can be published while Redis is unreachable"
    );
    proxy.restore();
    let (_, point) = stream
        .next_point(Duration::from_secs(20))
        .await
        .expect("the stored points are published once Redis answers again");
    assert_eq!(point.service, "checkout");
    assert!(
        (1..=3).contains(&point.point.count),
        "read back from Postgres: {point:?}"
    );
}

#[tokio::test]
async fn firing_counts_that_could_not_be_sent_reach_the_badges_once_redis_answers() {
    use app::alerts::Severity;
    // The evaluating instance (started first, so it leads) reaches Redis
    // through a proxy the test cuts; the browser's instance keeps Redis.
    let redis = crate::helpers::redis_url();
    let proxy = CutProxy::start(redis.trim_start_matches("redis://").trim_end_matches('/').to_string()).await;
    let leader = TestApp::configure()
        .await
        .set("OPSDECK_ALERT_EVAL_SECS", "1")
        .set("REDIS_URL", format!("redis://127.0.0.1:{}", proxy.port))
        .spawn()
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let watcher = leader.sibling().set("REDIS_URL", redis).spawn().await;
    let (operator, _) = watcher.signed_in(Role::Operator).await;
    let mut badge = LiveStream::open(&operator, "?alerts=only", None).await;

    proxy.cut().await;
    let mut conn = leader.db.acquire().await.expect("conn");
    app::alerts::ssr::store::save(&mut conn, None, &always_firing_rule("during the outage"), None)
        .await
        .expect("saved");
    let firing = std::time::Instant::now();
    while sqlx::query_scalar::<_, i64>("SELECT count(*) FROM alert_states WHERE state = 'firing'")
        .fetch_one(&leader.db)
        .await
        .expect("alert_states readable")
        == 0
    {
        assert!(firing.elapsed() < WAIT, "the rule fires while Redis is cut off");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        badge.next_event("alerts", Duration::from_secs(2)).await.is_none(),
        "nothing can be published while Redis is unreachable"
    );
    proxy.restore();
    let event = badge
        .next_event("alerts", Duration::from_secs(15))
        .await
        .expect("the firing count is sent once Redis answers, with no new change");
    let counts: Vec<(Severity, i64)> = serde_json::from_str(&event.data).expect("counts");
    assert!(counts.contains(&(Severity::Critical, 1)), "{counts:?}");
}

#[tokio::test]
async fn shutdown_ends_open_streams_instead_of_waiting_for_them() {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = TestApp::configure().await.set("OPSDECK_SHUTDOWN_GRACE_SECS", "30");
    let (app, running) = config
        .spawn_until(async move {
            let _ = stopped.await;
        })
        .await;
    let (browser, _) = app.signed_in(Role::Viewer).await;
    let mut stream = LiveStream::open(&browser, "", None).await;
    let started = std::time::Instant::now();
    stop.send(()).expect("app running");
    let result = tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("stops well within the 30 s grace");
    result.expect("task joins").expect("stops cleanly");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(stream.ends_within(Duration::from_secs(2)).await);
}

#[tokio::test]
async fn firing_counts_reach_the_badges_of_those_who_read_alerts_and_no_one_else() {
    use app::alerts::Severity;
    let app = TestApp::configure()
        .await
        .set("OPSDECK_ALERT_EVAL_SECS", "1")
        .spawn()
        .await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let (viewer, _) = app.signed_in(Role::Viewer).await;
    let mut badge = LiveStream::open(&operator, "?alerts=only", None).await;
    let mut viewers_badge = LiveStream::open(&viewer, "?alerts=only", None).await;
    // Throughput is never below zero: this rule fires at its first evaluation.
    let rule = always_firing_rule("badge");
    let mut conn = app.db.acquire().await.expect("conn");
    app::alerts::ssr::store::save(&mut conn, None, &rule, None)
        .await
        .expect("saved");

    let event = badge
        .next_event("alerts", Duration::from_secs(10))
        .await
        .expect("an alerts event");
    let counts: Vec<(Severity, i64)> = serde_json::from_str(&event.data).expect("counts");
    assert!(counts.contains(&(Severity::Critical, 1)), "{counts:?}");
    assert!(
        viewers_badge
            .next_event("alerts", Duration::from_secs(2))
            .await
            .is_none(),
        "viewers do not read alerts"
    );
}

#[tokio::test]
async fn error_issues_that_get_events_reach_the_errors_pages_of_readers_of_errors() {
    use app::errors::live::IssueUpdate;
    let app = TestApp::spawn().await;
    let (support, _) = app.signed_in(Role::Support).await;
    let (manager, _) = app.signed_in(Role::Manager).await;
    let mut errors_page = LiveStream::open(&support, "?errors=only&service=checkout", None).await;
    let mut other_service = LiveStream::open(&support, "?errors=only&service=billing", None).await;
    let mut managers_page = LiveStream::open(&manager, "?errors=only", None).await;
    let mut chart = LiveStream::open(&support, "", None).await;
    // Two events of one new issue in one envelope: one update, new, with both counted.
    crate::error_alerts::send(
        &app,
        "checkout",
        &[("addToCart", "cart gone", 1), ("addToCart", "cart gone", 1)],
    )
    .await;

    let event = errors_page
        .next_event("issue", Duration::from_secs(10))
        .await
        .expect("an issue event");
    let update: IssueUpdate = serde_json::from_str(&event.data).expect("an IssueUpdate");
    assert_eq!(
        (update.service.as_str(), update.new, update.events),
        ("checkout", true, 2)
    );
    assert!(update.title.contains("cart"), "{update:?}");
    for (stream, why) in [
        (&mut other_service, "another service"),
        (&mut managers_page, "managers do not read errors"),
        (&mut chart, "charts get no issues"),
    ] {
        assert!(
            stream.next_event("issue", Duration::from_secs(1)).await.is_none(),
            "{why}"
        );
    }
}
