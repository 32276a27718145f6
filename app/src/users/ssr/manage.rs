//! What the Users page's server functions do: each change locks the user's
//! row, applies the change and appends its one audit entry in the same
//! transaction, commits, and only then ends the user's sessions in Redis
//! (a rolled-back change must not sign anyone out).

use rand::Rng;
use serde_json::{Value, json};
use sqlx::{Postgres, Transaction};

use super::{
    audit_snapshot, lock_enabled_admins, lock_user, search, sessions, set_disabled, set_password_hash, set_role,
};
use crate::audit::ssr::{NewAuditEntry, append, append_and_commit};
use crate::auth::password::NewPassword;
use crate::auth::permissions::Role;
use crate::auth::ssr::Caller;
use crate::error::AppError;
use crate::state::AppState;
use crate::users::{PAGE_SIZE, PasswordReset, UserListing, UserSummary};

pub const LAST_ADMIN: &str = "There must always be at least one enabled admin.";

/// One page of users matching `search` (email or name, case-insensitive).
pub async fn list(state: &AppState, viewer_id: i64, query: &str, page: u32) -> Result<UserListing, AppError> {
    let query = query.trim();
    let offset = i64::from(page) * PAGE_SIZE;
    let mut conn = state.connection("db acquire").await?;
    // One extra row says whether a next page exists.
    let mut users = search(&mut conn, query, PAGE_SIZE + 1, offset)
        .await
        .map_err(|e| AppError::internal("search users", e))?;
    let has_more = users.len() > usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    users.truncate(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX));
    Ok(UserListing {
        users,
        query: query.to_string(),
        page,
        has_more,
        viewer_id,
    })
}

/// Refuses a change that would leave no enabled admin. `admins` are the
/// enabled admins, locked by this transaction.
pub fn keeps_an_admin(admins: &[i64], before: &UserSummary, role: Role, disabled: bool) -> Result<(), AppError> {
    let was_admin = before.role == Role::Admin && !before.disabled;
    let stays_admin = role == Role::Admin && !disabled;
    if was_admin && !stays_admin && admins.iter().all(|id| *id == before.id) {
        return Err(AppError::Conflict(LAST_ADMIN.into()));
    }
    Ok(())
}

type Tx = Transaction<'static, Postgres>;

/// Opens the change's transaction with the enabled admins' rows and then the
/// user's row locked (always in that order, so changes never deadlock).
async fn begin_admin_change(state: &AppState, user_id: i64) -> Result<(Tx, Vec<i64>, UserSummary), AppError> {
    let mut tx = state.begin("begin").await?;
    let admins = lock_enabled_admins(&mut tx)
        .await
        .map_err(|e| AppError::internal("lock admins", e))?;
    let user = lock_user(&mut tx, user_id)
        .await
        .map_err(|e| AppError::internal("lock user", e))?
        .ok_or(AppError::NotFound)?;
    Ok((tx, admins, user))
}

fn entry(admin: &Caller, action: &str, user_id: i64, before: Option<Value>, after: Option<Value>) -> NewAuditEntry {
    admin.entry(action).target("user", user_id).change(before, after)
}

pub async fn change_role(state: &AppState, admin: &Caller, user_id: i64, role: Role) -> Result<UserSummary, AppError> {
    let (mut tx, admins, before) = begin_admin_change(state, user_id).await?;
    if before.role == role {
        return Ok(before);
    }
    keeps_an_admin(&admins, &before, role, before.disabled)?;
    let after = set_role(&mut tx, user_id, role)
        .await
        .map_err(|e| AppError::internal("set role", e))?;
    let entry = entry(
        admin,
        "user.set_role",
        user_id,
        Some(audit_snapshot(&before)),
        Some(audit_snapshot(&after)),
    );
    append_and_commit(tx, &state.audit_key, entry, "users: audit").await?;
    sessions::end_all(state, user_id).await?;
    Ok(after)
}

pub async fn change_disabled(
    state: &AppState,
    admin: &Caller,
    user_id: i64,
    disabled: bool,
) -> Result<UserSummary, AppError> {
    let (mut tx, admins, before) = begin_admin_change(state, user_id).await?;
    if before.disabled == disabled {
        return Ok(before);
    }
    keeps_an_admin(&admins, &before, before.role, disabled)?;
    let after = set_disabled(&mut tx, user_id, disabled)
        .await
        .map_err(|e| AppError::internal("set disabled", e))?;
    let action = if disabled { "user.disable" } else { "user.enable" };
    let entry = entry(
        admin,
        action,
        user_id,
        Some(audit_snapshot(&before)),
        Some(audit_snapshot(&after)),
    );
    append_and_commit(tx, &state.audit_key, entry, "users: audit").await?;
    if disabled {
        sessions::end_all(state, user_id).await?;
    }
    Ok(after)
}

