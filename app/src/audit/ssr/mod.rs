//! Server side of the audit log: appending and the hash chain (here),
//! listing and exporting (`queries`), verifying the chain (`chain`) against
//! its anchor (`anchor`), what each role may read (`reading`, called by the
//! server functions in `audit/api.rs`) and compressed refusals (`refusals`).

use chrono::{SubsecRound, Utc};
use hmac::Mac;
use serde_json::{Map, Value, json};
use sqlx::PgConnection;

use super::{EntryHead, Outcome};
use crate::auth::permissions::Role;

pub mod anchor;
pub mod audited;
pub mod chain;
pub mod queries;
pub mod reading;
pub mod refusals;

pub use crate::audit::settings::AuditKey;
pub use audited::Audited;
pub use chain::verify_chain;

/// Serialises chain appends across every Opsdeck instance.
const CHAIN_LOCK: i64 = 0x000a_0d17_0001;

/// Who acted: a signed-in user, someone trying to sign in, or the CLI.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<i64>,
    pub email: Option<String>,
    pub role: Option<Role>,
}

impl Actor {
    /// Opsdeck itself, for changes no person made (an ignore running out, a
    /// silence ending when its alerts resolved): named "Opsdeck" in the log.
    pub fn opsdeck() -> Actor {
        Actor {
            id: None,
            email: Some("Opsdeck".into()),
            role: None,
        }
    }

    /// The command line (`opsdeck …`): no user, named "cli" in the log.
    pub fn cli() -> Actor {
        Actor {
            id: None,
            email: Some("cli".into()),
            role: None,
        }
    }
}

/// Where the request came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

impl ClientInfo {
    /// Opsdeck's own `worker` (as the user agent: "opsdeck <worker>").
    pub fn opsdeck(worker: &str) -> ClientInfo {
        ClientInfo {
            ip: None,
            user_agent: Some(format!("opsdeck {worker}")),
            request_id: None,
        }
    }

    /// A command line action; `command` names it as the user agent.
    pub fn cli(command: &str) -> ClientInfo {
        ClientInfo {
            ip: None,
            user_agent: Some(format!("{command} (CLI)")),
            request_id: None,
        }
    }
}

