//! The server side of users. This file holds the queries, each taking a
//! connection (or transaction) so a change and its audit entry commit
//! together, and creating a user; `manage` holds what the Users page's
//! server functions do with them (change, audit, then end sessions);
//! `sessions` reads and ends a user's sessions in Redis.

pub mod manage;
pub mod sessions;

use serde_json::{Value, json};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::{Email, UserSummary};
use crate::auth::permissions::Role;

/// A user row including the password hash, for sign-in only.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRecord {
    #[sqlx(flatten)]
    pub summary: UserSummary,
    pub password_hash: String,
}

const COLUMNS: &str = "id, email, display_name, role, disabled, created_at, last_sign_in_at, password_hash";

/// The columns of [`UserSummary`] (no password hash).
const SUMMARY_COLUMNS: &str = "id, email, display_name, role, disabled, created_at, last_sign_in_at";

/// A user as every query but sign-in reads one (`SUMMARY_COLUMNS`).
impl<'r> sqlx::FromRow<'r, PgRow> for UserSummary {
    fn from_row(row: &'r PgRow) -> sqlx::Result<Self> {
        let role: String = row.try_get("role")?;
        Ok(UserSummary {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            display_name: row.try_get("display_name")?,
            // The CHECK constraint keeps roles to the five names.
            role: Role::parse(&role).unwrap_or(Role::Viewer),
            disabled: row.try_get("disabled")?,
            created_at: row.try_get("created_at")?,
            last_sign_in_at: row.try_get("last_sign_in_at")?,
        })
    }
}

pub async fn find_by_email(conn: &mut PgConnection, email: &str) -> sqlx::Result<Option<UserRecord>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE lower(email) = lower($1)"))
        .bind(email.trim())
        .fetch_optional(conn)
        .await
}

pub async fn find_by_id(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<UserRecord>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Inserts a user; a duplicate email surfaces as a unique violation.
pub async fn insert(
    conn: &mut PgConnection,
    email: &Email,
    display_name: &str,
    role: Role,
    password_hash: &str,
) -> sqlx::Result<UserSummary> {
    sqlx::query_as(&format!(
        "INSERT INTO users (email, display_name, role, password_hash) VALUES ($1, $2, $3, $4) RETURNING {SUMMARY_COLUMNS}"
    ))
    .bind(email.as_str())
    .bind(display_name)
    .bind(role.as_str())
    .bind(password_hash)
    .fetch_one(conn)
    .await
}

pub async fn record_sign_in(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET last_sign_in_at = now() WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_password_hash(conn: &mut PgConnection, id: i64, password_hash: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(password_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Users whose email or name contains `search` (all when empty), by email.
pub async fn search(conn: &mut PgConnection, search: &str, limit: i64, offset: i64) -> sqlx::Result<Vec<UserSummary>> {
    sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM users \
         WHERE $1 = '' OR email ILIKE $2 ESCAPE '\\' OR display_name ILIKE $2 ESCAPE '\\' \
         ORDER BY lower(email), id LIMIT $3 OFFSET $4"
    ))
    .bind(search)
    .bind(crate::sql::contains_pattern(search))
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await
}

/// Locks every enabled admin's row (in id order, so concurrent changes queue
/// instead of deadlocking) and returns their ids. Two admins demoting each
/// other at once then see each other's result: the second finds one admin.
pub async fn lock_enabled_admins(conn: &mut PgConnection) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE")
        .fetch_all(conn)
        .await
}

/// The user, with their row locked until the transaction ends.
pub async fn lock_user(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<UserSummary>> {
    sqlx::query_as(&format!("SELECT {SUMMARY_COLUMNS} FROM users WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn set_role(conn: &mut PgConnection, id: i64, role: Role) -> sqlx::Result<UserSummary> {
    sqlx::query_as(&format!(
        "UPDATE users SET role = $2, updated_at = now() WHERE id = $1 RETURNING {SUMMARY_COLUMNS}"
    ))
    .bind(id)
    .bind(role.as_str())
    .fetch_one(conn)
    .await
}

pub async fn set_disabled(conn: &mut PgConnection, id: i64, disabled: bool) -> sqlx::Result<UserSummary> {
    sqlx::query_as(&format!(
        "UPDATE users SET disabled = $2, updated_at = now() WHERE id = $1 RETURNING {SUMMARY_COLUMNS}"
    ))
    .bind(id)
    .bind(disabled)
    .fetch_one(conn)
    .await
}

pub async fn count_enabled_admins(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled")
        .fetch_one(conn)
        .await
}

/// What an audit entry records of a user: never the password hash.
pub fn audit_snapshot(user: &UserSummary) -> Value {
    json!({
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role.as_str(),
        "disabled": user.disabled,
    })
}

/// Creates a user and its audit entry in one transaction.
pub async fn create_user(
    state: &crate::state::AppState,
    actor: crate::audit::ssr::Actor,
    client: crate::audit::ssr::ClientInfo,
    new: NewUser,
) -> Result<UserSummary, crate::error::AppError> {
    use crate::audit::Outcome;
    use crate::audit::ssr::{NewAuditEntry, append_and_commit};
    use crate::error::AppError;

    let hash = crate::auth::ssr::hashing::hash(new.password.expose().to_string())
        .await
        .map_err(|e| AppError::internal("hash password", e))?;
    let mut tx = state.begin("begin").await?;
    let user = insert(&mut tx, &new.email, &new.display_name, new.role, &hash)
        .await
        .map_err(|e| AppError::from_db("insert user", e, "A user with this email already exists."))?;
    let entry = NewAuditEntry::new(actor, "user.create", Outcome::Success, client)
        .target("user", user.id)
        .change(None, Some(audit_snapshot(&user)));
    append_and_commit(tx, &state.audit_key, entry, "audit user.create").await?;
    Ok(user)
}

/// A user to create, parsed from a form or the command line.
#[derive(Debug)]
pub struct NewUser {
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub password: crate::auth::password::NewPassword,
}

impl NewUser {
    pub fn parse(
        email: &str,
        display_name: &str,
        role: &str,
        password: String,
    ) -> Result<NewUser, crate::error::AppError> {
        use crate::error::AppError;
        let email = Email::parse("email", email)?;
        let display_name = display_name.trim();
        let display_name = if display_name.is_empty() {
            email.as_str().split('@').next().unwrap_or_default().to_string()
        } else if display_name.chars().count() > 100 {
            return Err(AppError::validation("display_name", "Use at most 100 characters."));
        } else {
            display_name.to_string()
        };
        let role = super::parse_role(role)?;
        let password = crate::auth::password::NewPassword::parse("password", password)?;
        Ok(NewUser {
            email,
            display_name,
            role,
            password,
        })
    }
}
