//! Alert notifications end to end: a local receiver checks the HMAC
//! signature, fails on purpose to see retries, hangs to see a delivery
//! survive its dispatcher dying; repeats of a still-firing alert; silences
//! that keep everything quiet; and the
//! channel server functions (test send, validation, who may).

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration as StdDuration;

use app::alerts::notify::{DeliveryState, NotificationKind};
use app::alerts::rule::RuleDraft;
use app::alerts::silence::SilenceDraft;
use app::alerts::ssr::deliver::NotifySettings;
use app::alerts::ssr::evaluate::run_cycle;
use app::alerts::ssr::{outbox, silences, store};
use app::alerts::{Aggregation, AlertState, Comparator};
use app::auth::permissions::Role;
use app::metrics::RequestEvent;
use axum::body::Bytes;
use chrono::{Duration, Utc};
use sqlx::PgPool;

use crate::helpers::{TestApp, always_firing_rule, fresh_pool, store_requests};
use crate::receiver::{Receiver, SECRET, add_channel, signature_is_valid};

fn settings() -> NotifySettings {
    NotifySettings::new(
        "https://ops.example.com/",
        StdDuration::from_millis(100),
        5,
        crate::helpers::test_keys(),
    )
}

/// A rule that fires at its first evaluation (throughput is never below
/// zero) and notifies `channels`.
async fn always_firing(pool: &PgPool, channels: &[&str]) -> i64 {
    let rule = always_firing_draft(channels);
    let mut conn = pool.acquire().await.expect("conn");
    store::save(&mut conn, None, &rule, None)
        .await
        .expect("saved")
        .expect("row")
        .0
}

fn always_firing_draft(channels: &[&str]) -> RuleDraft {
    RuleDraft {
        labels: BTreeMap::from([("team".to_string(), "shop".to_string())]),
        summary: "{{name}} for {{labels.team}}".into(),
        channels: channels.iter().map(|c| c.to_string()).collect(),
        ..always_firing_rule("shop")
    }
}

async fn deliveries(pool: &PgPool, rule_id: i64) -> Vec<app::alerts::notify::Delivery> {
    let mut conn = pool.acquire().await.expect("conn");
    outbox::deliveries(&mut conn, Some(rule_id), None, 50)
        .await
        .expect("deliveries")
}

async fn wait_until_finished(pool: &PgPool, rule_id: i64) -> app::alerts::notify::Delivery {
    for _ in 0..200 {
        let found = deliveries(pool, rule_id).await;
        if let Some(done) = found.into_iter().find(|d| d.state != DeliveryState::Pending) {
            return done;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!("no delivery finished: {:?}", deliveries(pool, rule_id).await);
}

#[tokio::test]
async fn a_firing_alert_is_delivered_signed_and_retried_until_the_receiver_takes_it() {
    let (_database, pool) = fresh_pool().await;
    let (receiver, url) = Receiver::default().start().await;
    receiver.fail_first.store(2, Ordering::SeqCst);
    add_channel(&pool, "ops-webhook", &url, 0).await;
    let rule_id = always_firing(&pool, &["ops-webhook"]).await;

    // The transition and its outbox row are written together.
    let cycle = run_cycle(&pool, &crate::helpers::audit_key(), Utc::now())
        .await
        .expect("cycle");
    assert_eq!(cycle.transitions.len(), 1);
    let written = deliveries(&pool, rule_id).await;
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].state, DeliveryState::Pending);
    assert_eq!(written[0].notification.state, AlertState::Firing);

    let _dispatcher = opsdeck::workers::notifier::spawn(pool.clone(), settings());
    let got = receiver.wait_for(3).await;
    let delivery = wait_until_finished(&pool, rule_id).await;
    assert_eq!(delivery.state, DeliveryState::Delivered);
    let statuses: Vec<Option<i32>> = delivery.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, vec![Some(500), Some(500), Some(204)]);
    assert!(delivery.attempts[0].error.as_deref().is_some_and(|e| e.contains("500")));

    // Every attempt is signed, carries the same delivery id, and says what fired.
    for request in &got {
        assert!(signature_is_valid(request, SECRET), "{request:?}");
        assert!(!signature_is_valid(request, "another secret"));
        assert_eq!(request.headers["x-opsdeck-delivery"], delivery.id.to_string().as_str());
    }
    let body: serde_json::Value = serde_json::from_slice(&got[2].body).expect("json");
    assert_eq!(body["rule"]["name"], "Always firing");
    assert_eq!(body["rule"]["labels"]["team"], "shop");
    assert_eq!(body["state"], "firing");
    assert_eq!(body["previous_state"], "normal");
    assert_eq!(body["threshold"], 0.0);
    assert_eq!(body["summary"], "Always firing for shop");
    assert_eq!(body["url"], format!("https://ops.example.com/alerts/rules/{rule_id}"));
    // A tampered body no longer matches its signature.
    let mut tampered = got[2].clone();
    tampered.body = Bytes::from(String::from_utf8_lossy(&got[2].body).replace("firing", "normal"));
    assert!(!signature_is_valid(&tampered, SECRET));
}

