//! The gate: every request passes here before any page, server function or
//! HTTP route runs. It attaches the signed-in user (if any) and enforces the
//! access the endpoint table (`app::auth::endpoints`) gives the path.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use tower_sessions::Session;

use app::audit::ssr::refusals::Verdict;
use app::auth::CurrentUser;
use app::auth::endpoints::{Access, access_or_default};
use app::auth::permissions::allows;
use app::auth::ssr::sign_in::user_of_session;
use app::auth::ssr::{client_info_from, record_denial, record_sign_in_redirect};
use app::site_assets::SiteAssets;
use app::state::AppState;
use app::theme::Theme;

pub async fn gate(State(state): State<AppState>, session: Session, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let access = access_or_default(&path);
    if matches!(access, Some(Access::Public)) && !needs_user(&path) {
        return next.run(request).await;
    }
    let user = match user_of_session(&state, &session).await {
        Ok(user) => user,
        // Fail closed, but honestly: the session could not be read (Redis or
        // Postgres trouble, or a pool exhausted under load), so say "try
        // again" rather than "you are signed out" — a 401 would end live
        // streams for good and send people to the sign-in page. Public paths
        // too (whoami, the sign-in page): answered as anonymous, the session
        // layer would fail to save the session afterwards and send an empty
        // 500.
        Err(error) => {
            tracing::warn!(%error, %path, "could not load the session; answering 503");
            return unavailable(&path);
        }
    };
    let (mut parts, body) = request.into_parts();
    let refusal = match (access, &user) {
        (None, _) => Some(Refusal::NoSuchEndpoint),
        (Some(Access::Public), _) => None,
        (Some(_), None) => Some(Refusal::NotSignedIn),
        (Some(Access::SignedIn), Some(_)) => None,
        (Some(Access::Requires(permission)), Some(user)) => {
            (!allows(user.role, permission)).then_some(Refusal::Forbidden)
        }
    };
    let is_page = !path.starts_with("/api/") && parts.method == Method::GET;
    match refusal {
        None => {
            let signed_in = user.is_some();
            if let Some(user) = user {
                parts.extensions.insert(user);
            }
            let mut response = next.run(Request::from_parts(parts, body)).await;
            // What a signed-in user sees must not outlive the session in a
            // cache (a shared computer's back button after sign-out).
            if signed_in {
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
            response
        }
        Some(Refusal::NotSignedIn) if is_page => {
            let verdict = record_sign_in_redirect(&state, client_info_from(&parts)).await;
            if let Verdict::TooMany { retry_after } = verdict {
                return too_many(retry_after);
            }
            let wanted = parts.uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
            Redirect::to(&format!("/login?next={}", app::url::percent_encode(wanted))).into_response()
        }
        Some(refusal) => {
            if refusal != Refusal::NoSuchEndpoint {
                let verdict = record_denial(&state, user.as_ref(), &path, client_info_from(&parts)).await;
                if let Verdict::TooMany { retry_after } = verdict {
                    return too_many(retry_after);
                }
            }
            let theme = parts
                .headers
                .get(header::COOKIE)
                .and_then(|value| value.to_str().ok())
                .map(Theme::from_cookie_header)
                .unwrap_or_default();
            refusal.response(is_page, user.as_ref(), theme, &state.assets)
        }
    }
}

/// 429 for an anonymous client refused too often (its refusals are still counted).
fn too_many(retry_after: u64) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, retry_after.to_string())],
        axum::Json(serde_json::json!({ "error": "Too many refused requests; try again later" })),
    )
        .into_response()
}

/// 503 with `Retry-After` when the session store or the database is unreachable.
fn unavailable(path: &str) -> Response {
    let message = "Opsdeck cannot reach its session store or database right now; try again in a few seconds.";
    let retry = [(header::RETRY_AFTER, "5")];
    if path.starts_with("/api/") {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            retry,
            axum::Json(serde_json::json!({ "Unavailable": message })),
        )
            .into_response()
    } else {
        let page = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Unavailable · Opsdeck</title></head>\
             <body><h1>Temporarily unavailable</h1><p>{message}</p></body></html>"
        );
        (StatusCode::SERVICE_UNAVAILABLE, retry, Html(page)).into_response()
    }
}

/// Public paths that still want to know who is asking.
fn needs_user(path: &str) -> bool {
    path == "/login" || path.starts_with("/api/auth/")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    NotSignedIn,
    Forbidden,
    NoSuchEndpoint,
}

impl Refusal {
    fn response(self, is_page: bool, user: Option<&CurrentUser>, theme: Theme, assets: &SiteAssets) -> Response {
        let (status, message) = match self {
            Refusal::NotSignedIn => (StatusCode::UNAUTHORIZED, "Please sign in"),
            Refusal::Forbidden => (StatusCode::FORBIDDEN, "You do not have permission to do this"),
            Refusal::NoSuchEndpoint => (StatusCode::NOT_FOUND, "Not found"),
        };
        if is_page && self == Refusal::Forbidden {
            let role = user.map(|u| u.role.as_str()).unwrap_or("none");
            return (status, Html(forbidden_page(role, theme, assets))).into_response();
        }
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({ "error": message }).to_string(),
        )
            .into_response()
    }
}

/// The 403 page, in the theme the reader chose (the same `data-theme` the app's pages carry).
fn forbidden_page(role: &str, theme: Theme, assets: &SiteAssets) -> String {
    let data_theme = match theme {
        Theme::System => String::new(),
        chosen => format!(" data-theme=\"{}\"", chosen.as_str()),
    };
    format!(
        "<!DOCTYPE html><html lang=\"en\"{data_theme}><head><meta charset=\"utf-8\">\
         <meta name=\"color-scheme\" content=\"light dark\"><title>No access · Opsdeck</title>\
         <link rel=\"icon\" href=\"{favicon}\" type=\"image/svg+xml\">\
         <link rel=\"stylesheet\" href=\"{css}\"></head><body><main class=\"content\">\
         <h1>No access</h1><div class=\"empty-state\"><p>Your role ({role}) does not include this page.</p>\
         <p><a href=\"/\">Go to the Overview</a></p></div></main></body></html>",
        favicon = assets.favicon_href(),
        css = assets.css_href(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forbidden_page_keeps_the_chosen_theme() {
        let assets = SiteAssets::default();
        assert!(forbidden_page("viewer", Theme::Dark, &assets).contains("<html lang=\"en\" data-theme=\"dark\">"));
        assert!(forbidden_page("viewer", Theme::Light, &assets).contains("data-theme=\"light\""));
        assert!(forbidden_page("viewer", Theme::System, &assets).contains("<html lang=\"en\">"));
        assert!(forbidden_page("viewer", Theme::System, &assets).contains("href=\"/pkg/opsdeck.css\""));
    }
}
