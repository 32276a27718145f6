//! What runs on Opsdeck's own stores now: Postgres's client sessions
//! (`pg_stat_activity`, query text cut to [`QUERY_CHARS`]) and Redis's
//! slow log. Either may fail alone; the page says why.

use chrono::{DateTime, TimeZone, Utc};
use sqlx::PgPool;

use super::redis::slowlog;
use crate::datastores::view::{Activity, Session, SlowCommand};
use crate::redis_handle::RedisHandle;

/// Characters of a session's query shown.
pub const QUERY_CHARS: i32 = 300;
/// Sessions listed, busiest first.
const MAX_SESSIONS: i64 = 100;

type Row = (
    i32,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    String,
);

pub async fn activity(db: &PgPool, redis: &RedisHandle) -> Activity {
    let (sessions, slow) = tokio::join!(sessions(db), slow_commands(redis));
    let mut activity = Activity::default();
    match sessions {
        Ok(rows) => activity.sessions = rows,
        Err(error) => activity.sessions_error = Some(error.to_string()),
    }
    match slow {
        Ok(rows) => activity.slow_commands = rows,
        Err(error) => activity.slow_commands_error = Some(error.to_string()),
    }
    activity
}

async fn sessions(db: &PgPool) -> sqlx::Result<Vec<Session>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT pid, coalesce(usename::text, ''), coalesce(datname::text, ''), coalesce(application_name, ''), \
                coalesce(host(client_addr), 'local'), coalesce(state, ''), \
                coalesce(wait_event_type || ': ' || wait_event, ''), query_start, xact_start, \
                left(coalesce(query, ''), $1) \
         FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() \
         ORDER BY state = 'idle', xact_start NULLS LAST, query_start LIMIT $2",
    )
    .bind(QUERY_CHARS)
    .bind(MAX_SESSIONS)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(pid, user, database, application, client, state, wait, query_start, transaction_start, query)| Session {
                pid,
                user,
                database,
                application,
                client,
                state,
                wait,
                query_start,
                transaction_start,
                query,
            },
        )
        .collect())
}

async fn slow_commands(redis: &RedisHandle) -> redis::RedisResult<Vec<SlowCommand>> {
    let mut conn = redis.connection().await?;
    Ok(slowlog(&mut conn)
        .await?
        .into_iter()
        .map(|entry| SlowCommand {
            id: entry.id,
            at: Utc.timestamp_opt(entry.at, 0).single().unwrap_or_else(Utc::now),
            micros: entry.micros,
            command: entry.command,
        })
        .collect())
}
