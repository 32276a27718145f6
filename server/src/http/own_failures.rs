//! Opsdeck's own failures as error events of service `opsdeck`: a panic
//! inside a request (caught by tower-http's `CatchPanicLayer`, answered as
//! a plain 500 without the panic's text or a stack trace) and any other
//! 500 answer. The deliberate 5xx answers (503 with `Retry-After` while a
//! dependency is down or the pool is busy, the gateways' 502/504) are load
//! shedding, counted in `/metrics`, not faults: reporting each would flood
//! the store exactly when it is short of capacity. Each is handed to this instance's bounded channel with
//! `try_send`, never waiting: a full channel drops it (counted,
//! `opsdeck_own_errors_dropped_total`). The `own_errors` worker stores
//! them through the errors area's one path.

use std::any::Any;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tokio::sync::mpsc;
use tower_http::catch_panic::CatchPanicLayer;

use crate::prometheus::COUNTERS;
use crate::workers::own_errors::OwnFailure;

/// The panic's message, carried on its 500 from the catch to the report.
#[derive(Clone, Debug)]
struct PanicMessage(String);

/// `router` with its panics caught and its failures reported to `failures`.
pub fn layer<S: Clone + Send + Sync + 'static>(router: Router<S>, failures: mpsc::Sender<OwnFailure>) -> Router<S> {
    router
        .layer(CatchPanicLayer::custom(answer_panic))
        .layer(middleware::from_fn_with_state(failures, report))
}

/// The 500 a panicking request gets: no text of the panic (it may hold
/// data), only that it failed and was recorded.
fn answer_panic(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|text| (*text).to_string()))
        .unwrap_or_else(|| "a panic without a message".to_string());
    let mut response = Response::new(Body::from(
        "Internal Server Error: the request failed and the failure was recorded.\n",
    ));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response.extensions_mut().insert(PanicMessage(message));
    response
}

async fn report(State(failures): State<mpsc::Sender<OwnFailure>>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_string(),
        |matched| matched.as_str().to_string(),
    );
    let mut response = next.run(request).await;
    let status = response.status();
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        let panic = response.extensions_mut().remove::<PanicMessage>().map(|panic| panic.0);
        let failure = OwnFailure {
            at: chrono::Utc::now(),
            method,
            route,
            status: status.as_u16(),
            panic,
        };
        if failures.try_send(failure).is_err() {
            COUNTERS.own_error_dropped();
        }
    }
    response
}
