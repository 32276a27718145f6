//! The HTTP router: plain HTTP routes (health) beside the Leptos pages and
//! server functions, which all receive the same `AppState`.

use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware;
use axum::routing::{get, patch, post};
use leptos::nonce::Nonce;
use tower_http::request_id::{MakeRequestUuid, SetRequestIdLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use app::auth::ssr::session_store::RedisSessionStore;

use crate::http::caching::{cache_control, compression};
use crate::http::gate::gate;
use crate::http::security::{CspNonce, security};
use axum::{Json, Router};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::trace::TraceLayer;

use app::health::{Readiness, Status};
use app::state::AppState;
use app::{App, shell};

pub fn router(
    state: AppState,
    live: crate::http::live::Live,
    publisher: crate::http::live::Publisher,
    recorder: crate::workers::self_monitor::Recorder,
    failures: tokio::sync::mpsc::Sender<crate::workers::own_errors::OwnFailure>,
) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            // Leptos's inline scripts carry the nonce the CSP header announces.
            if let Some(nonce) = use_context::<Parts>().and_then(|parts| parts.extensions.get::<CspNonce>().cloned()) {
                provide_context(Nonce::from_value(nonce.0));
            }
        }
    };
    let sessions = SessionManagerLayer::new(RedisSessionStore::new(state.redis.clone()))
        .with_name("opsdeck_session")
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(state.secure_cookies)
        .with_path("/")
        // Saved when changed; `sign_in::keep_alive` changes it often enough to keep it alive.
        .with_always_save(false)
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
            i64::try_from(state.auth.idle_timeout_secs).unwrap_or(1800),
        )));
    // Error envelopes arriving together share a transaction (errors::group).
    let errors = axum::Extension(crate::http::errors::group::spawn(state.clone()));
    let router = Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/api/v1/audit/export.csv", get(crate::http::audit_export::export_csv))
        .route("/reports/export.csv", get(crate::http::report_export::export_csv))
        .route("/api/v1/alerts/rules.yaml", get(crate::http::rule_files::export_yaml))
        .route(
            "/api/v1/alerts/import",
            post(crate::http::rule_import::post_import).layer(crate::http::rule_import::body_limit()),
        )
        .route(
            "/api/v1/ingest",
            post(crate::http::ingest::ingest).layer((
                DefaultBodyLimit::max(state.ingest.max_body_bytes),
                axum::Extension(publisher.clone()),
            )),
        )
        // Trace spans over OTLP/HTTP (the ingest scope's key); server spans are request events.
        .route(
            "/v1/traces",
            post(crate::http::otlp::traces::export).layer((
                DefaultBodyLimit::max(state.ingest.max_body_bytes),
                axum::Extension(publisher),
            )),
        )
        // Metric points over OTLP/HTTP (the ingest scope's key).
        .route(
            "/v1/metrics",
            post(crate::http::otlp::metrics::export).layer(DefaultBodyLimit::max(state.ingest.max_body_bytes)),
        )
        // Log lines: OTLP/HTTP and NDJSON; the handlers check the bearer key.
        .route(
            "/v1/logs",
            post(crate::http::otlp::logs::export).layer(DefaultBodyLimit::max(state.logs.max_body_bytes)),
        )
        .route(
            "/api/v1/logs",
            post(crate::http::ndjson_logs::ingest).layer(DefaultBodyLimit::max(state.logs.max_body_bytes)),
        )
        // Sentry SDKs' error events; the handlers check the DSN's key.
        // Browser SDKs post from other origins: CORS on these two only (errors::cors).
        .route(
            "/api/{project}/envelope/",
            post(crate::http::errors::envelope).options(preflight).layer((
                DefaultBodyLimit::max(state.errors.max_envelope_bytes),
                middleware::from_fn(crate::http::errors::cors::cors),
                errors.clone(),
            )),
        )
        .route(
            "/api/{project}/store/",
            post(crate::http::errors::store_event).options(preflight).layer((
                DefaultBodyLimit::max(state.errors.max_envelope_bytes),
                middleware::from_fn(crate::http::errors::cors::cors),
                errors.clone(),
            )),
        )
        // Opsdeck's own JSON for error events; the handler checks the bearer key.
        .route(
            "/api/v1/errors",
            post(crate::http::errors::json::ingest)
                .layer((DefaultBodyLimit::max(state.errors.max_envelope_bytes), errors)),
        )
        .route(
            "/api/v1/deployments",
            post(crate::http::deployments::create)
                .layer(DefaultBodyLimit::max(crate::http::deployments::MAX_BODY_BYTES)),
        )
        .route(
            "/api/v1/deployments/{id}",
            patch(crate::http::deployments::finish_one)
                .layer(DefaultBodyLimit::max(crate::http::deployments::MAX_BODY_BYTES)),
        )
        .route("/api/v1/openapi.json", get(crate::http::ingest::openapi))
        .route("/api/v1/backups/download", get(crate::http::backup_download::download))
        .route(
            "/api/v1/live",
            get(crate::http::live::stream).layer(axum::Extension(live.clone())),
        )
        .route(
            "/api/v1/logs/tail",
            get(crate::http::live::logs_tail).layer(axum::Extension(live)),
        )
        .route("/metrics", get(crate::prometheus::metrics))
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            context, shell,
        ))
        // Inside the gate: only requests it lets through are read; sizes and
        // NULs are refused before a refused plain form is echoed back.
        .layer(middleware::from_fn(crate::http::form_echo::form_echo))
        .layer(middleware::from_fn(crate::http::filter_query::without_empty_parameters))
        .layer(middleware::from_fn(crate::http::fn_requests::check))
        .layer(middleware::from_fn_with_state(state.clone(), gate))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(state.clone(), cache_control))
        .layer(middleware::from_fn_with_state(state.clone(), security))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(TraceLayer::new_for_http())
        .layer(compression());
    // Panics caught and answered 500; those and every other 5xx recorded as
    // error events of service `opsdeck`.
    crate::http::own_failures::layer(router, failures)
        // Outermost, so refusals by the gate and the security layer count too.
        .layer(middleware::from_fn_with_state(
            recorder,
            crate::workers::self_monitor::record,
        ))
        .with_state(state)
}

/// A CORS preflight's answer (the `errors::cors` layer adds its headers).
async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// Liveness: answers as long as the process serves HTTP; checks nothing else.
async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "up" }))
}

/// Readiness: 200 while usable (`up` or `degraded`), 503 when a required service is down.
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let readiness = app::health::ssr::check_all(&state.db, &state.redis, state.health()).await;
    let code = match readiness.status {
        Status::Down => StatusCode::SERVICE_UNAVAILABLE,
        Status::Up | Status::Degraded => StatusCode::OK,
    };
    (code, Json(readiness))
}
