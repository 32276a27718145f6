//! How long browsers keep what Opsdeck sends, and compression on the wire.
//!
//! - Files whose name (or `?v=`) changes with their content
//!   (`app::site_assets`): `public, max-age=31536000, immutable`, so a
//!   repeat visit asks for none of them.
//! - Other static files and HTML pages: `no-cache` (kept, but revalidated
//!   before use). A page a signed-in user sees already says `no-store`
//!   (the gate), which wins.
//! - Static files are sent precompressed when the site holds `.br`/`.gz`
//!   siblings (a release build, `cargo leptos build --release --precompress`);
//!   HTML, JSON, CSV and the rest are compressed on the fly
//!   ([`compression`]), except event streams (a compressor would hold live
//!   events back until its buffer fills) and bodies already compressed.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};

use app::state::AppState;

pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const REVALIDATE: &str = "no-cache";

pub async fn cache_control(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let immutable = state.assets.is_immutable(request.uri().path(), request.uri().query());
    let mut response = next.run(request).await;
    let status = response.status();
    let headers = response.headers_mut();
    if headers.contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let is_static = headers.contains_key(header::LAST_MODIFIED);
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if immutable
        && matches!(
            status,
            StatusCode::OK | StatusCode::NOT_MODIFIED | StatusCode::PARTIAL_CONTENT
        )
    {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    } else if is_html || is_static {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    }
    if is_static && !headers.contains_key(header::VARY) {
        // The same URL is sent brotli, gzip or plain as the browser asks.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Brotli or gzip as the client asks, at a level cheap enough to run on
/// every page (quality 4: ~5× faster than brotli's maximum for a few
/// percent more bytes); never for event streams, images, gRPC, bodies
/// under 256 bytes or what is already compressed (backup downloads).
pub fn compression() -> CompressionLayer<impl Predicate> {
    let predicate = SizeAbove::new(256)
        .and(NotForContentType::SSE)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::const_new("application/octet-stream"))
        .and(NotForContentType::const_new("application/gzip"))
        .and(NotForContentType::const_new("application/wasm"));
    CompressionLayer::new()
        .br(true)
        .gzip(true)
        .quality(CompressionLevel::Precise(4))
        .compress_when(predicate)
}