#[tokio::test]
async fn a_delivery_survives_its_dispatcher_dying_mid_send() {
    let (_database, pool) = fresh_pool().await;
    let (receiver, url) = Receiver::default().start().await;
    receiver.hang.store(true, Ordering::SeqCst);
    add_channel(&pool, "ops-webhook", &url, 0).await;
    let rule_id = always_firing(&pool, &["ops-webhook"]).await;
    run_cycle(&pool, &crate::helpers::audit_key(), Utc::now())
        .await
        .expect("cycle");

    let lease = StdDuration::from_secs(1);
    let first = opsdeck::workers::notifier::spawn_with(pool.clone(), settings(), lease);
    receiver.wait_for(1).await;
    // The instance dies while the receiver has not answered: nothing is recorded.
    drop(first);
    receiver.hang.store(false, Ordering::SeqCst);
    assert_eq!(deliveries(&pool, rule_id).await[0].state, DeliveryState::Pending);

    // Another dispatcher (a restarted instance) sends it once the lease is over.
    let _second = opsdeck::workers::notifier::spawn_with(pool.clone(), settings(), lease);
    let got = receiver.wait_for(2).await;
    let delivery = wait_until_finished(&pool, rule_id).await;
    assert_eq!(delivery.state, DeliveryState::Delivered);
    assert_eq!(delivery.attempts.len(), 1);
    assert_eq!(
        got[0].headers["x-opsdeck-delivery"],
        got[1].headers["x-opsdeck-delivery"]
    );
}

#[tokio::test]
async fn a_still_firing_alert_is_repeated_after_the_channel_interval() {
    let (_database, pool) = fresh_pool().await;
    let (_receiver, url) = Receiver::default().start().await;
    add_channel(&pool, "repeating", &url, 1).await;
    add_channel(&pool, "once", &url, 0).await;
    let rule_id = always_firing(&pool, &["repeating", "once"]).await;
    let now = Utc::now();
    run_cycle(&pool, &crate::helpers::audit_key(), now)
        .await
        .expect("fires");
    run_cycle(&pool, &crate::helpers::audit_key(), now + Duration::seconds(30))
        .await
        .expect("still firing");
    let kinds = |ds: &[app::alerts::notify::Delivery]| -> Vec<(String, NotificationKind)> {
        let mut kinds: Vec<_> = ds.iter().map(|d| (d.channel.clone(), d.notification.kind)).collect();
        kinds.sort_by_key(|(c, k)| (c.clone(), k.as_str()));
        kinds
    };
    assert_eq!(
        kinds(&deliveries(&pool, rule_id).await),
        vec![
            ("once".to_string(), NotificationKind::Transition),
            ("repeating".to_string(), NotificationKind::Transition)
        ]
    );
    run_cycle(&pool, &crate::helpers::audit_key(), now + Duration::seconds(90))
        .await
        .expect("a minute later");
    assert_eq!(
        kinds(&deliveries(&pool, rule_id).await),
        vec![
            ("once".to_string(), NotificationKind::Transition),
            ("repeating".to_string(), NotificationKind::Repeat),
            ("repeating".to_string(), NotificationKind::Transition)
        ]
    );
}

