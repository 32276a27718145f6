//! Notification channels in Postgres. A channel's address and signing
//! secret are stored sealed (`crate::secrets`): sealed here on the way in,
//! opened by the page's list and by `deliver::send` when it sends.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::alerts::notify::{Channel, ChannelDraft, ChannelKind, DeliveryState};
use crate::secrets::{CHANNEL_SECRET, CHANNEL_URL, Keyring};

/// A channel as the dispatcher needs it: where to send, how, and the signing key.
#[derive(Clone, Debug)]
pub struct Target {
    pub id: i64,
    pub name: String,
    pub kind: ChannelKind,
    /// Sealed, as stored (`deliver::send` opens it).
    pub url: String,
    /// Sealed, as stored (`deliver::send` opens it).
    pub secret: String,
    pub enabled: bool,
}

/// A new signing secret (about 238 random bits), shown to the admin once.
pub fn new_secret() -> String {
    format!("whsec_{}", crate::api_keys::ssr::secret::random_base62(40))
}

fn word<T>(row: &PgRow, column: &str, parse: impl Fn(&str) -> Option<T>) -> sqlx::Result<T> {
    let text: String = row.try_get(column)?;
    parse(&text).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: format!("unexpected {column} {text:?}").into(),
    })
}

/// Every channel by name, with its latest delivery (and its address opened).
pub async fn list(conn: &mut PgConnection, keys: &Keyring) -> sqlx::Result<Vec<Channel>> {
    let rows = sqlx::query(
        "SELECT c.id, c.name, c.kind, c.url, c.repeat_minutes, c.enabled, c.created_at, o.state, o.created_at AS last_at \
         FROM notification_channels c \
         LEFT JOIN LATERAL (SELECT state, created_at FROM notification_outbox \
                            WHERE channel_id = c.id ORDER BY created_at DESC, id DESC LIMIT 1) o ON true \
         ORDER BY c.name",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let last_state: Option<String> = row.try_get("state")?;
            let last_delivery = match last_state {
                Some(_) => Some((word(row, "state", DeliveryState::parse)?, row.try_get("last_at")?)),
                None => None,
            };
            Ok(Channel {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                kind: word(row, "kind", ChannelKind::parse)?,
                url: open(keys, row)?,
                repeat_minutes: row.try_get("repeat_minutes")?,
                enabled: row.try_get("enabled")?,
                created_at: row.try_get("created_at")?,
                last_delivery,
            })
        })
        .collect()
}

fn open(keys: &Keyring, row: &PgRow) -> sqlx::Result<String> {
    let stored: String = row.try_get("url")?;
    keys.open(CHANNEL_URL, &stored)
        .map_err(|problem| sqlx::Error::ColumnDecode {
            index: "url".into(),
            source: problem.into(),
        })
}

/// A channel from a row with its columns `id, name, kind, url, secret, enabled`.
pub(super) fn target_from(row: &PgRow) -> sqlx::Result<Target> {
    Ok(Target {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        kind: word(row, "kind", ChannelKind::parse)?,
        url: row.try_get("url")?,
        secret: row.try_get("secret")?,
        enabled: row.try_get("enabled")?,
    })
}

const TARGET_COLUMNS: &str = "id, name, kind, url, secret, enabled";

/// Every channel, for one evaluator cycle.
pub async fn targets(conn: &mut PgConnection) -> sqlx::Result<Vec<Target>> {
    let sql = format!("SELECT {TARGET_COLUMNS} FROM notification_channels ORDER BY id");
    let rows = sqlx::query(&sql).fetch_all(conn).await?;
    rows.iter().map(target_from).collect()
}

pub async fn target(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Target>> {
    let sql = format!("SELECT {TARGET_COLUMNS} FROM notification_channels WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(target_from).transpose()
}

/// Every channel's name.
pub async fn names(conn: &mut PgConnection) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT name FROM notification_channels ORDER BY name")
        .fetch_all(conn)
        .await
}

/// The names among `names` that no channel has.
pub async fn missing(conn: &mut PgConnection, names: &[String]) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT n FROM unnest($1::text[]) AS n WHERE NOT EXISTS (SELECT 1 FROM notification_channels WHERE name = n)",
    )
    .bind(names)
    .fetch_all(conn)
    .await
}

/// Creates a channel with `secret` (its address and secret sealed); answers its id.
pub async fn create(conn: &mut PgConnection, keys: &Keyring, draft: &ChannelDraft, secret: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO notification_channels (name, kind, url, secret, repeat_minutes, enabled) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&draft.name)
    .bind(draft.kind.as_str())
    .bind(keys.seal(CHANNEL_URL, &draft.url))
    .bind(keys.seal(CHANNEL_SECRET, secret))
    .bind(draft.repeat_minutes)
    .bind(draft.enabled)
    .fetch_one(conn)
    .await
}

/// Updates everything but the name (rules refer to it) and the secret.
pub async fn update(conn: &mut PgConnection, keys: &Keyring, id: i64, draft: &ChannelDraft) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE notification_channels SET kind = $2, url = $3, repeat_minutes = $4, enabled = $5, updated_at = now() \
         WHERE id = $1",
    )
    .bind(id)
    .bind(draft.kind.as_str())
    .bind(keys.seal(CHANNEL_URL, &draft.url))
    .bind(draft.repeat_minutes)
    .bind(draft.enabled)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_secret(conn: &mut PgConnection, keys: &Keyring, id: i64, secret: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE notification_channels SET secret = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(keys.seal(CHANNEL_SECRET, secret))
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The names of the rules that notify channel `name`.
pub async fn used_by(conn: &mut PgConnection, name: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT name FROM alert_rules WHERE channels ? $1 ORDER BY name")
        .bind(name)
        .fetch_all(conn)
        .await
}

pub async fn delete(conn: &mut PgConnection, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM notification_channels WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
