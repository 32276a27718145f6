//! `GET /api/v1/live[?service=<name>]`: the live points as Server-Sent
//! Events (`event: point`, `id: <stream entry id>`, `data: <LivePoint JSON>`).
//!
//! The gate admits only signed-in users with `ViewDashboards`. `service` is
//! optional: without it the stream carries every service. With a
//! `Last-Event-ID` header the stream first replays what came after that id
//! (from the Redis stream), then follows live points, skipping any it has
//! already sent, so a reconnecting chart has no gap.
//!
//! One user may hold `OPSDECK_LIVE_STREAMS_PER_USER` streams open on one
//! instance; more are refused with 429 (each is a connection, and the
//! connections are capped for everyone).
//!
//! Every stream gets the instance's shared heartbeat, an SSE comment every
//! 15 s, so proxies do not close a quiet stream.
//!
//! A stream ends when the browser falls more than the broadcast's capacity
//! behind (the others never wait for it; `EventSource` reconnects with
//! `Last-Event-ID` and catches up from Redis), when the viewer's session
//! ends or the user is disabled (re-checked every `OPSDECK_LIVE_RECHECK_SECS`),
//! and when the server stops.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::{FutureExt, Stream, StreamExt};
use serde::Deserialize;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tower_sessions::Session;
use tower_sessions::session::Id;

use app::auth::permissions::{Permission, allows};
use app::auth::ssr::session_store::RedisSessionStore;
use app::auth::ssr::sign_in::user_of_session;
use app::logs::query::Query as LogQuery;
use app::state::AppState;

use super::viewer::Viewer;
use super::{EntryId, Kind, Message, Published, entries_after};
use crate::prometheus::COUNTERS;

/// What a heartbeat sends: an SSE comment, which browsers ignore.
const HEARTBEAT_FRAME: &[u8] = b":heartbeat\n\n";
/// Most entries replayed after a `Last-Event-ID`; older gaps are left to the chart's history.
const CATCH_UP_MAX: usize = 2000;
/// Most bytes one write to a browser carries (frames already waiting go together).
const BATCH_MAX: usize = 64 * 1024;

#[derive(Debug, Deserialize)]
pub struct LiveQuery {
    service: Option<String>,
    /// `alerts=only`: the firing-alert counts and no chart points (the header badge).
    alerts: Option<String>,
    /// `errors=only`: the error issues that get events, and nothing else
    /// (the Errors page; sent only to readers of errors).
    errors: Option<String>,
    /// `stores=only`: the data stores' samples only (the Data stores page, for those who may see it).
    stores: Option<String>,
}

pub async fn stream(State(state): State<AppState>, viewer: Viewer, Query(query): Query<LiveQuery>) -> Response {
    let only = |wanted: &Option<String>| wanted.as_deref() == Some("only");
    let (alerts_only, errors_only, stores_only) = (only(&query.alerts), only(&query.errors), only(&query.stores));
    let filter = Filter {
        last_sent: None,
        service: query.service.filter(|s| !s.is_empty()),
        points: !alerts_only && !errors_only && !stores_only,
        reads_alerts: !errors_only && !stores_only && allows(viewer.user.role, Permission::ReadAlerts),
        issues: errors_only && allows(viewer.user.role, Permission::ReadErrors),
        stores: stores_only && allows(viewer.user.role, Permission::ViewDataStores),
        logs: None,
    };
    let receiver = viewer.live.subscribe();
    open(Opening {
        state,
        viewer,
        receiver,
        stream: super::STREAM,
        filter,
        permission: Permission::ViewDashboards,
    })
    .await
}

/// What one stream is opened with (the points' or the log lines').
pub(super) struct Opening {
    pub state: AppState,
    pub viewer: Viewer,
    /// Taken before the catch-up read, so nothing falls between the two.
    pub receiver: Option<tokio::sync::broadcast::Receiver<Message>>,
    /// The Redis stream a `Last-Event-ID` resumes from.
    pub stream: &'static str,
    pub filter: Filter,
    /// What the viewer's session must still allow, re-checked while open.
    pub permission: Permission,
}

