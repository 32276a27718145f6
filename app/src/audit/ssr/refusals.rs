//! Refused requests in the audit log, without letting them flood it.
//!
//! Every refusal used to append its own ~1 KB entry: one anonymous client
//! wrote 1,176 rows/s. Now a refusal is counted per *distinct refusal per
//! source per window* (same action, outcome, actor or client address, target
//! and reason) in Redis:
//!
//! - the first one starts a window and is written at once, with `"count": 1`;
//! - the rest of that window only count, and when the window has ended one
//!   entry with the rest's `"count"` is written by [`flush_due`] (every
//!   instance runs it; `ZREM` decides which one writes and `GETDEL` of the
//!   counter ends the window), so the counts of a
//!   refusal's entries add up to the number of times it happened;
//! - anonymous refusals from one address beyond `anonymous_per_minute` in a
//!   minute are answered `429` (they are still counted).
//!
//! Without Redis every refusal is written as before: the log never loses
//! one, it only stops being compressed.

use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{Actor, ClientInfo, NewAuditEntry, append};
pub use crate::audit::settings::RefusalSettings;
use crate::state::AppState;

/// What became of one refusal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Written now (the first of its window, or Redis was unavailable).
    Written,
    /// Counted; its window's entry carries the count.
    Counted,
    /// An anonymous source refusing too often: answer 429 with `Retry-After`.
    TooMany { retry_after: u64 },
}

/// The sorted set of windows with counts still to write, scored by their end.
const PENDING: &str = "audit:refusals:pending";

/// What the window's entry is written from, kept beside its counter.
#[derive(Serialize, Deserialize)]
struct Template {
    actor_id: Option<i64>,
    actor_email: Option<String>,
    actor_role: Option<crate::auth::permissions::Role>,
    action: String,
    target_type: Option<String>,
    target_id: Option<String>,
    outcome: crate::audit::Outcome,
    ip: Option<String>,
    user_agent: Option<String>,
    after: Option<Value>,
}

impl Template {
    fn of(entry: &NewAuditEntry) -> Template {
        Template {
            actor_id: entry.actor.id,
            actor_email: entry.actor.email.clone(),
            actor_role: entry.actor.role,
            action: entry.action.clone(),
            target_type: entry.target_type.clone(),
            target_id: entry.target_id.clone(),
            outcome: entry.outcome,
            ip: entry.client.ip.clone(),
            user_agent: entry.client.user_agent.clone(),
            after: entry.after.clone(),
        }
    }

    fn entry(self, count: u64, window_secs: u64) -> NewAuditEntry {
        NewAuditEntry {
            actor: Actor {
                id: self.actor_id,
                email: self.actor_email,
                role: self.actor_role,
            },
            action: self.action,
            target_type: self.target_type,
            target_id: self.target_id,
            outcome: self.outcome,
            client: ClientInfo {
                ip: self.ip,
                user_agent: self.user_agent,
                request_id: None,
            },
            before: None,
            after: Some(with_count(self.after, count, window_secs)),
        }
    }
}

/// `after` with `count` (and the window it was counted over) added.
fn with_count(after: Option<Value>, count: u64, window_secs: u64) -> Value {
    let mut map = match after {
        Some(Value::Object(map)) => map,
        Some(other) => Map::from_iter([("detail".to_string(), other)]),
        None => Map::new(),
    };
    map.insert("count".into(), json!(count));
    map.insert("window_secs".into(), json!(window_secs));
    Value::Object(map)
}

/// Which refusal this is: the same action, outcome, actor (or, for nobody,
/// client address), target and reason are one distinct refusal.
fn fingerprint(entry: &NewAuditEntry) -> String {
    let source = match entry.actor.id {
        Some(id) => format!("user:{id}"),
        None => format!("ip:{}", entry.client.ip.as_deref().unwrap_or("-")),
    };
    let parts = [
        entry.action.as_str(),
        entry.outcome.as_str(),
        &source,
        entry.target_type.as_deref().unwrap_or(""),
        entry.target_id.as_deref().unwrap_or(""),
        &entry.after.as_ref().map(Value::to_string).unwrap_or_default(),
    ];
    let digest = Sha256::digest(parts.join("\u{1f}").as_bytes());
    hex::encode(&digest[..12])
}

fn now_secs() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

/// Records one refused request (see the module's comment).
pub async fn record(state: &AppState, mut entry: NewAuditEntry) -> Verdict {
    let window = state.refusals.window.as_secs().max(1);
    let verdict = match count(state, &entry).await {
        Ok((n, limited)) if n > 1 => return limited.verdict(Verdict::Counted),
        Ok((_, limited)) => limited.verdict(Verdict::Written),
        Err(error) => {
            tracing::warn!(%error, "could not count a refusal in Redis; writing it on its own");
            Verdict::Written
        }
    };
    entry.after = Some(with_count(entry.after.take(), 1, window));
    write(state, entry).await;
    verdict
}

/// Whether an anonymous source is over its limit.
#[derive(Clone, Copy)]
enum Limited {
    No,
    Yes(u64),
}

impl Limited {
    fn verdict(self, otherwise: Verdict) -> Verdict {
        match self {
            Limited::No => otherwise,
            Limited::Yes(retry_after) => Verdict::TooMany { retry_after },
        }
    }
}

