//! The HTTP router: plain HTTP routes (health) beside the Leptos pages and
//! server functions, which all receive the same `AppState`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::trace::TraceLayer;

use app::health::{Readiness, Status};
use app::state::AppState;
use app::{App, shell};

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Liveness: answers as long as the process serves HTTP; checks nothing else.
async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "up" }))
}

/// Readiness: 200 while usable (`up` or `degraded`), 503 when a required service is down.
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let readiness = app::health::ssr::check_all(&state).await;
    let code = match readiness.status {
        Status::Down => StatusCode::SERVICE_UNAVAILABLE,
        Status::Up | Status::Degraded => StatusCode::OK,
    };
    (code, Json(readiness))
}
