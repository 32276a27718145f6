//! The deployments API, for CI: `POST /api/v1/deployments` records a
//! deployment, `PATCH /api/v1/deployments/{id}` finishes a started one.
//! Both need an API key with the `deployments:write` scope.
//!
//! Checks run cheapest first, as for ingest: bearer key (401/403, audited),
//! rate limit (429, shared with the key's ingest requests), content type
//! (415), body size (413), then the fields (400, naming the field). Unlike
//! ingest batches, every recorded or finished deployment is a change to
//! Opsdeck's records and is audited, naming the API key.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::Utc;
use serde_json::{Value, json};

use app::api_keys::Scope;
use app::audit::ssr::{Actor, ClientInfo};
use app::auth::ssr::client_info_from;
use app::deployments::ssr::RecordedBy;
use app::deployments::ssr::record::{Finished, Recorder, finish, record};
use app::deployments::{DeploymentDraft, Finish, NewDeployment, Source};
use app::error::AppError;
use app::state::AppState;

use crate::http::ingest::bearer::{self, Authenticated};

/// Largest request body: a deployment record is a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The fields `POST` accepts.
const RECORD_FIELDS: [&str; 9] = [
    "service",
    "version",
    "environment",
    "commit",
    "status",
    "started_at",
    "finished_at",
    "deployed_by",
    "notes_url",
];
/// The fields `PATCH` accepts.
const FINISH_FIELDS: [&str; 3] = ["status", "finished_at", "notes_url"];

use super::json_answer as answer;

/// A 400 naming the field at fault (`null` when the body as a whole is wrong).
fn bad_request(message: &str, field: Option<&str>) -> Response {
    answer(StatusCode::BAD_REQUEST, json!({ "error": message, "field": field }))
}

pub async fn create(State(state): State<AppState>, request: Request) -> Response {
    let (key, client, body) = match admit(&state, request).await {
        Ok(admitted) => admitted,
        Err(response) => return response,
    };
    let draft = match fields(&body, &RECORD_FIELDS) {
        Ok(fields) => DeploymentDraft {
            service: fields.get("service").cloned(),
            version: fields.get("version").cloned(),
            environment: fields.get("environment").cloned(),
            commit: fields.get("commit").cloned(),
            status: fields.get("status").cloned(),
            started_at: fields.get("started_at").cloned(),
            finished_at: fields.get("finished_at").cloned(),
            deployed_by: fields.get("deployed_by").cloned(),
            notes_url: fields.get("notes_url").cloned(),
        },
        Err(refusal) => return field_refusal(refusal),
    };
    let new = match NewDeployment::parse(&draft, Utc::now()) {
        Ok(new) => new,
        Err(error) => return refused(error),
    };
    match record(&state, &recorder(&key, client), new).await {
        Ok(deployment) => {
            let mut response = answer(StatusCode::CREATED, json!(deployment));
            if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/deployments/{}", deployment.id)) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            response
        }
        Err(error) => refused(error),
    }
}

pub async fn finish_one(State(state): State<AppState>, Path(id): Path<String>, request: Request) -> Response {
    let (key, client, body) = match admit(&state, request).await {
        Ok(admitted) => admitted,
        Err(response) => return response,
    };
    // Ids are positive integers; anything else names no deployment.
    let Some(id) = id.parse::<i64>().ok().filter(|id| *id > 0) else {
        return refused(AppError::NotFound);
    };
    let fields = match fields(&body, &FINISH_FIELDS) {
        Ok(fields) => fields,
        Err(refusal) => return field_refusal(refusal),
    };
    let text = |name: &str| fields.get(name).map(String::as_str);
    let how = match Finish::parse(text("status"), text("finished_at"), text("notes_url"), Utc::now()) {
        Ok(how) => how,
        Err(error) => return refused(error),
    };
    match finish(&state, &recorder(&key, client), id, &how, Utc::now()).await {
        Ok(Finished::Changed(deployment) | Finished::Unchanged(deployment)) => {
            answer(StatusCode::OK, json!(deployment))
        }
        Err(error) => refused(error),
    }
}