/// An entry to append. `before`/`after` must never hold secrets.
#[derive(Clone, Debug)]
pub struct NewAuditEntry {
    pub actor: Actor,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub outcome: Outcome,
    pub client: ClientInfo,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl NewAuditEntry {
    pub fn new(actor: Actor, action: &str, outcome: Outcome, client: ClientInfo) -> Self {
        Self {
            actor,
            action: action.to_string(),
            target_type: None,
            target_id: None,
            outcome,
            client,
            before: None,
            after: None,
        }
    }

    pub fn target(mut self, target_type: &str, target_id: impl ToString) -> Self {
        self.target_type = Some(target_type.to_string());
        self.target_id = Some(target_id.to_string());
        self
    }

    pub fn change(mut self, before: Option<Value>, after: Option<Value>) -> Self {
        self.before = before;
        self.after = after;
        self
    }
}

/// One stored entry, as the chain hashes it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct StoredEntry {
    #[sqlx(flatten)]
    pub head: EntryHead,
    pub outcome: String,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

pub const GENESIS_HASH: [u8; 32] = [0; 32];

/// Appends `entry` in `tx` and commits: the change and its audit entry are
/// stored together or not at all. Failures are internal errors (logged with
/// `context`, shown to the user without detail).
pub async fn append_and_commit(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    key: &AuditKey,
    entry: NewAuditEntry,
    context: &'static str,
) -> Result<(), crate::error::AppError> {
    let fail = |e: sqlx::Error| crate::error::AppError::internal(context, e);
    append(&mut tx, key, entry).await.map_err(fail)?;
    tx.commit().await.map_err(fail)
}

/// Appends `entry` to the chain inside the caller's transaction and returns its id.
///
/// Takes a transaction-scoped advisory lock, so the entry and the change it
/// records commit (or roll back) together and chain order is commit order.
pub async fn append(conn: &mut PgConnection, key: &AuditKey, entry: NewAuditEntry) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(CHAIN_LOCK)
        .execute(&mut *conn)
        .await?;
    let last: Option<(i64, Vec<u8>)> = sqlx::query_as("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    let (id, prev_hash) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, GENESIS_HASH.to_vec()),
    };
    let mut stored = StoredEntry {
        head: EntryHead {
            id,
            // Postgres keeps microseconds; hash exactly what will be read back.
            at: Utc::now().trunc_subsecs(6),
            actor_id: entry.actor.id,
            actor_email: entry.actor.email,
            actor_role: entry.actor.role.map(|role| role.as_str().to_string()),
            action: entry.action,
            target_type: entry.target_type,
            target_id: entry.target_id,
        },
        outcome: entry.outcome.as_str().to_string(),
        client_ip: entry.client.ip,
        user_agent: entry.client.user_agent,
        request_id: entry.client.request_id,
        before: entry.before,
        after: entry.after,
        prev_hash,
        hash: Vec::new(),
    };
    stored.hash = entry_hash(key, &stored);
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, actor_email, actor_role, action, target_type, target_id, outcome, \
         client_ip, user_agent, request_id, before, after, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(stored.head.id)
    .bind(stored.head.at)
    .bind(stored.head.actor_id)
    .bind(&stored.head.actor_email)
    .bind(&stored.head.actor_role)
    .bind(&stored.head.action)
    .bind(&stored.head.target_type)
    .bind(&stored.head.target_id)
    .bind(&stored.outcome)
    .bind(&stored.client_ip)
    .bind(&stored.user_agent)
    .bind(&stored.request_id)
    .bind(&stored.before)
    .bind(&stored.after)
    .bind(&stored.prev_hash)
    .bind(&stored.hash)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// `HMAC-SHA256(key, prev_hash ‖ canonical entry)`.
pub fn entry_hash(key: &AuditKey, entry: &StoredEntry) -> Vec<u8> {
    let mut mac = key.mac();
    mac.update(&entry.prev_hash);
    mac.update(canonical(entry).as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The entry as JSON with sorted keys and no whitespace, independent of how
/// Postgres or serde happen to order object keys.
pub fn canonical(entry: &StoredEntry) -> String {
    let head = &entry.head;
    let value = json!({
        "id": head.id,
        "at": head.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        "actor_id": head.actor_id,
        "actor_email": head.actor_email,
        "actor_role": head.actor_role,
        "action": head.action,
        "target_type": head.target_type,
        "target_id": head.target_id,
        "outcome": entry.outcome,
        "client_ip": entry.client_ip,
        "user_agent": entry.user_agent,
        "request_id": entry.request_id,
        "before": entry.before,
        "after": entry.after,
    });
    let mut out = String::new();
    write_sorted(&value, &mut out);
    out
}

fn write_sorted(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_sorted(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_sorted(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// A JSON object from pairs, for before/after snapshots.
pub fn snapshot(pairs: &[(&str, Value)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<Map<_, _>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> StoredEntry {
        StoredEntry {
            head: EntryHead {
                id: 7,
                at: crate::testing::at("2026-11-24T10:00:00.123456Z"),
                actor_id: Some(1),
                actor_email: Some("a@example.com".into()),
                actor_role: Some("admin".into()),
                action: "user.update".into(),
                target_type: Some("user".into()),
                target_id: Some("2".into()),
            },
            outcome: "success".into(),
            client_ip: None,
            user_agent: None,
            request_id: None,
            before: Some(json!({ "role": "viewer", "disabled": false })),
            after: Some(json!({ "disabled": false, "role": "operator" })),
            prev_hash: GENESIS_HASH.to_vec(),
            hash: Vec::new(),
        }
    }

    #[test]
    fn canonical_form_ignores_key_order() {
        let mut reordered = entry();
        reordered.before = Some(json!({ "disabled": false, "role": "viewer" }));
        assert_eq!(canonical(&entry()), canonical(&reordered));
    }

    #[test]
    fn any_changed_field_changes_the_hash() {
        let key = AuditKey::new(b"test key");
        let original = entry_hash(&key, &entry());
        let mut edited = entry();
        edited.after = Some(json!({ "disabled": false, "role": "admin" }));
        assert_ne!(entry_hash(&key, &edited), original);
        let mut relinked = entry();
        relinked.prev_hash = vec![1; 32];
        assert_ne!(entry_hash(&key, &relinked), original);
        assert_ne!(entry_hash(&AuditKey::new(b"other key"), &entry()), original);
    }
}