#[tokio::test]
async fn firing_and_resolving_are_announced_pending_is_not() {
    let (_database, pool) = fresh_pool().await;
    let (_receiver, url) = Receiver::default().start().await;
    add_channel(&pool, "ops-webhook", &url, 0).await;
    let now = Utc::now();
    // Ten slow minutes (1 s), then five fast ones (10 ms).
    let requests = (0..150)
        .map(|i| RequestEvent {
            service: "shop".into(),
            endpoint: "/cart".into(),
            method: "GET".into(),
            status: 200,
            duration_ms: if i < 100 { 1000.0 } else { 10.0 },
            ts: now - Duration::minutes(15) + Duration::seconds(i * 6),
        })
        .collect();
    store_requests(&pool, requests).await;
    let mut rule = RuleDraft {
        name: "Shop slow".into(),
        aggregation: Aggregation::P95,
        comparator: Comparator::Gt,
        threshold: 500.0,
        for_secs: 60,
        ..always_firing_draft(&["ops-webhook"])
    };
    rule.summary = String::new();
    let mut conn = pool.acquire().await.expect("conn");
    let rule_id = store::save(&mut conn, None, &rule, None)
        .await
        .expect("saved")
        .expect("row")
        .0;
    for minutes_ago in [12, 10, 2] {
        run_cycle(
            &pool,
            &crate::helpers::audit_key(),
            now - Duration::minutes(minutes_ago),
        )
        .await
        .expect("cycle");
    }
    let mut announced: Vec<(AlertState, Option<AlertState>)> = deliveries(&pool, rule_id)
        .await
        .iter()
        .map(|d| (d.notification.state, d.notification.previous_state))
        .collect();
    announced.reverse();
    assert_eq!(
        announced,
        vec![
            (AlertState::Firing, Some(AlertState::Pending)),
            (AlertState::Resolved, Some(AlertState::Firing))
        ]
    );
}

#[tokio::test]
async fn nothing_is_sent_while_silenced_and_a_still_firing_alert_is_sent_once_the_silence_ends() {
    let (_database, pool) = fresh_pool().await;
    let (_receiver, url) = Receiver::default().start().await;
    add_channel(&pool, "ops-webhook", &url, 60).await;
    let now = Utc::now();
    let mut conn = pool.acquire().await.expect("conn");
    let silence = silences::create(
        &mut conn,
        &SilenceDraft {
            rule_name: Some("Always firing".into()),
            severity: None,
            labels: BTreeMap::new(),
            starts_at: now - Duration::minutes(1),
            ends_at: now + Duration::hours(1),
            comment: "Maintenance".into(),
            end_when_resolved: false,
        },
        None,
    )
    .await
    .expect("silence");
    let rule_id = always_firing(&pool, &["ops-webhook"]).await;

    // It fires, silenced: the event is stored (with the silence), nothing is written to send.
    let cycle = run_cycle(&pool, &crate::helpers::audit_key(), now)
        .await
        .expect("fires");
    assert_eq!(cycle.transitions.len(), 1);
    assert_eq!(cycle.transitions[0].2, Some(silence));
    assert_eq!(cycle.transitions[0].1.to, AlertState::Firing);
    run_cycle(&pool, &crate::helpers::audit_key(), now + Duration::minutes(59))
        .await
        .expect("still silenced, an hour of repeats later");
    assert!(deliveries(&pool, rule_id).await.is_empty());

    // The silence ends with the alert still firing: the channel hears about it.
    assert!(silences::end(&mut conn, silence, None, now).await.expect("ended"));
    run_cycle(&pool, &crate::helpers::audit_key(), now + Duration::seconds(30))
        .await
        .expect("unsilenced");
    let sent = deliveries(&pool, rule_id).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].notification.kind, NotificationKind::Repeat);
    assert_eq!(sent[0].notification.state, AlertState::Firing);
}