/// The key, rate limit, content type and body size checks; the body once all pass.
async fn admit(state: &AppState, request: Request) -> Result<(Authenticated, ClientInfo, Bytes), Response> {
    let (parts, body) = request.into_parts();
    let key = bearer::authenticate(state, &parts, Scope::DeploymentsWrite).await?;
    bearer::within_rate(state, key.id).await?;
    if !is_json(&parts.headers) {
        let message = "send Content-Type: application/json";
        return Err(answer(StatusCode::UNSUPPORTED_MEDIA_TYPE, json!({ "error": message })));
    }
    let client = client_info_from(&parts);
    // The route's DefaultBodyLimit (MAX_BODY_BYTES) applies here.
    match Bytes::from_request(Request::from_parts(parts, body), state).await {
        Ok(bytes) => Ok((key, client, bytes)),
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let message = format!("the body is larger than {MAX_BODY_BYTES} bytes");
            Err(answer(StatusCode::PAYLOAD_TOO_LARGE, json!({ "error": message })))
        }
        Err(rejection) => Err(bad_request(
            &format!("could not read the body: {}", rejection.body_text()),
            None,
        )),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// The body's fields as text: a JSON object whose values are strings (or
/// `null`, meaning absent), with no field outside `known`. A refusal is
/// `(message, field)`.
fn fields(body: &[u8], known: &[&str]) -> Result<HashMap<String, String>, (String, Option<String>)> {
    let value: Value = serde_json::from_slice(body).map_err(|error| {
        let message = if error.classify() == serde_json::error::Category::Data {
            format!("invalid JSON: {error}")
        } else {
            format!("the body is not valid JSON: {error}")
        };
        (message, None)
    })?;
    let Value::Object(object) = value else {
        return Err(("the body must be a JSON object".to_string(), None));
    };
    let mut text = HashMap::new();
    for (name, value) in object {
        if !known.contains(&name.as_str()) {
            let message = format!(
                "{name} is not a field of a deployment (expected one of {})",
                known.join(", ")
            );
            return Err((message, Some(name)));
        }
        match value {
            Value::Null => {}
            Value::String(value) => {
                text.insert(name, value);
            }
            _ => return Err((format!("{name} must be a string"), Some(name))),
        }
    }
    Ok(text)
}

fn field_refusal((message, field): (String, Option<String>)) -> Response {
    bad_request(&message, field.as_deref())
}

/// An API key as the deployment and its audit entry name it.
fn recorder(key: &Authenticated, client: ClientInfo) -> Recorder {
    Recorder {
        actor: Actor {
            id: None,
            email: Some(format!("API key {} (odk_{}_…)", key.name, key.prefix)),
            role: None,
        },
        client,
        source: Source::Api,
        by: RecordedBy {
            user: None,
            key: Some(key.id),
        },
        default_deployed_by: key.name.clone(),
        api_key: Some(json!({ "id": key.id, "name": key.name })),
    }
}

/// The answer for an error from parsing or storing.
fn refused(error: AppError) -> Response {
    match error {
        AppError::Validation { field, message } => bad_request(&format!("{field} {message}"), Some(&field)),
        // The first problem as for one, and every problem under `errors`.
        AppError::Fields(errors) => {
            let all: Vec<Value> = errors
                .0
                .iter()
                .map(|(field, message)| json!({ "error": format!("{field} {message}"), "field": field }))
                .collect();
            let (field, message) = errors.0.first().cloned().unwrap_or_default();
            answer(
                StatusCode::BAD_REQUEST,
                json!({ "error": format!("{field} {message}"), "field": field, "errors": all }),
            )
        }
        AppError::NotFound => answer(StatusCode::NOT_FOUND, json!({ "error": "no such deployment" })),
        AppError::Conflict(message) => answer(StatusCode::CONFLICT, json!({ "error": message })),
        // Already logged with its cause by `AppError::internal`.
        _ => {
            let message = "the deployment could not be stored; retry shortly";
            let mut response = answer(StatusCode::SERVICE_UNAVAILABLE, json!({ "error": message }));
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_json_objects_of_known_string_fields_pass() {
        let ok = fields(br#"{"service": "a", "commit": null}"#, &RECORD_FIELDS);
        assert_eq!(ok.map(|f| f.len()), Ok(1));
        let field = |body: &[u8]| fields(body, &RECORD_FIELDS).err().map(|(_, field)| field);
        assert_eq!(field(br#"{"service": 5}"#), Some(Some("service".into())));
        assert_eq!(field(br#"{"sevrice": "a"}"#), Some(Some("sevrice".into())));
        assert_eq!(field(br#"["service"]"#), Some(None));
        assert_eq!(field(br#"{"service": "#), Some(None));
    }

    #[test]
    fn json_content_types_pass() {
        let headers =
            |value: &'static str| HeaderMap::from_iter([(header::CONTENT_TYPE, HeaderValue::from_static(value))]);
        assert!(is_json(&headers("application/json; charset=utf-8")));
        assert!(is_json(&headers("Application/JSON")));
        assert!(!is_json(&headers("application/x-ndjson")));
        assert!(!is_json(&HeaderMap::new()));
    }
}
