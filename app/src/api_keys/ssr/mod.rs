//! API key queries. Each takes a connection (or transaction) so a change and
//! its audit entry commit together. `manage` holds what the page's server
//! functions (and the CLI) do with them; `secret` generates and checks keys.

pub mod manage;
pub mod secret;
pub mod shown_once;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use sqlx::PgConnection;

use super::{ApiKeySummary, ErrorProject, Scope};
use crate::deployments::draft::MAX_SERVICE_CHARS;
use crate::error::AppError;
use secret::StoredKey;

/// A validated request for a new key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApiKey {
    pub name: String,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The service (error project) a key with the `errors` scope sends for.
    pub error_service: Option<String>,
}

/// The longest expiry offered when creating a key (ten years).
const MAX_EXPIRY_DAYS: u32 = 3650;

impl NewApiKey {
    pub fn parse(
        name: &str,
        scopes: Vec<Scope>,
        expires_in_days: u32,
        now: DateTime<Utc>,
    ) -> Result<NewApiKey, AppError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(AppError::validation(
                "name",
                "Name the key after what uses it, e.g. “checkout service”.",
            ));
        }
        if name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(AppError::validation(
                "name",
                "Use at most 100 characters, no control characters.",
            ));
        }
        if scopes.is_empty() {
            return Err(AppError::validation("scopes", "Choose at least one scope."));
        }
        if expires_in_days > MAX_EXPIRY_DAYS {
            return Err(AppError::validation(
                "expires_in_days",
                "Choose at most 3650 days, or 0 for never.",
            ));
        }
        let expires_at = (expires_in_days > 0).then(|| now + chrono::Duration::days(i64::from(expires_in_days)));
        let mut unique = Vec::new();
        for scope in scopes {
            if !unique.contains(&scope) {
                unique.push(scope);
            }
        }
        Ok(NewApiKey {
            name: name.to_string(),
            scopes: unique,
            expires_at,
            error_service: None,
        })
    }

    /// Binds a key with the `errors` scope to `service` (required then;
    /// ignored for other keys, which send for any service).
    pub fn for_errors_service(self, service: &str) -> Result<NewApiKey, AppError> {
        if !self.scopes.contains(&Scope::Errors) {
            return Ok(self);
        }
        let service = service.trim();
        if service.is_empty() {
            return Err(AppError::validation(
                "service",
                "Name the service whose errors the key sends, e.g. “checkout”.",
            ));
        }
        if service.chars().count() > MAX_SERVICE_CHARS || service.chars().any(char::is_control) {
            return Err(AppError::validation(
                "service",
                format!("Use at most {MAX_SERVICE_CHARS} characters, no control characters."),
            ));
        }
        Ok(NewApiKey {
            error_service: Some(service.to_string()),
            ..self
        })
    }
}

/// `YYYY-MM-DD` → 00:00 UTC that day; empty → never.
pub fn parse_expiry_date(text: &str) -> Result<Option<DateTime<Utc>>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|at| Some(at.and_utc()))
        .ok_or_else(|| {
            AppError::validation(
                "expires_on",
                "Enter a date like 2027-01-31, or leave it empty for never.",
            )
        })
}

type Row = (
    i64,
    String,
    String,
    Vec<String>,
    Option<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<i32>,
    Option<String>,
);

const COLUMNS: &str = "k.id, k.name, k.prefix, k.scopes, u.email, k.created_at, k.expires_at, k.revoked_at, \
     k.last_used_at, p.id, p.service";
const FROM: &str =
    "api_keys k LEFT JOIN users u ON u.id = k.created_by LEFT JOIN error_projects p ON p.id = k.error_project_id";

fn scopes_from(names: &[String]) -> Vec<Scope> {
    // The CHECK constraint keeps scopes to the known names.
    names.iter().filter_map(|name| Scope::parse(name)).collect()
}

fn from_row(
    (id, name, prefix, scopes, created_by, created_at, expires_at, revoked_at, last_used_at, project_id, service): Row,
) -> ApiKeySummary {
    ApiKeySummary {
        id,
        name,
        prefix,
        scopes: scopes_from(&scopes),
        created_by,
        created_at,
        expires_at,
        revoked_at,
        last_used_at,
        error_project: project_id
            .zip(service)
            .map(|(id, service)| ErrorProject { id, service }),
    }
}

pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<ApiKeySummary>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {FROM} ORDER BY k.created_at DESC, k.id DESC"
    ))
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// The key, with its row locked until the transaction ends.
pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<ApiKeySummary>> {
    let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM {FROM} WHERE k.id = $1 FOR UPDATE OF k"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(from_row))
}