#[tokio::test]
async fn retention_prunes_finished_notifications_older_than_the_rollups_and_keeps_pending_ones() {
    let (_database, pool) = fresh_pool().await;
    let channel = add_channel(&pool, "ops-webhook", "http://127.0.0.1:9/hook", 0).await;
    let rule_id = always_firing(&pool, &["ops-webhook"]).await;
    run_cycle(&pool, &crate::helpers::audit_key(), Utc::now())
        .await
        .expect("fires");
    let mut conn = pool.acquire().await.expect("conn");
    let notification = deliveries(&pool, rule_id).await[0].notification.clone();
    let old_done = outbox::enqueue(&mut conn, &[channel], None, &notification)
        .await
        .expect("row")[0];
    let old_pending = outbox::enqueue(&mut conn, &[channel], None, &notification)
        .await
        .expect("row")[0];
    sqlx::query("UPDATE notification_outbox SET created_at = now() - interval '200 days' WHERE id = ANY($1)")
        .bind(vec![old_done, old_pending])
        .execute(&mut *conn)
        .await
        .expect("aged");
    sqlx::query(
        "UPDATE notification_outbox SET state = 'delivered', finished_at = now() - interval '120 days' WHERE id = $1",
    )
    .bind(old_done)
    .execute(&mut *conn)
    .await
    .expect("finished long ago");

    let mut leader = opsdeck::workers::retention::try_lead(&pool)
        .await
        .expect("lock")
        .expect("leader");
    let settings = opsdeck::config::RetentionSettings {
        raw_days: 7,
        rollup_days: 90,
        log_days: 7,
        error_days: 30,
        span_days: 3,
    };
    opsdeck::workers::retention::maintain(&mut leader, settings, Utc::now().date_naive())
        .await
        .expect("maintained");
    let left: Vec<i64> = sqlx::query_scalar("SELECT id FROM notification_outbox ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .expect("rows");
    assert!(!left.contains(&old_done), "{left:?}");
    assert!(left.contains(&old_pending), "{left:?}");
    assert_eq!(left.len(), 2, "the fresh one and the old pending one: {left:?}");
}

#[tokio::test]
async fn admins_manage_channels_and_send_a_test_others_may_not() {
    let app = TestApp::spawn().await;
    let (receiver, url) = Receiver::default().start().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (operator, _) = app.signed_in(Role::Operator).await;

    // Field errors name the field.
    let refused = admin
        .post_fn(
            "/api/alerts/channel-save",
            &[
                ("channel[name]", "Ops Hook"),
                ("channel[kind]", "webhook"),
                ("channel[url]", &url),
                ("channel[repeat_minutes]", "0"),
            ],
        )
        .await;
    assert_eq!(refused.status().as_u16(), 422);
    let body: serde_json::Value = refused.json().await.expect("json");
    assert_eq!(body["Validation"]["field"], "name", "{body}");

    let created = admin
        .post_fn(
            "/api/alerts/channel-save",
            &[
                ("channel[name]", "ops-hook"),
                ("channel[kind]", "webhook"),
                ("channel[url]", &url),
                ("channel[repeat_minutes]", "60"),
                ("channel[enabled]", "on"),
            ],
        )
        .await;
    assert_eq!(created.status().as_u16(), 200);
    let saved: serde_json::Value = created.json().await.expect("json");
    let id = saved["id"].as_i64().expect("id");
    let secret = saved["secret"].as_str().expect("the secret, once").to_string();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(app.audit_entries("channel.create").await.len(), 1);
    let listed: serde_json::Value = admin
        .post_fn("/api/alerts/channels", &[])
        .await
        .json()
        .await
        .expect("list");
    assert!(!listed.to_string().contains(&secret), "the list never shows the secret");

    // "Send test notification" answers how it went; the receiver can check it.
    let tested = admin
        .post_fn("/api/alerts/channel-test", &[("id", &id.to_string())])
        .await;
    assert_eq!(tested.status().as_u16(), 200);
    let attempt: serde_json::Value = tested.json().await.expect("attempt");
    assert_eq!(attempt["status"], 204, "{attempt}");
    let got = receiver.wait_for(1).await;
    assert!(signature_is_valid(&got[0], &secret));
    let body: serde_json::Value = serde_json::from_slice(&got[0].body).expect("json");
    assert_eq!(body["kind"], "test");

    // A rule may only name channels that exist; a channel in use is not deleted.
    let rule_fields = |channels: &str| -> Vec<(String, String)> {
        [
            ("name", "Shop slow"),
            ("service", "shop"),
            ("aggregation", "p95"),
            ("window_minutes", "2"),
            ("comparator", ">"),
            ("threshold", "300"),
            ("for_minutes", "1"),
            ("no_data", "keep"),
            ("severity", "critical"),
            ("channels", channels),
        ]
        .into_iter()
        .map(|(k, v)| (format!("rule[{k}]"), v.to_string()))
        .collect()
    };
    let pairs = |fields: &[(String, String)]| -> Vec<(String, String)> { fields.to_vec() };
    let unknown = pairs(&rule_fields("ops-hook, nowhere"));
    let unknown: Vec<(&str, &str)> = unknown.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = operator.post_fn("/api/alerts/save", &unknown).await;
    assert_eq!(refused.status().as_u16(), 422);
    let body: serde_json::Value = refused.json().await.expect("json");
    assert_eq!(body["Validation"]["field"], "channels", "{body}");
    assert!(
        body["Validation"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nowhere")),
        "{body}"
    );
    let good = pairs(&rule_fields("ops-hook"));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(operator.post_fn("/api/alerts/save", &good).await.status().as_u16(), 200);
    let in_use = admin
        .post_fn("/api/alerts/channel-delete", &[("id", &id.to_string())])
        .await;
    assert_eq!(in_use.status().as_u16(), 409);

    // Operators edit rules but not channels (they hold signing secrets).
    for path in [
        "/api/alerts/channels",
        "/api/alerts/channel-test",
        "/api/alerts/channel-save",
    ] {
        let denied = operator.post_fn(path, &[("id", &id.to_string())]).await;
        assert_eq!(denied.status().as_u16(), 403, "{path}");
    }
}
