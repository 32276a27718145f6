//! `POST /api/v1/alerts/import`: the import page's form (a pasted rules file
//! or an uploaded one, as multipart form data). The text is kept as a draft
//! (`app::alerts::ssr::import_drafts`) and the browser is sent to
//! `/alerts/rules/import?draft=<id>`, which previews it; a POST, so a file
//! of up to 1 MiB never has to fit in a URL, and a plain form, so it works
//! without JavaScript.

use axum::Extension;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Redirect, Response};

use app::alerts::ssr::import_drafts::{MAX_IMPORT_BYTES, store};
use app::auth::CurrentUser;
use app::auth::permissions::Permission;
use app::error::AppError;
use app::state::AppState;
use app::url::percent_encode;

/// The body limit of the route: the largest file plus room for the form's
/// other part and the multipart framing.
pub fn body_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(2 * MAX_IMPORT_BYTES + 64 * 1024)
}

const TOO_LARGE: &str = "The file is larger than 1 MiB";

pub async fn post_import(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    // The gate has already refused anyone without `EditAlertRules`.
    let user = match super::permitted(user, Permission::EditAlertRules) {
        Ok(user) => user,
        Err(refused) => return refused.status().into_response(),
    };
    let text = match form {
        Ok(form) => read_file(form).await,
        Err(_) => Err("Send the form as multipart/form-data".to_string()),
    };
    let stored = match text {
        Ok(text) => store(&state.redis, user.id, &text).await.map_err(|e| match e {
            AppError::Validation { message, .. } => message,
            other => other.to_string(),
        }),
        Err(message) => Err(message),
    };
    match stored {
        Ok(draft) => Redirect::to(&format!("/alerts/rules/import?draft={draft}")).into_response(),
        Err(message) => {
            Redirect::to(&format!("/alerts/rules/import?problem={}", percent_encode(&message))).into_response()
        }
    }
}

/// The uploaded file when one was chosen, else the pasted text; line breaks
/// as `\n` (browsers send a textarea's as CRLF).
async fn read_file(mut form: Multipart) -> Result<String, String> {
    let mut pasted = String::new();
    let mut uploaded = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => return Err(TOO_LARGE.into()),
            Err(_) => return Err("The upload could not be read; try again".into()),
        };
        let name = field.name().unwrap_or_default().to_string();
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => return Err(TOO_LARGE.into()),
            Err(_) => return Err("The upload could not be read; try again".into()),
        };
        if bytes.len() > MAX_IMPORT_BYTES {
            return Err(TOO_LARGE.into());
        }
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| "The file is not UTF-8 text".to_string())?;
        match name.as_str() {
            "yaml" => pasted = text,
            "file" if !text.is_empty() => uploaded = Some(text),
            _ => {}
        }
    }
    let text = uploaded.unwrap_or(pasted).replace("\r\n", "\n");
    if text.trim().is_empty() {
        return Err("Paste a rules file or choose one to upload".into());
    }
    Ok(text)
}
