//! Serving connections: the accept loop, with the limits `axum::serve` has
//! no settings for. Without them 600 slowloris connections stayed open for
//! a minute and ~20,000 idle ones used up the open-files limit, after which
//! nothing (not even `/ready`) was answered.
//!
//! - At most `max_connections` connections are open at once, kept below the
//!   process's open-files limit so Postgres, Redis and backups still get
//!   descriptors. At the cap, new connections wait in the kernel's backlog
//!   (no descriptor is used) until one closes.
//! - A request's head must arrive within `header_timeout`, counted from when
//!   the connection opened or its previous response was sent: this closes
//!   slowloris connections and is also the idle timeout of kept-alive ones.
//! - A request body must keep coming: no gap longer than `body_timeout`
//!   between two of its pieces.
//!
//! Each connection is served by hyper's HTTP/1.1 builder (browsers speak
//! HTTP/2 only over TLS, which a proxy in front terminates), with TCP_NODELAY (without it every streamed SSR
//! response stalls ~40 ms: Nagle + delayed ACK) and the peer's address as
//! `ConnectInfo`.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// The connection limits (`OPSDECK_MAX_CONNECTIONS`,
/// `OPSDECK_HEADER_TIMEOUT_SECS`, `OPSDECK_BODY_TIMEOUT_SECS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
}

/// Descriptors kept free for everything that is not a client connection
/// (the database pool, Redis, backup files, the binary's own files).
const RESERVED_FILES: u64 = 256;

/// The default connection cap: three quarters of the open-files limit,
/// and at least `RESERVED_FILES` below it.
pub fn default_max_connections() -> usize {
    let limit = open_files_limit();
    let cap = (limit / 4 * 3).min(limit.saturating_sub(RESERVED_FILES)).max(16);
    usize::try_from(cap).unwrap_or(usize::MAX)
}

/// The soft open-files limit (RLIMIT_NOFILE); 1024 when it cannot be read.
pub fn open_files_limit() -> u64 {
    match rlimit::Resource::NOFILE.get() {
        Ok((soft, _hard)) if soft > 0 => soft,
        _ => 1024,
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then waits for
/// open connections to finish (the caller bounds that wait).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let router = router.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(limits.body_timeout));
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors or a connection reset while queued:
                    // back off briefly instead of spinning (as axum::serve does).
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::warn!(%error, "could not set TCP_NODELAY");
        }
        let service = router
            .clone()
            .map_request(move |mut request: axum::http::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                request.map(axum::body::Body::new)
            });
        let connection = builder.serve_connection(TokioIo::new(tcp), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::trace!(%error, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
