//! A local webhook receiver for notification tests: it records what it
//! got, can fail or hang on purpose, and checks signatures as the docs say.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use app::alerts::notify::{ChannelDraft, ChannelKind};
use app::alerts::ssr::channels;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgPool;

pub const SECRET: &str = "whsec_test_secret_for_the_receiver_0123456789";

/// What the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A local webhook receiver: answers 500 to the first `fail_first`
/// requests, and while `hang` is set never answers at all.
#[derive(Clone, Default)]
pub struct Receiver {
    pub got: Arc<Mutex<Vec<Received>>>,
    pub fail_first: Arc<AtomicUsize>,
    pub hang: Arc<AtomicBool>,
}

impl Receiver {
    pub async fn start(self) -> (Self, String) {
        let state = self.clone();
        let router = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move {
                    state.got.lock().expect("lock").push(Received { headers, body });
                    if state.hang.load(Ordering::SeqCst) {
                        tokio::time::sleep(StdDuration::from_secs(3600)).await;
                    }
                    let failing = state
                        .fail_first
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    if failing {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::NO_CONTENT
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        (self, url)
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }

    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.received();
            if got.len() >= count {
                return got;
            }
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        panic!("the receiver got {} requests, not {count}", self.received().len());
    }
}

/// Checks a request's signature as a receiver would, from the docs alone.
pub fn signature_is_valid(received: &Received, secret: &str) -> bool {
    let header = |name: &str| {
        received
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let Some(hex_mac) = header("x-opsdeck-signature").strip_prefix("sha256=") else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(header("x-opsdeck-timestamp").as_bytes());
    mac.update(b".");
    mac.update(&received.body);
    hex::decode(hex_mac).is_ok_and(|expected| mac.verify_slice(&expected).is_ok())
}

/// A webhook channel to `url`, signed with [`SECRET`].
pub async fn add_channel(pool: &PgPool, name: &str, url: &str, repeat_minutes: i32) -> i64 {
    let mut conn = pool.acquire().await.expect("conn");
    let draft = ChannelDraft {
        name: name.into(),
        kind: ChannelKind::Webhook,
        url: url.into(),
        repeat_minutes,
        enabled: true,
    };
    channels::create(&mut conn, &crate::helpers::test_keys(), &draft, SECRET)
        .await
        .expect("channel")
}
