//! Connection limits: idle and slowloris connections are closed after the
//! header timeout while `/ready` is still answered at once, a kept-alive
//! connection is closed once idle, a stalled body ends its request, the
//! connection cap makes new connections wait instead of running the
//! process out of descriptors, and one user's live streams are capped.

use std::time::{Duration, Instant};

use app::auth::permissions::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::TestApp;
use crate::ingest::insert_key;

fn host(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_string()
}

/// Reads until the server closes the connection; what it sent, and when.
async fn until_closed(stream: &mut TcpStream, within: Duration) -> Option<(String, Instant)> {
    let mut seen = Vec::new();
    let mut buffer = [0_u8; 4096];
    tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return (String::from_utf8_lossy(&seen).into_owned(), Instant::now()),
                Ok(n) => seen.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await
    .ok()
}

#[tokio::test]
async fn idle_and_slowloris_connections_are_closed_and_ready_is_still_answered() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_HEADER_TIMEOUT_SECS", "2")
        .spawn()
        .await;
    let address = host(&app);
    let opened = Instant::now();
    let mut connections = Vec::new();
    for i in 0..300 {
        let mut stream = TcpStream::connect(&address).await.expect("connected");
        if i % 2 == 1 {
            // Slowloris: a request head that never ends.
            stream
                .write_all(b"GET /ready HTTP/1.1\r\nHost: opsdeck\r\nX-Slow: 1\r\n")
                .await
                .expect("partial head sent");
        }
        connections.push(stream);
    }
    // With 300 such connections open, /ready is answered at once.
    let asked = Instant::now();
    let ready = app.get("/ready").await;
    let took = asked.elapsed();
    assert_eq!(ready.status().as_u16(), 200);
    assert!(took < Duration::from_secs(1), "/ready took {took:?}");

    // Every one of them is closed by the server after the header timeout.
    let mut slowest = Duration::ZERO;
    for stream in &mut connections {
        let (_, closed) = until_closed(stream, Duration::from_secs(10))
            .await
            .expect("closed by the server within 10 s");
        slowest = slowest.max(closed - opened);
    }
    println!("300 idle/slowloris connections: /ready answered in {took:?}; all closed by {slowest:?}");
    assert!(
        slowest >= Duration::from_millis(1900),
        "closed by the timeout: {slowest:?}"
    );
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_once_idle() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_HEADER_TIMEOUT_SECS", "1")
        .spawn()
        .await;
    let mut stream = TcpStream::connect(host(&app)).await.expect("connected");
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: opsdeck\r\n\r\n")
        .await
        .expect("request sent");
    let answered = Instant::now();
    let (seen, closed) = until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("closed within 5 s");
    let idle = closed - answered;
    println!("kept-alive connection closed {idle:?} after its answer");
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
    assert!(
        idle >= Duration::from_millis(900),
        "kept alive until the timeout: {idle:?}"
    );
}

#[tokio::test]
async fn a_stalled_request_body_ends_its_request() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_BODY_TIMEOUT_SECS", "1")
        .spawn()
        .await;
    let (_, key) = insert_key(&app, &["ingest"]).await;
    let mut stream = TcpStream::connect(host(&app)).await.expect("connected");
    let head = format!(
        "POST /api/v1/ingest HTTP/1.1\r\nHost: opsdeck\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"requests\": ["
    );
    stream.write_all(head.as_bytes()).await.expect("head sent");
    let sent = Instant::now();
    let (seen, closed) = until_closed(&mut stream, Duration::from_secs(6))
        .await
        .expect("the request ends within 6 s");
    println!("stalled body: ended {:?} after its start", closed - sent);
    assert!(seen.is_empty() || seen.starts_with("HTTP/1.1 4"), "{seen}");
    assert!(closed - sent >= Duration::from_millis(900));
}

#[tokio::test]
async fn at_the_connection_cap_a_new_connection_waits_for_a_free_slot() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_MAX_CONNECTIONS", "10")
        .set("OPSDECK_HEADER_TIMEOUT_SECS", "2")
        .spawn()
        .await;
    let mut idle = Vec::new();
    for _ in 0..10 {
        idle.push(TcpStream::connect(host(&app)).await.expect("connected"));
    }
    // Give the server a moment to accept all ten.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = Instant::now();
    let ready = app.get("/ready").await;
    let waited = asked.elapsed();
    println!("at the cap of 10: /ready answered after {waited:?}");
    assert_eq!(ready.status().as_u16(), 200);
    // It waited for the idle ones to time out, and no longer.
    assert!(waited >= Duration::from_millis(1000), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
}

#[tokio::test]
async fn one_user_may_hold_only_so_many_live_streams() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_LIVE_STREAMS_PER_USER", "2")
        .spawn()
        .await;
    let (browser, _) = app.signed_in(Role::Viewer).await;
    let first = browser.get("/api/v1/live").await;
    let second = browser.get("/api/v1/live").await;
    assert_eq!((first.status().as_u16(), second.status().as_u16()), (200, 200));
    let third = browser.get("/api/v1/live").await;
    assert_eq!(third.status().as_u16(), 429);
    assert!(third.headers().contains_key("retry-after"));
    // Another user is not affected.
    let (other, _) = app.signed_in(Role::Viewer).await;
    assert_eq!(other.get("/api/v1/live").await.status().as_u16(), 200);
    // A closed stream gives its place back at once (a page change closes
    // the old page's stream and opens the new one's straight away).
    drop((first, second, third));
    let reopened = Instant::now();
    loop {
        let again = browser.get("/api/v1/live").await;
        if again.status().as_u16() == 200 {
            break;
        }
        assert!(
            reopened.elapsed() < Duration::from_secs(2),
            "a closed stream still counted after {:?}",
            reopened.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!("a closed stream's place was free again after {:?}", reopened.elapsed());
}
