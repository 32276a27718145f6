//! Prometheus scrape targets: an admin adds one (a local exposition server),
//! the leader's scraper reads it on its interval into samples (counters as
//! rates from the second scrape, histograms as count/sum/percentiles, `up`
//! per target), a bearer token is sent but never shown, a failing target is
//! `up` 0 with the reason on its page, and only admins manage targets.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::get;
use serde_json::Value;

use app::auth::permissions::Role;

use crate::helpers::{Browser, TestApp};

/// A target that counts its own scrapes: `jobs_done_total` grows by 30 each
/// time; it answers 401 without `Bearer s3cret` when `token` is set.
async fn exposition_server(token: bool) -> (String, tokio::task::JoinHandle<()>) {
    let scrapes = Arc::new(AtomicU64::new(0));
    let app = axum::Router::new()
        .route(
            "/metrics",
            get(move |headers: HeaderMap| {
                let scrapes = scrapes.clone();
                async move {
                    let authorized = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) == Some("Bearer s3cret");
                    if token && !authorized {
                        return (StatusCode::UNAUTHORIZED, String::new());
                    }
                    let n = scrapes.fetch_add(1, Ordering::SeqCst);
                    let body = format!(
                        "# HELP jobs_done_total Jobs done.\n# TYPE jobs_done_total counter\njobs_done_total{{queue=\"mail\"}} {}\n\
                         # TYPE queue_depth gauge\nqueue_depth{{queue=\"mail\"}} 7\n\
                         # TYPE job_seconds histogram\njob_seconds_bucket{{le=\"0.1\"}} 4\njob_seconds_bucket{{le=\"1\"}} 9\n\
                         job_seconds_bucket{{le=\"+Inf\"}} 10\njob_seconds_sum 4.5\njob_seconds_count 10\n",
                        100 + 30 * n
                    );
                    (StatusCode::OK, body)
                }
            }),
        )
        .route("/html", get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<html><body>login</body></html>") }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, task)
}

async fn save(browser: &Browser, fields: &[(&str, &str)]) -> (u16, Value) {
    let response = browser.post_fn("/api/scrape/target-save", fields).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn form<'a>(service: &'a str, url: &'a str, token: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("target[service]", service),
        ("target[url]", url),
        ("target[interval_secs]", "5"),
        ("target[timeout_secs]", "2"),
        ("target[labels]", "env=test"),
        ("target[bearer_token]", token),
        ("target[enabled]", "on"),
    ]
}