/// The reset form's password: `None` (generate one) when left empty.
pub fn reset_password_choice(password: String) -> Result<Option<NewPassword>, AppError> {
    if !password.is_empty() {
        return NewPassword::parse("password", password).map(Some);
    }
    // A plain form post (no JavaScript) is answered with a redirect, which
    // cannot carry a generated password to show.
    if crate::error::is_plain_form_post() {
        let message = "Without JavaScript, type the new password: a generated one could not be shown.";
        return Err(AppError::validation("password", message));
    }
    Ok(None)
}

/// Sets `password`, or a generated one when `None` (returned once, for the
/// admin to pass on). The audit entry says that, never what.
pub async fn reset_password(
    state: &AppState,
    admin: &Caller,
    user_id: i64,
    password: Option<NewPassword>,
) -> Result<PasswordReset, AppError> {
    let generated = password.is_none();
    let password = match password {
        Some(password) => password.expose().to_string(),
        None => generate_password(),
    };
    let hash = crate::auth::ssr::hashing::hash(password.clone())
        .await
        .map_err(|e| AppError::internal("hash password", e))?;
    let mut tx = state.begin("begin").await?;
    let user = lock_user(&mut tx, user_id)
        .await
        .map_err(|e| AppError::internal("lock user", e))?
        .ok_or(AppError::NotFound)?;
    set_password_hash(&mut tx, user_id, &hash)
        .await
        .map_err(|e| AppError::internal("set password", e))?;
    let mut after = audit_snapshot(&user);
    if let Some(fields) = after.as_object_mut() {
        fields.insert(
            "password".into(),
            json!(if generated { "reset (generated)" } else { "reset" }),
        );
    }
    let entry = entry(
        admin,
        "user.reset_password",
        user_id,
        Some(audit_snapshot(&user)),
        Some(after),
    );
    append_and_commit(tx, &state.audit_key, entry, "users: audit").await?;
    sessions::end_all(state, user_id).await?;
    Ok(PasswordReset {
        user,
        generated_password: generated.then_some(password),
    })
}

/// Ends one session of the user. Redis holds the change, so the audit entry
/// is appended first and committed only once the session is gone.
pub async fn end_session(state: &AppState, admin: &Caller, user_id: i64, handle: &str) -> Result<(), AppError> {
    let Some((record, session)) = sessions::find(state, user_id, handle).await? else {
        return Err(AppError::Conflict("That session has already ended.".into()));
    };
    let mut tx = state.begin("begin").await?;
    let before = json!({
        "session": session.handle,
        "signed_in_at": session.signed_in_at,
        "client_ip": session.client_ip,
        "user_agent": session.user_agent,
    });
    let entry = entry(admin, "session.end", user_id, Some(before), None);
    append(&mut tx, &state.audit_key, entry)
        .await
        .map_err(|e| AppError::internal("audit session.end", e))?;
    let store = crate::auth::ssr::session_store::RedisSessionStore::new(state.redis.clone());
    store.end_one_of(user_id, &record.id).await.map_err(|error| {
        tracing::error!(%error, "could not end a session");
        AppError::Unavailable("The session store cannot be reached right now. Try again shortly.".into())
    })?;
    tx.commit()
        .await
        .map_err(|e| AppError::internal("commit session.end", e))
}

/// 20 characters from an unambiguous alphabet: about 115 bits.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, role: Role, disabled: bool) -> UserSummary {
        UserSummary {
            id,
            email: format!("u{id}@example.com"),
            display_name: format!("U{id}"),
            role,
            disabled,
            created_at: chrono::Utc::now(),
            last_sign_in_at: None,
        }
    }

    #[test]
    fn the_last_enabled_admin_cannot_lose_admin_rights() {
        let only = user(1, Role::Admin, false);
        assert_eq!(
            keeps_an_admin(&[1], &only, Role::Operator, false),
            Err(AppError::Conflict(LAST_ADMIN.into()))
        );
        assert_eq!(
            keeps_an_admin(&[1], &only, Role::Admin, true),
            Err(AppError::Conflict(LAST_ADMIN.into()))
        );
        assert_eq!(keeps_an_admin(&[1], &only, Role::Admin, false), Ok(()));
        assert_eq!(
            keeps_an_admin(&[1, 2], &only, Role::Viewer, false),
            Ok(()),
            "another admin remains"
        );
        assert_eq!(
            keeps_an_admin(&[1], &user(3, Role::Viewer, false), Role::Support, true),
            Ok(()),
            "not an admin"
        );
        assert_eq!(
            keeps_an_admin(&[1], &user(4, Role::Admin, true), Role::Viewer, true),
            Ok(()),
            "a disabled admin"
        );
    }

    #[test]
    fn generated_passwords_meet_the_rules_and_differ() {
        let first = generate_password();
        assert!(NewPassword::parse("password", first.clone()).is_ok());
        assert_ne!(first, generate_password());
    }
}