/// Admits the stream (per-user cap), replays what came after `Last-Event-ID`,
/// and answers with the event stream.
pub(super) async fn open(opening: Opening) -> Response {
    let Opening {
        state,
        viewer: Viewer {
            live,
            user,
            session,
            headers,
        },
        receiver,
        stream,
        mut filter,
        permission,
    } = opening;
    let Some(place) = live.admit(user.id) else {
        let mut refused = (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many live views open for this account; close some tabs",
        )
            .into_response();
        refused
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
        return refused;
    };
    let Some(receiver) = receiver else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let mut backlog = VecDeque::new();
    let resume_after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(EntryId::parse);
    if let Some(after) = resume_after {
        match entries_after(&state.redis, stream, after, CATCH_UP_MAX).await {
            Ok(missed) => backlog.extend(missed.into_iter().map(|entry| Message::Entry(Arc::new(entry)))),
            Err(error) => tracing::warn!(%error, "live stream cannot catch up from Redis; following live entries only"),
        }
    }
    filter.last_sent = resume_after;
    let events = Events {
        backlog,
        receiver: BroadcastStream::new(receiver),
        filter,
        recheck: tokio::time::interval_at(tokio::time::Instant::now() + live.recheck, live.recheck),
        checking: None,
        state,
        session_id: session.id(),
        permission,
        ended: false,
        _open: OpenStream::new(),
        _place: place,
    };
    let mut response = Response::new(Body::from_stream(events));
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

/// What one stream wants, and where it is.
pub(super) struct Filter {
    pub last_sent: Option<EntryId>,
    pub service: Option<String>,
    /// Whether chart points are wanted (not by the header badge).
    pub points: bool,
    /// Whether alert counts may be sent.
    pub reads_alerts: bool,
    /// Whether error issues' updates are wanted (and may be sent).
    pub issues: bool,
    /// Whether the data stores' samples are wanted (and may be sent).
    pub stores: bool,
    /// A log tail: the lines this query matches (and nothing else).
    pub logs: Option<LogQuery>,
}

/// What a stream does with one message.
#[derive(Debug, PartialEq)]
enum Step {
    Send(Bytes),
    Skip,
    End,
}

impl Filter {
    /// The frame to send for `message`, marking an entry sent. The frame is
    /// shared: sending it to one more browser costs a reference count, not a copy.
    fn step(&mut self, message: &Message) -> Step {
        let entry = match message {
            Message::Stop => return Step::End,
            Message::Heartbeat => return Step::Send(Bytes::from_static(HEARTBEAT_FRAME)),
            Message::Entry(entry) => entry,
        };
        if self.last_sent.is_some_and(|sent| entry.id <= sent) {
            return Step::Skip;
        }
        self.last_sent = Some(entry.id);
        if self.wants(entry) {
            COUNTERS.live_event_sent();
            Step::Send(entry.frame.clone())
        } else {
            Step::Skip
        }
    }

    fn wants(&self, entry: &Published) -> bool {
        match (&entry.kind, &self.logs) {
            (Kind::Log(line), Some(query)) => query.matches(line),
            (_, Some(_)) | (Kind::Log(_), None) => false,
            (Kind::Alerts, None) => self.reads_alerts,
            (Kind::Issue { service }, None) => {
                self.issues && self.service.as_deref().is_none_or(|wanted| wanted == service)
            }
            (Kind::Samples { service }, None) => {
                self.stores && self.service.as_deref().is_none_or(|wanted| wanted == service)
            }
            (Kind::Point { service }, None) => {
                self.points && self.service.as_deref().is_none_or(|wanted| wanted == service)
            }
        }
    }
}

/// One browser's stream. Polled only by its connection: a new entry wakes
/// it through the broadcast, and the re-check interval is its one timer
/// (heartbeats and the stop come through the broadcast).
struct Events {
    /// Entries replayed after a `Last-Event-ID`, sent before live ones.
    backlog: VecDeque<Message>,
    receiver: BroadcastStream<Message>,
    filter: Filter,
    recheck: tokio::time::Interval,
    /// A session re-check in progress.
    checking: Option<BoxFuture<'static, bool>>,
    state: AppState,
    session_id: Option<Id>,
    permission: Permission,
    /// The stream ends after the batch being sent (a stop, or the browser fell behind).
    ended: bool,
    _open: OpenStream,
    _place: super::UserStream,
}

impl Events {
    /// Ready with `false` when the session no longer allows watching.
    fn poll_recheck(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        if self.checking.is_none() {
            std::task::ready!(self.recheck.poll_tick(cx));
        }
        let checking = self
            .checking
            .get_or_insert_with(|| still_allowed(self.state.clone(), self.session_id, self.permission).boxed());
        let allowed = std::task::ready!(checking.poll_unpin(cx));
        self.checking = None;
        Poll::Ready(allowed)
    }
}

impl Events {
    /// The next message: the backlog's, else the broadcast's; `None` when
    /// the stream must end (the browser fell behind, or the broadcast closed).
    fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        if let Some(message) = self.backlog.pop_front() {
            return Poll::Ready(Some(message));
        }
        match std::task::ready!(self.receiver.poll_next_unpin(cx)) {
            Some(Ok(message)) => Poll::Ready(Some(message)),
            Some(Err(BroadcastStreamRecvError::Lagged(missed))) => {
                COUNTERS.live_stream_dropped_slow();
                tracing::info!(
                    missed,
                    "ending a live stream that fell behind; the browser resumes with Last-Event-ID"
                );
                Poll::Ready(None)
            }
            None => Poll::Ready(None),
        }
    }
}