/// Counts the refusal in its window: how many it makes there, and whether
/// its anonymous source is over the limit.
async fn count(state: &AppState, entry: &NewAuditEntry) -> redis::RedisResult<(u64, Limited)> {
    let window = state.refusals.window.as_secs().max(1);
    let now = now_secs();
    let id = fingerprint(entry);
    let counter = state.redis.key(&format!("audit:refusal:{id}"));
    let template = state.redis.key(&format!("audit:refusal:{id}:entry"));
    let keep = i64::try_from(window * 3 + 60).unwrap_or(i64::MAX);
    let mut conn = state.redis.connection().await?;
    let mut pipe = redis::pipe();
    pipe.incr(&counter, 1).cmd("EXPIRE").arg(&counter).arg(keep).ignore();
    let anonymous = entry.actor.id.is_none();
    let minute_key = state.redis.key(&format!(
        "audit:refusals:anonymous:{}:{}",
        entry.client.ip.as_deref().unwrap_or("-"),
        now / 60
    ));
    if anonymous {
        pipe.incr(&minute_key, 1)
            .cmd("EXPIRE")
            .arg(&minute_key)
            .arg(120)
            .ignore();
    }
    let counts: Vec<u64> = pipe.query_async(&mut conn).await?;
    let in_window = counts.first().copied().unwrap_or(1);
    let limited = match counts.get(1) {
        Some(&n) if anonymous && n > u64::from(state.refusals.anonymous_per_minute) => Limited::Yes(60 - now % 60),
        _ => Limited::No,
    };
    if in_window == 1 {
        // The first of a window, which starts now: the rest's count is
        // written once it ends.
        let text = serde_json::to_string(&Template::of(entry)).unwrap_or_default();
        let due = now + window;
        let queued: redis::RedisResult<()> = redis::pipe()
            .cmd("SET")
            .arg(&template)
            .arg(text)
            .arg("EX")
            .arg(keep)
            .ignore()
            .zadd(state.redis.key(PENDING), &id, due)
            .ignore()
            .query_async(&mut conn)
            .await;
        if let Err(error) = queued {
            tracing::warn!(%error, "could not queue a refusal window's count");
        }
    }
    Ok((in_window, limited))
}

async fn write(state: &AppState, entry: NewAuditEntry) {
    let result = async {
        let mut tx = state.db.begin().await?;
        append(&mut tx, &state.audit_key, entry).await?;
        tx.commit().await
    }
    .await;
    if let Err(error) = result {
        tracing::error!(%error, "could not audit a refused request");
    }
}

/// Writes the counts of every window that has ended: one entry per
/// distinct refusal that happened more than once in it. Returns how many
/// entries it wrote.
pub async fn flush_due(state: &AppState) -> redis::RedisResult<usize> {
    let window = state.refusals.window.as_secs().max(1);
    let pending = state.redis.key(PENDING);
    let mut conn = state.redis.connection().await?;
    let due: Vec<String> = conn.zrangebyscore_limit(&pending, "-inf", now_secs(), 0, 500).await?;
    let mut written = 0;
    for id in due {
        // Whoever removes it writes it: exactly one instance.
        let removed: i64 = conn.zrem(&pending, &id).await?;
        if removed == 0 {
            continue;
        }
        let counter = state.redis.key(&format!("audit:refusal:{id}"));
        let template = state.redis.key(&format!("audit:refusal:{id}:entry"));
        // The template first: a refusal right after the GETDEL starts the
        // next window and sets its own (the old one is left to expire).
        let text: Option<String> = conn.get(&template).await?;
        // Taking the counter ends the window: a refusal before this counts
        // here, one after starts the next window.
        let count: Option<u64> = redis::cmd("GETDEL").arg(&counter).query_async(&mut conn).await?;
        let (Some(count), Some(text)) = (count, text) else {
            continue;
        };
        let Ok(template) = serde_json::from_str::<Template>(&text) else {
            continue;
        };
        if count > 1 {
            write(state, template.entry(count - 1, window)).await;
            written += 1;
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Outcome;

    fn denial(ip: &str, path: &str) -> NewAuditEntry {
        NewAuditEntry::new(
            Actor::default(),
            "access.denied",
            Outcome::Denied,
            ClientInfo {
                ip: Some(ip.into()),
                user_agent: Some("curl".into()),
                request_id: Some("r1".into()),
            },
        )
        .target("path", path)
    }

    #[test]
    fn a_refusal_is_distinct_per_source_and_target_but_not_per_request() {
        let a = fingerprint(&denial("10.0.0.1", "/users"));
        let mut other_request = denial("10.0.0.1", "/users");
        other_request.client.request_id = Some("r2".into());
        assert_eq!(a, fingerprint(&other_request));
        assert_ne!(a, fingerprint(&denial("10.0.0.2", "/users")));
        assert_ne!(a, fingerprint(&denial("10.0.0.1", "/audit")));
    }

    #[test]
    fn the_count_joins_what_the_entry_said() {
        let after = with_count(Some(json!({ "reason": "no API key" })), 7, 60);
        assert_eq!(after, json!({ "reason": "no API key", "count": 7, "window_secs": 60 }));
        assert_eq!(with_count(None, 1, 60), json!({ "count": 1, "window_secs": 60 }));
    }
}
