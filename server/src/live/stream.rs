//! `GET /api/v1/live[?service=<name>]`: the live points as Server-Sent
//! Events (`event: point`, `id: <stream entry id>`, `data: <LivePoint JSON>`).
//!
//! The gate admits only signed-in users with `ViewDashboards`. `service` is
//! optional: without it the stream carries every service. With a
//! `Last-Event-ID` header the stream first replays what came after that id
//! (from the Redis stream), then follows live points, skipping any it has
//! already sent, so a reconnecting chart has no gap.
//!
//! A stream ends when the browser falls more than the broadcast's capacity
//! behind (the others never wait for it; `EventSource` reconnects with
//! `Last-Event-ID` and catches up from Redis), when the viewer's session
//! ends or the user is disabled (re-checked every `OPSDECK_LIVE_RECHECK_SECS`),
//! and when the server stops.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::Stream;
use serde::Deserialize;
use tokio::sync::{broadcast, watch};
use tower_sessions::Session;
use tower_sessions::session::Id;

use app::auth::CurrentUser;
use app::auth::permissions::{Permission, allows};
use app::auth::ssr::session_store::RedisSessionStore;
use app::auth::ssr::user_of_session;
use app::state::AppState;

use super::{EntryId, Kind, Live, Published, entries_after};
use crate::prometheus::COUNTERS;

/// Keeps proxies (which close idle connections after ~60 s) from closing a quiet stream.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// An SSE comment: browsers ignore it.
const HEARTBEAT_FRAME: &[u8] = b":heartbeat\n\n";
/// Most entries replayed after a `Last-Event-ID`; older gaps are left to the chart's history.
const CATCH_UP_MAX: usize = 2000;

#[derive(Debug, Deserialize)]
pub struct LiveQuery {
    service: Option<String>,
    /// `alerts=only`: the firing-alert counts and no chart points (the header badge).
    alerts: Option<String>,
}

pub async fn stream(
    State(state): State<AppState>,
    Extension(live): Extension<Live>,
    user: Option<Extension<CurrentUser>>,
    session: Session,
    Query(query): Query<LiveQuery>,
    headers: HeaderMap,
) -> Response {
    // The gate already refused anyone else; this keeps the handler safe on its own.
    if user.is_none() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    // Subscribed before the catch-up read, so nothing falls between the two.
    let receiver = live.sender.subscribe();
    let mut backlog = VecDeque::new();
    let resume_after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(EntryId::parse);
    if let Some(after) = resume_after {
        match entries_after(&state.redis, after, CATCH_UP_MAX).await {
            Ok(missed) => backlog.extend(missed.into_iter().map(Arc::new)),
            Err(error) => tracing::warn!(%error, "live stream cannot catch up from Redis; following live points only"),
        }
    }
    let follow = Follow {
        backlog,
        receiver,
        last_sent: resume_after,
        service: query.service.filter(|s| !s.is_empty()),
        points: query.alerts.as_deref() != Some("only"),
        reads_alerts: user.as_ref().is_some_and(|u| allows(u.role, Permission::ReadAlerts)),
        recheck: tokio::time::interval_at(tokio::time::Instant::now() + live.recheck, live.recheck),
        heartbeat: tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT),
        stopping: live.stopping.subscribe(),
        state,
        session_id: session.id(),
        _open: OpenStream::new(),
    };
    let mut response = Response::new(Body::from_stream(events(follow)));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // nginx buffers responses unless told otherwise.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// Counts the stream as open for its lifetime.
struct OpenStream;

impl OpenStream {
    fn new() -> OpenStream {
        COUNTERS.live_stream_opened();
        OpenStream
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        COUNTERS.live_stream_closed();
    }
}

struct Follow {
    backlog: VecDeque<Arc<Published>>,
    receiver: broadcast::Receiver<Arc<Published>>,
    last_sent: Option<EntryId>,
    service: Option<String>,
    /// Whether chart points are wanted (not by the header badge).
    points: bool,
    /// Whether alert counts may be sent.
    reads_alerts: bool,
    recheck: tokio::time::Interval,
    heartbeat: tokio::time::Interval,
    stopping: watch::Receiver<bool>,
    state: AppState,
    session_id: Option<Id>,
    _open: OpenStream,
}

impl Follow {
    /// The next event to send (marking it sent), or `None` when it is not
    /// wanted. The frame is shared: sending it to one more browser costs a
    /// reference count, not a copy.
    fn take(&mut self, point: &Published) -> Option<Bytes> {
        if self.last_sent.is_some_and(|sent| point.id <= sent) {
            return None;
        }
        self.last_sent = Some(point.id);
        let wanted = match &point.kind {
            Kind::Alerts => self.reads_alerts,
            Kind::Point { service } => self.points && self.service.as_deref().is_none_or(|wanted| wanted == service),
        };
        if !wanted {
            return None;
        }
        COUNTERS.live_event_sent();
        Some(point.frame.clone())
    }

    /// Whether the session still belongs to an enabled user who may watch.
    async fn still_allowed(&self) -> bool {
        let Some(id) = self.session_id else { return false };
        let session = Session::new(
            Some(id),
            Arc::new(RedisSessionStore::new(self.state.redis.clone())),
            None,
        );
        match user_of_session(&self.state, &session).await {
            Ok(Some(user)) => allows(user.role, Permission::ViewDashboards),
            Ok(None) => false,
            // Fail closed, as the gate does: the browser reconnects through the gate.
            Err(error) => {
                tracing::warn!(%error, "could not re-check a live stream's session; ending it");
                false
            }
        }
    }
}

fn events(follow: Follow) -> impl Stream<Item = Result<Bytes, Infallible>> {
    futures::stream::unfold(follow, |mut follow| async move {
        loop {
            if *follow.stopping.borrow() {
                return None;
            }
            if let Some(point) = follow.backlog.pop_front() {
                if let Some(event) = follow.take(&point) {
                    return Some((Ok(event), follow));
                }
                continue;
            }
            tokio::select! {
                biased;
                changed = follow.stopping.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                }
                _ = follow.heartbeat.tick() => {
                    return Some((Ok(Bytes::from_static(HEARTBEAT_FRAME)), follow));
                }
                _ = follow.recheck.tick() => {
                    if !follow.still_allowed().await {
                        return None;
                    }
                }
                received = follow.receiver.recv() => match received {
                    Ok(point) => {
                        if let Some(event) = follow.take(&point) {
                            return Some((Ok(event), follow));
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        COUNTERS.live_stream_dropped_slow();
                        tracing::info!(missed, "ending a live stream that fell behind; the browser resumes with Last-Event-ID");
                        return None;
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            }
        }
    })
}