async fn find(conn: &mut PgConnection, id: i64) -> sqlx::Result<ApiKeySummary> {
    let row: Row = sqlx::query_as(&format!("SELECT {COLUMNS} FROM {FROM} WHERE k.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(from_row(row))
}

/// Inserts a key (its hash, never the key) and returns it as listed.
pub async fn insert(
    conn: &mut PgConnection,
    new: &NewApiKey,
    prefix: &str,
    key_hash: &[u8],
    created_by: Option<i64>,
) -> sqlx::Result<ApiKeySummary> {
    let scopes: Vec<&str> = new.scopes.iter().map(|scope| scope.as_str()).collect();
    let project = match &new.error_service {
        Some(service) => Some(error_project_for(&mut *conn, service).await?),
        None => None,
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_keys (name, prefix, key_hash, scopes, created_by, expires_at, error_project_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(&new.name)
    .bind(prefix)
    .bind(key_hash)
    .bind(&scopes)
    .bind(created_by)
    .bind(new.expires_at)
    .bind(project)
    .fetch_one(&mut *conn)
    .await?;
    find(conn, id).await
}

/// The error project of `service`, created on first use: one number per
/// service, so every DSN key of a service shares its project id.
pub async fn error_project_for(conn: &mut PgConnection, service: &str) -> sqlx::Result<i32> {
    // The no-op update makes RETURNING answer for an existing row too.
    sqlx::query_scalar(
        "INSERT INTO error_projects (service) VALUES ($1) \
         ON CONFLICT (service) DO UPDATE SET service = EXCLUDED.service RETURNING id",
    )
    .bind(service)
    .fetch_one(conn)
    .await
}

pub async fn set_revoked(conn: &mut PgConnection, id: i64) -> sqlx::Result<ApiKeySummary> {
    sqlx::query("UPDATE api_keys SET revoked_at = now() WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    find(conn, id).await
}

pub async fn set_expires_at(
    conn: &mut PgConnection,
    id: i64,
    expires_at: Option<DateTime<Utc>>,
) -> sqlx::Result<ApiKeySummary> {
    sqlx::query("UPDATE api_keys SET expires_at = $2 WHERE id = $1")
        .bind(id)
        .bind(expires_at)
        .execute(&mut *conn)
        .await?;
    find(conn, id).await
}

/// The row a presented key's prefix names, for the bearer check.
pub async fn find_for_bearer(conn: &mut PgConnection, prefix: &str) -> sqlx::Result<Option<StoredKey>> {
    type BearerRow = (
        i64,
        String,
        Vec<u8>,
        Vec<String>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<i32>,
    );
    let row: Option<BearerRow> = sqlx::query_as(
        "SELECT id, name, key_hash, scopes, expires_at, revoked_at, last_used_at, error_project_id \
         FROM api_keys WHERE prefix = $1",
    )
    .bind(prefix)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(
        |(id, name, key_hash, scopes, expires_at, revoked_at, last_used_at, error_project_id)| StoredKey {
            id,
            name,
            key_hash,
            scopes: scopes_from(&scopes),
            expires_at,
            revoked_at,
            last_used_at,
            error_project_id,
        },
    ))
}

/// Whether a key last used at `last_used_at` needs [`touch_last_used`] at
/// `now`: the time is kept to the minute, so most requests skip the write.
pub fn needs_touch(last_used_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_used_at.is_none_or(|at| at < now - chrono::Duration::minutes(1))
}

pub async fn touch_last_used(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE api_keys SET last_used_at = now() \
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// What an audit entry records of a key: never the key nor its hash.
pub fn audit_snapshot(key: &ApiKeySummary) -> Value {
    json!({
        "name": key.name,
        "prefix": key.prefix,
        "scopes": key.scopes.iter().map(|scope| scope.as_str()).collect::<Vec<_>>(),
        "expires_at": key.expires_at,
        "revoked_at": key.revoked_at,
        "error_project": key.error_project.as_ref().map(|p| json!({ "id": p.id, "service": p.service })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_keys_need_a_name_and_a_scope() {
        let now = Utc::now();
        let ok = NewApiKey::parse("  checkout ", vec![Scope::Ingest, Scope::Ingest], 30, now).expect("valid");
        assert_eq!(ok.name, "checkout");
        assert_eq!(ok.scopes, vec![Scope::Ingest]);
        assert_eq!(ok.expires_at, Some(now + chrono::Duration::days(30)));
        assert_eq!(
            NewApiKey::parse("x", vec![Scope::Ingest], 0, now).map(|k| k.expires_at),
            Ok(None)
        );
        let field = |result: Result<NewApiKey, AppError>| match result {
            Err(AppError::Validation { field, .. }) => field,
            other => format!("{other:?}"),
        };
        assert_eq!(field(NewApiKey::parse(" ", vec![Scope::Ingest], 0, now)), "name");
        assert_eq!(
            field(NewApiKey::parse(&"n".repeat(101), vec![Scope::Ingest], 0, now)),
            "name"
        );
        assert_eq!(field(NewApiKey::parse("x", vec![], 0, now)), "scopes");
        assert_eq!(
            field(NewApiKey::parse("x", vec![Scope::Ingest], 4000, now)),
            "expires_in_days"
        );
    }

    #[test]
    fn error_keys_need_a_service_and_only_they_keep_one() {
        let now = Utc::now();
        let errors = NewApiKey::parse("sdk", vec![Scope::Errors], 0, now).expect("valid");
        let bound = errors.clone().for_errors_service(" checkout ").expect("valid");
        assert_eq!(bound.error_service.as_deref(), Some("checkout"));
        assert!(matches!(
            errors.clone().for_errors_service("  "),
            Err(AppError::Validation { ref field, .. }) if field == "service"
        ));
        assert!(errors.for_errors_service(&"s".repeat(201)).is_err());
        let metrics = NewApiKey::parse("ci", vec![Scope::Ingest], 0, now).expect("valid");
        assert_eq!(
            metrics.for_errors_service("checkout").map(|k| k.error_service),
            Ok(None)
        );
    }

    #[test]
    fn expiry_dates_are_midnight_utc_or_never() {
        assert_eq!(parse_expiry_date(""), Ok(None));
        let at = parse_expiry_date("2027-01-31").expect("valid").expect("a date");
        assert_eq!(at.to_rfc3339(), "2027-01-31T00:00:00+00:00");
        assert!(parse_expiry_date("31/01/2027").is_err());
    }
}
