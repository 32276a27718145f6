//! Rules files waiting to be imported: the import page posts the text (or
//! the uploaded file) once, it is kept in Redis for an hour under a random
//! id of its own user's, and the page then previews and applies it by that
//! id — so a file of up to [`MAX_IMPORT_BYTES`] never travels in a URL.

use redis::AsyncCommands;

use crate::error::AppError;
use crate::state::AppState;

/// The largest rules file the import page takes (the README promises 1 MiB).
pub const MAX_IMPORT_BYTES: usize = 1024 * 1024;

/// How long a posted file waits for its preview and apply.
const KEEP_SECS: u64 = 3600;

fn key(state: &AppState, user_id: i64, draft: &str) -> String {
    state.redis.key(&format!("import-draft:{user_id}:{draft}"))
}

/// Keeps `yaml` for `user_id`; returns the draft's id.
pub async fn store(state: &AppState, user_id: i64, yaml: &str) -> Result<String, AppError> {
    if yaml.len() > MAX_IMPORT_BYTES {
        return Err(AppError::validation("yaml", "The file is larger than 1 MiB"));
    }
    let draft = format!("{:032x}", rand::random::<u128>());
    let mut conn = state
        .redis
        .connection()
        .await
        .map_err(AppError::internal_in("import drafts: connect"))?;
    let _: () = conn
        .set_ex(key(state, user_id, &draft), yaml, KEEP_SECS)
        .await
        .map_err(AppError::internal_in("import drafts: store"))?;
    Ok(draft)
}

/// The text kept under `draft` for `user_id`; `NotFound` once it has expired
/// (or when it is someone else's).
pub async fn load(state: &AppState, user_id: i64, draft: &str) -> Result<String, AppError> {
    if draft.is_empty() || !draft.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let mut conn = state
        .redis
        .connection()
        .await
        .map_err(AppError::internal_in("import drafts: connect"))?;
    let yaml: Option<String> = conn
        .get(key(state, user_id, draft))
        .await
        .map_err(AppError::internal_in("import drafts: load"))?;
    yaml.ok_or(AppError::NotFound)
}
