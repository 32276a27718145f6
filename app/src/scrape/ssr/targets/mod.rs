//! Scrape targets in Postgres: reading them (never the token), the admins'
//! changes (each one transaction with its audit entry, the token sealed as
//! it is stored), a target's series, and what the scraper records.

pub mod draft;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};

use crate::audit::ssr::Audited;
use crate::error::AppError;
use crate::scrape::targets::{LastScrape, ScrapeTarget, SeriesRow};
use crate::secrets::SCRAPE_TOKEN;
use crate::state::AppState;
use draft::{Draft, TokenChange, instance_of};

const COLUMNS: &str = "id, service, url, interval_secs, timeout_secs, labels::text AS labels, \
                       bearer_token IS NOT NULL AS has_token, enabled, last_scrape_at, last_duration_ms, \
                       last_samples, last_error";
const CONFLICT: &str = "A scrape target with this URL exists already.";
/// Most series a target's page lists.
pub const SERIES_SHOWN: usize = 100;

fn target_of(row: &PgRow) -> sqlx::Result<ScrapeTarget> {
    let labels: String = row.try_get("labels")?;
    let labels: BTreeMap<String, String> =
        serde_json::from_str(&labels).map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
    let at: Option<DateTime<Utc>> = row.try_get("last_scrape_at")?;
    let last = match at {
        Some(at) => Some(LastScrape {
            at,
            duration_ms: row.try_get::<Option<f64>, _>("last_duration_ms")?.unwrap_or_default(),
            samples: row.try_get::<Option<i32>, _>("last_samples")?.unwrap_or_default(),
            error: row.try_get("last_error")?,
        }),
        None => None,
    };
    Ok(ScrapeTarget {
        id: row.try_get("id")?,
        service: row.try_get("service")?,
        url: row.try_get("url")?,
        interval_secs: row.try_get("interval_secs")?,
        timeout_secs: row.try_get("timeout_secs")?,
        labels,
        has_token: row.try_get("has_token")?,
        enabled: row.try_get("enabled")?,
        last,
    })
}

/// Every target, by service and URL.
pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<ScrapeTarget>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM scrape_targets ORDER BY service, url"))
        .fetch_all(conn)
        .await?;
    rows.iter().map(target_of).collect()
}

pub async fn load(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<ScrapeTarget>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM scrape_targets WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(target_of).transpose()
}

/// What the audit log records of a target (never its token).
fn snapshot(target: &ScrapeTarget) -> Value {
    json!({
        "service": target.service,
        "url": target.url,
        "interval_secs": target.interval_secs,
        "timeout_secs": target.timeout_secs,
        "labels": target.labels,
        "has_token": target.has_token,
        "enabled": target.enabled,
    })
}

/// Adds a target (`id` `None`) or changes one, with its audit entry.
pub async fn save(
    mut change: Audited,
    state: &AppState,
    id: Option<i64>,
    draft: Draft,
) -> Result<ScrapeTarget, AppError> {
    let labels = serde_json::to_string(&draft.labels).map_err(AppError::internal_in("scrape: labels"))?;
    let before = match id {
        Some(id) => Some(lock(&mut change.tx, id).await?),
        None => None,
    };
    let sealed = match &draft.token {
        TokenChange::Set(token) => Some(state.secrets.seal(SCRAPE_TOKEN, token)),
        TokenChange::Keep | TokenChange::Clear => None,
    };
    let sql = match id {
        None => {
            "INSERT INTO scrape_targets (service, url, interval_secs, timeout_secs, labels, bearer_token, enabled, \
                 created_by) VALUES ($2, $3, $4, $5, $6::jsonb, $7, $8, $9) RETURNING id"
        }
        // $1 is the id; $10 says whether the token changes at all.
        Some(_) => {
            "UPDATE scrape_targets SET service = $2, url = $3, interval_secs = $4, timeout_secs = $5, \
                    labels = $6::jsonb, bearer_token = CASE WHEN $10 THEN $7 ELSE bearer_token END, enabled = $8, \
                    updated_at = now() WHERE id = $1 RETURNING id"
        }
    };
    let saved: i64 = sqlx::query_scalar(sql)
        .bind(id.unwrap_or_default())
        .bind(&draft.service)
        .bind(&draft.url)
        .bind(draft.interval_secs)
        .bind(draft.timeout_secs)
        .bind(&labels)
        .bind(&sealed)
        .bind(draft.enabled)
        .bind(change.actor.id)
        .bind(draft.token != TokenChange::Keep)
        .fetch_one(&mut *change.tx)
        .await
        .map_err(|e| AppError::from_db("scrape: save target", e, CONFLICT).conflict_on("url"))?;
    let after = load(&mut change.tx, saved)
        .await
        .map_err(AppError::internal_in("scrape: load target"))?
        .ok_or(AppError::NotFound)?;
    let action = if before.is_some() {
        "scrape.target.update"
    } else {
        "scrape.target.create"
    };
    let entry = change
        .entry(action)
        .target("scrape_target", saved)
        .change(before.as_ref().map(snapshot), Some(snapshot(&after)));
    change.commit(entry, "scrape: audit").await?;
    Ok(after)
}

