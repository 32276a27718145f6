//! Who opens a live stream: what every live handler takes from the request
//! (the instance's [`Live`], the signed-in user, their session and the
//! headers carrying `Last-Event-ID`), extracted once.

use axum::Extension;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use app::auth::CurrentUser;

use super::Live;

pub struct Viewer {
    pub live: Live,
    pub user: CurrentUser,
    pub session: Session,
    pub headers: HeaderMap,
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Viewer, Response> {
        // The gate already refused anyone else; this keeps the handlers safe on their own.
        let user = parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or_else(|| StatusCode::UNAUTHORIZED.into_response())?;
        let Extension(live) = Extension::<Live>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Viewer {
            live,
            user,
            session,
            headers: parts.headers.clone(),
        })
    }
}
