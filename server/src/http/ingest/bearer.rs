//! The machine APIs' own authentication (the gate lets `/api/v1/ingest` and
//! `/api/v1/deployments` through without a session): the bearer API key and
//! its rate limit.

use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use app::api_keys::Scope;
use app::api_keys::ssr::secret::{KeyRefusal, StoredKey, check, prefix_of};
use app::api_keys::ssr::{find_for_bearer, needs_touch, touch_last_used};
use app::audit::Outcome;
use app::audit::ssr::refusals::Verdict;
use app::audit::ssr::{Actor, NewAuditEntry};
use app::auth::ssr::client_info_from;
use app::state::AppState;

/// The key a request was authenticated with.
pub struct Authenticated {
    pub id: i64,
    pub name: String,
    /// The key's public id part (`odk_<prefix>_…`).
    pub prefix: String,
    /// The error project a key with the `errors` scope is bound to.
    pub error_project_id: Option<i32>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The bearer key of `parts`, if it is genuine, live and allowed `needed`;
/// otherwise the 401/403 answer (with its audit entry).
pub async fn authenticate(state: &AppState, parts: &Parts, needed: Scope) -> Result<Authenticated, Response> {
    authenticate_presented(state, parts, presented(parts), needed).await
}

/// The key in `Authorization: Bearer …`, if any.
pub fn presented(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim().to_string())
}

/// [`authenticate`] for a key a door found elsewhere than in `Authorization`
/// (Sentry SDKs send it in `X-Sentry-Auth` or `?sentry_key=`).
pub async fn authenticate_presented(
    state: &AppState,
    parts: &Parts,
    presented: Option<String>,
    needed: Scope,
) -> Result<Authenticated, Response> {
    let Some(presented) = presented else {
        return Err(refuse(state, parts, KeyRefusal::Missing, None, needed).await);
    };
    // A malformed key cannot match any row; skip the query.
    let stored = match prefix_of(&presented) {
        None => None,
        Some(prefix) => {
            let found = async {
                let mut conn = state.db.acquire().await?;
                find_for_bearer(&mut conn, prefix).await
            }
            .await;
            match found {
                Ok(stored) => stored,
                Err(error) => {
                    tracing::error!(%error, "could not look up an API key");
                    return Err(unavailable());
                }
            }
        }
    };
    if let Err(refusal) = check(stored.as_ref(), &presented, needed, chrono::Utc::now()) {
        let known = stored.as_ref().filter(|_| refusal != KeyRefusal::Unknown);
        return Err(refuse(state, parts, refusal, known, needed).await);
    }
    let Some(stored) = stored else {
        return Err(unavailable());
    };
    let touched = async {
        if needs_touch(stored.last_used_at, chrono::Utc::now()) {
            let mut conn = state.db.acquire().await?;
            touch_last_used(&mut conn, stored.id).await?;
        }
        Ok::<(), sqlx::Error>(())
    }
    .await;
    if let Err(error) = touched {
        tracing::warn!(%error, api_key = stored.id, "could not record an API key's last use");
    }
    Ok(Authenticated {
        id: stored.id,
        prefix: prefix_of(&presented).unwrap_or_default().to_string(),
        name: stored.name,
        error_project_id: stored.error_project_id,
        expires_at: stored.expires_at,
    })
}

fn unavailable() -> Response {
    let body = json!({ "error": "the API is unavailable right now; retry shortly" }).to_string();
    let mut response = Response::new(body.into());
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// Audits the refusal (like the gate does for sessions) and answers it.
/// `known` is the key when it was genuine (revoked, expired, wrong scope).
pub async fn refuse(
    state: &AppState,
    parts: &Parts,
    refusal: KeyRefusal,
    known: Option<&StoredKey>,
    needed: Scope,
) -> Response {
    let reason = match refusal {
        KeyRefusal::Missing => "no API key",
        KeyRefusal::Unknown => "unknown API key",
        KeyRefusal::Revoked => "revoked API key",
        KeyRefusal::Expired => "expired API key",
        KeyRefusal::WrongScope => "API key lacks the scope",
        KeyRefusal::WrongProject => "API key of another error project",
    };
    let after = json!({ "reason": reason, "api_key": known.map(|key| json!({ "id": key.id, "name": key.name })) });
    let entry = NewAuditEntry::new(
        Actor::default(),
        "access.denied",
        Outcome::Denied,
        client_info_from(parts),
    )
    .target("path", parts.uri.path())
    .change(None, Some(after));
    if let Verdict::TooMany { retry_after } = app::audit::ssr::refusals::record(state, entry).await {
        let mut response = Response::new(
            json!({ "error": "Too many refused requests; try again later" })
                .to_string()
                .into(),
        );
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        return response;
    }
    let (status, challenge) = match refusal {
        KeyRefusal::WrongScope | KeyRefusal::WrongProject => (
            StatusCode::FORBIDDEN,
            format!("Bearer error=\"insufficient_scope\", scope=\"{}\"", needed.as_str()),
        ),
        KeyRefusal::Missing => (StatusCode::UNAUTHORIZED, "Bearer realm=\"opsdeck\"".to_string()),
        _ => (
            StatusCode::UNAUTHORIZED,
            "Bearer realm=\"opsdeck\", error=\"invalid_token\"".to_string(),
        ),
    };
    let body = json!({ "error": refusal.message() }).to_string();
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// Seconds to wait when the key has used up this minute's requests.
///
/// A fixed window in Redis (INCR, with EXPIRE NX starting the window at the
/// first request). Redis holds only what may be lost: if it cannot be
/// reached the limit is not enforced (and a warning logged) rather than
/// refusing data Postgres could store.
pub async fn rate_limited(state: &AppState, key_id: i64) -> Option<u64> {
    let key = state.redis.key(&format!("ingest-rate:{key_id}"));
    let counted = async {
        let mut conn = state.redis.connection().await?;
        let (count, ttl): (u64, i64) = redis::pipe()
            .incr(&key, 1)
            .cmd("EXPIRE")
            .arg(&key)
            .arg(60)
            .arg("NX")
            .ignore()
            .ttl(&key)
            .query_async(&mut conn)
            .await?;
        redis::RedisResult::Ok((count, ttl))
    }
    .await;
    match counted {
        Ok((count, ttl)) if count > u64::from(state.ingest.rate_per_min) => {
            Some(u64::try_from(ttl).unwrap_or(60).max(1))
        }
        Ok(_) => None,
        Err(error) => {
            tracing::warn!(%error, "ingest rate limit not enforced: Redis unavailable");
            None
        }
    }
}

/// `Err` with the JSON `429` (and `Retry-After`) the JSON doors answer when
/// the key has used up this minute's requests ([`rate_limited`]).
pub async fn within_rate(state: &AppState, key_id: i64) -> Result<(), Response> {
    let Some(retry_after) = rate_limited(state, key_id).await else {
        return Ok(());
    };
    let message = format!(
        "rate limit of {} requests per minute reached",
        state.ingest.rate_per_min
    );
    let mut response = crate::http::json_answer(StatusCode::TOO_MANY_REQUESTS, json!({ "error": message }));
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    Err(response)
}
