//! Rules files waiting to be imported: the import page posts the text (or
//! the uploaded file) once, it is kept in Redis for an hour under a random
//! id of its own user's, and the page then previews and applies it by that
//! id — so a file of up to [`MAX_IMPORT_BYTES`] never travels in a URL.

use redis::AsyncCommands;

use crate::alerts::files::EXPIRED;
use crate::error::AppError;
use crate::redis_handle::RedisHandle;

/// The largest rules file the import page takes (the README promises 1 MiB).
pub const MAX_IMPORT_BYTES: usize = 1024 * 1024;

/// How long a posted file waits for its preview and apply.
const KEEP_SECS: u64 = 3600;

fn key(redis: &RedisHandle, user_id: i64, draft: &str) -> String {
    redis.key(&format!("import-draft:{user_id}:{draft}"))
}

/// Keeps `yaml` for `user_id`; returns the draft's id.
pub async fn store(redis: &RedisHandle, user_id: i64, yaml: &str) -> Result<String, AppError> {
    if yaml.len() > MAX_IMPORT_BYTES {
        return Err(AppError::validation("yaml", "The file is larger than 1 MiB"));
    }
    let draft = format!("{:032x}", rand::random::<u128>());
    let mut conn = redis
        .connection()
        .await
        .map_err(AppError::internal_in("import drafts: connect"))?;
    let _: () = conn
        .set_ex(key(redis, user_id, &draft), yaml, KEEP_SECS)
        .await
        .map_err(AppError::internal_in("import drafts: store"))?;
    Ok(draft)
}

/// The text kept under `draft` for `user_id`; `NotFound` once it has expired
/// (or when it is someone else's).
pub async fn load(redis: &RedisHandle, user_id: i64, draft: &str) -> Result<String, AppError> {
    if draft.is_empty() || !draft.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let mut conn = redis
        .connection()
        .await
        .map_err(AppError::internal_in("import drafts: connect"))?;
    let yaml: Option<String> = conn
        .get(key(redis, user_id, draft))
        .await
        .map_err(AppError::internal_in("import drafts: load"))?;
    yaml.ok_or(AppError::NotFound)
}

/// [`load`] for applying: a file that has expired is the `draft` field's
/// problem ([`EXPIRED`]).
pub async fn load_to_apply(redis: &RedisHandle, user_id: i64, draft: &str) -> Result<String, AppError> {
    load(redis, user_id, draft).await.map_err(|error| match error {
        AppError::NotFound => AppError::validation("draft", EXPIRED),
        other => other,
    })
}