async fn lock(conn: &mut PgConnection, id: i64) -> Result<ScrapeTarget, AppError> {
    sqlx::query("SELECT id FROM scrape_targets WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(AppError::internal_in("scrape: lock target"))?
        .ok_or(AppError::NotFound)?;
    load(conn, id)
        .await
        .map_err(AppError::internal_in("scrape: load target"))?
        .ok_or(AppError::NotFound)
}

/// Deletes a target (its samples stay until retention drops them).
pub async fn delete(mut change: Audited, id: i64) -> Result<(), AppError> {
    let before = lock(&mut change.tx, id).await?;
    sqlx::query("DELETE FROM scrape_targets WHERE id = $1")
        .bind(id)
        .execute(&mut *change.tx)
        .await
        .map_err(AppError::internal_in("scrape: delete target"))?;
    let entry = change
        .entry("scrape.target.delete")
        .target("scrape_target", id)
        .change(Some(snapshot(&before)), None);
    change.commit(entry, "scrape: audit").await
}

/// The target's series (its service's, with its `instance`) seen in the
/// last 15 minutes whose name holds `name_part` (any, when empty), each with
/// its latest value, by name; and whether there are more than the page shows.
pub async fn series(
    conn: &mut PgConnection,
    target: &ScrapeTarget,
    name_part: &str,
) -> sqlx::Result<(Vec<SeriesRow>, bool)> {
    let rows: Vec<(String, String, f64, DateTime<Utc>)> = sqlx::query_as(
        "SELECT DISTINCT ON (name, labels) name, labels::text, value, ts FROM metric_samples \
         WHERE service = $1 AND labels->>'instance' = $2 AND ts > now() - INTERVAL '15 minutes' \
           AND name ILIKE $4 \
         ORDER BY name, labels, ts DESC LIMIT $3",
    )
    .bind(&target.service)
    .bind(instance_of(&target.url))
    .bind(i64::try_from(SERIES_SHOWN + 1).unwrap_or(i64::MAX))
    .bind(crate::sql::contains_pattern(name_part.trim()))
    .fetch_all(conn)
    .await?;
    let more = rows.len() > SERIES_SHOWN;
    let series = rows
        .into_iter()
        .take(SERIES_SHOWN)
        .map(|(name, labels, value, at)| SeriesRow {
            name,
            labels: prometheus_labels(&labels),
            value,
            at,
        })
        .collect();
    Ok((series, more))
}

/// `{"a": "1"}` as `a="1"`.
fn prometheus_labels(json: &str) -> String {
    let labels: BTreeMap<String, String> = serde_json::from_str(json).unwrap_or_default();
    labels
        .iter()
        .map(|(name, value)| format!("{name}={value:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An enabled target as the scraper needs it: with its sealed token.
#[derive(Clone, Debug)]
pub struct Scrapable {
    pub target: ScrapeTarget,
    pub sealed_token: Option<String>,
}

/// Every enabled target.
pub async fn scrapable(db: &PgPool) -> sqlx::Result<Vec<Scrapable>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS}, bearer_token FROM scrape_targets WHERE enabled ORDER BY id"
    ))
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Scrapable {
                target: target_of(row)?,
                sealed_token: row.try_get("bearer_token")?,
            })
        })
        .collect()
}

/// Records how a scrape went.
pub async fn record(db: &PgPool, id: i64, last: &LastScrape) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE scrape_targets SET last_scrape_at = $2, last_duration_ms = $3, last_samples = $4, last_error = $5 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(last.at)
    .bind(last.duration_ms)
    .bind(last.samples)
    .bind(&last.error)
    .execute(db)
    .await?;
    Ok(())
}