impl Stream for Events {
    type Item = Result<Bytes, Infallible>;

    /// Sends every frame already waiting in one write (up to [`BATCH_MAX`]
    /// bytes): under a burst of lines a tail costs one write per wake-up,
    /// not one per line.
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        if let Poll::Ready(false) = this.poll_recheck(cx) {
            return Poll::Ready(None);
        }
        let mut batch = Batch::default();
        loop {
            let message = match this.poll_message(cx) {
                Poll::Ready(Some(message)) => message,
                Poll::Ready(None) => {
                    this.ended = true;
                    break;
                }
                Poll::Pending => break,
            };
            match this.filter.step(&message) {
                Step::Send(frame) => {
                    if batch.push(frame) {
                        break;
                    }
                }
                Step::Skip => continue,
                Step::End => {
                    this.ended = true;
                    break;
                }
            }
        }
        match batch.take() {
            Some(bytes) => Poll::Ready(Some(Ok(bytes))),
            None if this.ended => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}

/// Frames gathered for one write.
#[derive(Default)]
struct Batch {
    frames: Vec<Bytes>,
    len: usize,
}

impl Batch {
    /// Adds a frame; `true` once the batch is full.
    fn push(&mut self, frame: Bytes) -> bool {
        self.len += frame.len();
        self.frames.push(frame);
        self.len >= BATCH_MAX
    }

    /// The frames as one buffer (a lone frame is not copied).
    fn take(self) -> Option<Bytes> {
        match self.frames.len() {
            0 => None,
            1 => self.frames.into_iter().next(),
            _ => {
                let mut joined = bytes::BytesMut::with_capacity(self.len);
                for frame in &self.frames {
                    joined.extend_from_slice(frame);
                }
                Some(joined.freeze())
            }
        }
    }
}

/// Whether the session still belongs to an enabled user who may watch.
async fn still_allowed(state: AppState, session_id: Option<Id>, permission: Permission) -> bool {
    let Some(id) = session_id else { return false };
    let session = Session::new(Some(id), Arc::new(RedisSessionStore::new(state.redis.clone())), None);
    match user_of_session(&state, &session).await {
        Ok(Some(user)) => allows(user.role, permission),
        Ok(None) => false,
        // Fail closed, as the gate does: the browser reconnects through the gate.
        Err(error) => {
            tracing::warn!(%error, "could not re-check a live stream's session; ending it");
            false
        }
    }
}

#[cfg(test)]
mod tests;
