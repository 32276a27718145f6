//! Sessions in Redis through the `redis` crate (the one Redis client of the
//! app), plus a per-user index so every session of a user can be listed and
//! ended at once (disable, role change, password reset).

use async_trait::async_trait;
use redis::AsyncCommands;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use crate::redis_handle::RedisHandle;

#[derive(Clone)]
pub struct RedisSessionStore {
    redis: RedisHandle,
}

impl std::fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RedisSessionStore")
    }
}

fn backend(error: redis::RedisError) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

impl RedisSessionStore {
    pub fn new(redis: RedisHandle) -> Self {
        Self { redis }
    }

    fn session_key(&self, id: &Id) -> String {
        self.redis.key(&format!("session:{id}"))
    }

    fn user_index_key(&self, user_id: i64) -> String {
        self.redis.key(&format!("user-sessions:{user_id}"))
    }

    /// Seconds until `record` expires (at least 1, so Redis never gets 0).
    fn ttl(record: &Record) -> u64 {
        let seconds = (record.expiry_date - time::OffsetDateTime::now_utc()).whole_seconds();
        u64::try_from(seconds).unwrap_or(0).max(1)
    }

    /// Remembers that `session_id` belongs to `user_id`.
    pub async fn index(&self, user_id: i64, session_id: &Id, keep_for_secs: u64) -> redis::RedisResult<()> {
        let mut conn = self.redis.connection().await?;
        let key = self.user_index_key(user_id);
        let _: () = redis::pipe()
            .sadd(&key, session_id.to_string())
            .expire(&key, i64::try_from(keep_for_secs).unwrap_or(i64::MAX))
            .query_async(&mut conn)
            .await?;
        Ok(())
    }

    pub async fn unindex(&self, user_id: i64, session_id: &Id) -> redis::RedisResult<()> {
        let mut conn = self.redis.connection().await?;
        let _: () = conn.srem(self.user_index_key(user_id), session_id.to_string()).await?;
        Ok(())
    }

    /// The user's sessions that still exist, oldest index entries pruned.
    pub async fn sessions_of(&self, user_id: i64) -> Result<Vec<Record>, session_store::Error> {
        let mut conn = self.redis.connection().await.map_err(backend)?;
        let ids: Vec<String> = conn.smembers(self.user_index_key(user_id)).await.map_err(backend)?;
        let mut records = Vec::new();
        for raw in ids {
            let Ok(id) = raw.parse::<Id>() else { continue };
            match self.load(&id).await? {
                Some(record) => records.push(record),
                None => {
                    let _: () = conn.srem(self.user_index_key(user_id), &raw).await.map_err(backend)?;
                }
            }
        }
        Ok(records)
    }

    /// Ends every session of the user; returns how many there were.
    pub async fn end_all_of(&self, user_id: i64) -> redis::RedisResult<usize> {
        let mut conn = self.redis.connection().await?;
        let index = self.user_index_key(user_id);
        let ids: Vec<String> = conn.smembers(&index).await?;
        let mut pipe = redis::pipe();
        for id in &ids {
            pipe.del(self.redis.key(&format!("session:{id}")));
        }
        pipe.del(&index);
        let _: () = pipe.query_async(&mut conn).await?;
        Ok(ids.len())
    }

    /// Ends one session of the user (from the Users page).
    pub async fn end_one_of(&self, user_id: i64, session_id: &Id) -> redis::RedisResult<bool> {
        let mut conn = self.redis.connection().await?;
        let removed: i64 = conn.srem(self.user_index_key(user_id), session_id.to_string()).await?;
        let deleted: i64 = conn.del(self.session_key(session_id)).await?;
        Ok(removed > 0 || deleted > 0)
    }
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let mut conn = self.redis.connection().await.map_err(backend)?;
        let value = serde_json::to_string(&record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        // Never overwrite an existing session: pick another id on collision.
        loop {
            let created: bool = redis::cmd("SET")
                .arg(self.session_key(&record.id))
                .arg(&value)
                .arg("NX")
                .arg("EX")
                .arg(Self::ttl(record))
                .query_async::<Option<String>>(&mut conn)
                .await
                .map_err(backend)?
                .is_some();
            if created {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let mut conn = self.redis.connection().await.map_err(backend)?;
        let value = serde_json::to_string(&record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        // XX: saving never resurrects a session that was ended meanwhile.
        let _: Option<String> = redis::cmd("SET")
            .arg(self.session_key(&record.id))
            .arg(value)
            .arg("XX")
            .arg("EX")
            .arg(Self::ttl(record))
            .query_async(&mut conn)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let mut conn = self.redis.connection().await.map_err(backend)?;
        let key = self.session_key(id);
        let value: Option<String> = conn.get(&key).await.map_err(backend)?;
        let Some(value) = value else { return Ok(None) };
        match serde_json::from_str(&value) {
            Ok(record) => Ok(Some(record)),
            // A record this release cannot read (corrupted, or written by an
            // incompatible one) is a signed-out visitor, not a 500 on every
            // request until the cookie goes: it is dropped and never trusted.
            Err(error) => {
                tracing::warn!(%error, "dropping a session record that cannot be read; its holder is signed out");
                let _: () = conn.del(&key).await.map_err(backend)?;
                Ok(None)
            }
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let mut conn = self.redis.connection().await.map_err(backend)?;
        let _: () = conn.del(self.session_key(id)).await.map_err(backend)?;
        Ok(())
    }
}