/// The latest value of `name` in `service` once there is one (polling up to 20 s).
async fn latest(app: &TestApp, service: &str, name: &str) -> Option<(f64, String)> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let row: Option<(f64, String)> = sqlx::query_as(
            "SELECT value, labels::text FROM metric_samples WHERE service = $1 AND name = $2 ORDER BY ts DESC LIMIT 1",
        )
        .bind(service)
        .bind(name)
        .fetch_optional(&app.db)
        .await
        .expect("samples");
        if row.is_some() || Instant::now() > deadline {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_target_is_scraped_into_samples_with_its_token_and_labels() {
    let app = TestApp::spawn().await;
    let (base, _server) = exposition_server(true).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let url = format!("{base}/metrics");
    let (status, saved) = save(&admin, &form("mailer", &url, "s3cret")).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["has_token"], true);
    assert!(
        !saved.to_string().contains("s3cret"),
        "the token never comes back: {saved}"
    );
    let stored: String = sqlx::query_scalar("SELECT bearer_token FROM scrape_targets")
        .fetch_one(&app.db)
        .await
        .expect("token");
    assert!(!stored.contains("s3cret"), "the token is stored sealed");

    let (up, labels) = latest(&app, "mailer", "up").await.expect("an up sample");
    assert_eq!(up, 1.0);
    let instance = base.trim_start_matches("http://");
    assert!(
        labels.contains(&format!("\"instance\": \"{instance}\"")) && labels.contains("\"env\": \"test\""),
        "{labels}"
    );
    assert_eq!(latest(&app, "mailer", "queue_depth").await.map(|s| s.0), Some(7.0));
    // The second scrape, 5 s later: 30 more jobs are a rate of about 6 per second
    // (the first scrape of a counter or histogram is only its baseline).
    let (rate, _) = latest(&app, "mailer", "jobs_done_total")
        .await
        .expect("a rate after the second scrape");
    assert!((4.0..=8.0).contains(&rate), "rate {rate}");
    // The histogram did not change between the scrapes: no job in the interval.
    assert_eq!(
        latest(&app, "mailer", "job_seconds.count").await.map(|s| s.0),
        Some(0.0)
    );

    // The target's page shows its last scrape and its series, never the token.
    let id = saved["id"].as_i64().expect("an id");
    let page = admin.get(&format!("/settings/scrape-targets/{id}")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(
        html.contains("queue_depth") && html.contains("data-status=\"up\""),
        "the page lists series"
    );
    assert!(!html.contains("s3cret"));
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'scrape.target.create'")
        .fetch_one(&app.db)
        .await
        .expect("audit");
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_failing_target_is_down_with_the_reason() {
    let app = TestApp::spawn().await;
    let (base, _server) = exposition_server(true).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    // No token: the target answers 401. And one answering HTML.
    assert_eq!(
        save(&admin, &form("locked", &format!("{base}/metrics"), "")).await.0,
        200
    );
    assert_eq!(save(&admin, &form("webpage", &format!("{base}/html"), "")).await.0, 200);
    for service in ["locked", "webpage"] {
        assert_eq!(latest(&app, service, "up").await.map(|s| s.0), Some(0.0), "{service}");
    }
    let errors: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT service, last_error FROM scrape_targets ORDER BY service")
            .fetch_all(&app.db)
            .await
            .expect("errors");
    assert!(errors[0].1.as_deref().unwrap_or_default().contains("401"), "{errors:?}");
    assert!(
        errors[1].1.as_deref().unwrap_or_default().contains("HTML"),
        "{errors:?}"
    );
}

#[tokio::test]
async fn only_admins_manage_targets_and_bad_fields_are_named() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (status, body) = save(&admin, &form("", "ftp://example.com/metrics", "")).await;
    assert_eq!(status, 422, "{body}");
    let text = body.to_string();
    assert!(
        text.contains("service") && text.contains("http:// or https://"),
        "{text}"
    );
    for role in [Role::Operator, Role::Support, Role::Manager, Role::Viewer] {
        let (browser, _) = app.signed_in(role).await;
        assert_eq!(
            browser.post_fn("/api/scrape/targets", &[]).await.status(),
            403,
            "{role:?}"
        );
        assert_eq!(browser.get("/settings/scrape-targets").await.status(), 403, "{role:?}");
    }
    assert_eq!(admin.get("/settings/scrape-targets").await.status(), 200);
}

/// The node exporter the test command starts (`ensure_node_exporter`).
fn node_exporter() -> String {
    std::env::var("OPSDECK_NODE_EXPORTER").unwrap_or_else(|_| "127.0.0.1:9100".into())
}

#[tokio::test]
async fn a_real_node_exporter_gives_host_memory_disk_and_cpu() {
    let url = format!("http://{}/metrics", node_exporter());
    let reachable = reqwest::get(&url).await.is_ok_and(|r| r.status().is_success());
    assert!(
        reachable,
        "no node exporter at {url}: the test command starts one (scripts/lib.sh ensure_node_exporter)"
    );
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    assert_eq!(save(&admin, &form("host", &url, "")).await.0, 200);
    assert_eq!(latest(&app, "host", "up").await.map(|s| s.0), Some(1.0));
    let (memory, _) = latest(&app, "host", "host.memory.used_percent").await.expect("memory");
    assert!(memory > 0.0 && memory <= 100.0, "memory {memory} %");
    let (disk, labels) = latest(&app, "host", "host.disk.used_percent").await.expect("disk");
    assert!(
        (0.0..=100.0).contains(&disk) && labels.contains("mountpoint"),
        "disk {disk} % {labels}"
    );
    // CPU seconds are counters: a rate from the second scrape on, at most one second per second per mode.
    let (cpu, _) = latest(&app, "host", "node_cpu_seconds_total")
        .await
        .expect("a cpu rate");
    assert!((0.0..=1.5).contains(&cpu), "cpu {cpu}");
}
