//! Monitored targets that fail the hard ways, against real servers: TLS
//! that cannot be set up, a Redis whose user may not run `INFO` (an ACL)
//! or where `INFO` was renamed away, and a target that accepts the
//! connection and never answers — "Test connection" names each failure,
//! and the collector records the silent one down after its timeout while
//! it goes on reading the others.

use std::process::Stdio;
use std::time::{Duration, Instant};

use app::auth::permissions::Role;
use uuid::Uuid;

use crate::datastore_targets::{add, as_user, fields, message, status_of, unique};
use crate::helpers::{Browser, TestApp, closed_port, database_server_url, redis_url};

/// "Test connection" of `url` must be refused, its message starting with `says`.
async fn refused_with(admin: &Browser, url: &str, says: &str) -> String {
    let (status, body) = status_of(admin, "/api/datastores/test-connection", &[("connection_url", url)]).await;
    println!("{url} → {status} {}", message(&body));
    assert_eq!(status, 422, "{url}: {body}");
    assert_eq!(fields(&body), ["connection_url"], "{url}");
    assert!(message(&body).starts_with(says), "{url}: {body}");
    message(&body)
}

#[tokio::test]
async fn tls_that_cannot_be_set_up_is_named_tls() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    // Whether the test server offers TLS or not, verify-full cannot pass:
    // without TLS the server refuses it; with it, 127.0.0.1's certificate
    // (Debian's snakeoil, or none we trust) does not verify.
    let pg = format!("{}/{}?sslmode=verify-full", database_server_url(), app.db_name);
    refused_with(&admin, &pg, "TLS failed").await;
    // A TLS client against the plain Redis port.
    let plain = redis_url().replacen("redis://", "rediss://", 1);
    refused_with(&admin, &plain, "TLS failed").await;
}

#[tokio::test]
async fn a_redis_that_will_not_run_info_is_a_permission_problem() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;

    // An ACL user that may do anything but INFO, on the shared Redis.
    let user = format!("opsdeck-noinfo-{}", Uuid::new_v4().simple());
    let client = redis::Client::open(redis_url()).expect("redis url");
    let mut conn = client.get_multiplexed_async_connection().await.expect("redis");
    let _: () = redis::cmd("ACL")
        .arg(&["SETUSER", &user, "on", ">pw-1812", "~*", "&*", "+@all", "-info"][..])
        .query_async(&mut conn)
        .await
        .expect("ACL SETUSER");
    let url = as_user(&redis_url(), &format!("{user}:pw-1812"));
    let said = refused_with(&admin, &url, "Permission denied").await;
    assert!(said.to_lowercase().contains("info"), "names the command: {said}");
    assert!(!said.contains("pw-1812"), "the password stays hidden: {said}");
    let _: i64 = redis::cmd("ACL")
        .arg(&["DELUSER", &user][..])
        .query_async(&mut conn)
        .await
        .expect("ACL DELUSER");

    // A private Redis where INFO was renamed away.
    let port = closed_port();
    let _renamed = tokio::process::Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .args(["--rename-command", "INFO", ""])
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("redis-server starts");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the private Redis did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    refused_with(&admin, &format!("redis://127.0.0.1:{port}"), "Permission denied").await;
}

/// A server that accepts connections and never says a word.
async fn silent_server() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (port, task)
}

/// How the collector last recorded `service`: (ok, reason), once it has.
async fn recorded(app: &TestApp, service: &str) -> Option<(bool, Option<String>)> {
    sqlx::query_as("SELECT ok, reason FROM data_store_status WHERE service = $1")
        .bind(service)
        .fetch_optional(&app.db)
        .await
        .expect("status")
}

#[tokio::test]
async fn a_target_that_never_answers_is_down_after_its_timeout_and_holds_up_no_other() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_COLLECT_SECS", "1")
        .spawn()
        .await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (port, _silent) = silent_server().await;
    let silent = unique("silent");
    let healthy = unique("healthy");
    let started = Instant::now();
    add(&admin, &silent, &format!("postgres://u@127.0.0.1:{port}/db")).await;
    add(&admin, &healthy, &redis_url()).await;

    // The healthy target is read while the silent one still hangs.
    let (silent, healthy) = (format!("pg:{silent}"), format!("redis:{healthy}"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while recorded(&app, &healthy).await.is_none() {
        assert!(Instant::now() < deadline, "the healthy target was never read");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let healthy_after = started.elapsed();
    assert_eq!(recorded(&app, &healthy).await.map(|(ok, _)| ok), Some(true));
    assert_eq!(recorded(&app, &silent).await, None, "still waiting for the silent one");

    // The silent one is down once its reading times out, saying so.
    let deadline = Instant::now() + Duration::from_secs(40);
    let (ok, reason) = loop {
        if let Some(status) = recorded(&app, &silent).await {
            break status;
        }
        assert!(Instant::now() < deadline, "the silent target was never recorded");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    println!(
        "healthy read after {healthy_after:?}; silent recorded after {:?}: {reason:?}",
        started.elapsed()
    );
    assert!(!ok);
    assert_eq!(reason.as_deref(), Some("Timeout: no answer within 10 s"));
    assert!(started.elapsed() >= Duration::from_secs(10), "not before its timeout");

    // "Test connection" gives up at the same timeout and says so.
    let began = Instant::now();
    refused_with(&admin, &format!("postgres://u@127.0.0.1:{port}/db"), "Timeout").await;
    assert!(began.elapsed() < Duration::from_secs(20), "took {:?}", began.elapsed());
}
