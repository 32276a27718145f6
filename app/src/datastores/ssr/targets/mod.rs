//! Server side of the monitored targets: their URLs (`url`), connecting
//! and saying what failed (`probe`), the admins' changes (`manage`), the
//! collector's reading of each (`collect`), and the queries below. The
//! sealed URL is read by `sealed_url` only, for the collector and the
//! connection test; no query that feeds a page selects it.

pub mod collect;
pub mod manage;
pub mod probe;
pub mod url;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::datastores::ssr::status::status_of;
use crate::datastores::targets::{BackupSource, DataStoreTarget, StoreKind, TargetsAdmin};
use crate::error::AppError;

type Row = (
    i64,
    String,
    String,
    String,
    i32,
    bool,
    Option<String>,
    Option<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<bool>,
    Option<String>,
    Vec<String>,
);

/// A target's service name in SQL (as `StoreKind::service`).
const SERVICE: &str = "(CASE t.kind WHEN 'postgres' THEN 'pg:' ELSE 'redis:' END) || t.name";

/// Everything a page shows of a target, its last reading (if recent: three
/// intervals, at least 5 minutes) and its firing rules included — never the URL.
fn select(filter: &str) -> String {
    format!(
        "SELECT t.id, t.kind, t.name, t.display_location, t.interval_secs, t.enabled, b.name, u.email, t.created_at, \
                s.read_at, s.ok, s.reason, \
                ARRAY(SELECT r.name FROM alert_states a JOIN alert_rules r ON r.id = a.rule_id \
                      WHERE r.service = {SERVICE} AND r.enabled AND a.state = 'firing' ORDER BY r.name) \
         FROM data_store_targets t LEFT JOIN backup_targets b ON b.id = t.backup_target_id \
         LEFT JOIN users u ON u.id = t.created_by \
         LEFT JOIN data_store_status s ON s.service = {SERVICE} \
              AND s.read_at > now() - make_interval(secs => greatest(300, 3 * t.interval_secs)) \
         {filter}"
    )
}

fn target_from(row: Row) -> DataStoreTarget {
    let (
        id,
        kind,
        name,
        location,
        interval_secs,
        enabled,
        from_backup,
        created_by,
        created_at,
        read_at,
        ok,
        why,
        firing,
    ) = row;
    let kind = StoreKind::parse(&kind).unwrap_or(StoreKind::Postgres);
    let last = read_at.zip(ok).map(|(at, ok)| (at, ok, why));
    let never_read = last.is_none();
    let (status, mut reason, last_read) = status_of(last, &firing);
    if !enabled {
        reason = Some("Switched off: not read until it is switched on again.".to_string());
    } else if never_read {
        reason = Some(format!(
            "No recent reading: it is read every {interval_secs} s by the collector (OPSDECK_COLLECT_SECS 0 turns it off)."
        ));
    }
    DataStoreTarget {
        id,
        kind,
        service: kind.service(&name),
        name,
        location,
        interval_secs,
        enabled,
        from_backup,
        created_by,
        created_at,
        status,
        reason,
        last_read,
    }
}

/// Every target, by name.
pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<DataStoreTarget>> {
    let rows: Vec<Row> = sqlx::query_as(&select("ORDER BY t.name")).fetch_all(conn).await?;
    Ok(rows.into_iter().map(target_from).collect())
}

pub async fn load(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<DataStoreTarget>> {
    let row: Option<Row> = sqlx::query_as(&select("WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(target_from))
}

/// The backup targets with a stored connection (not Opsdeck's own, which
/// is always watched), and whether a target already uses each.
pub async fn backup_sources(conn: &mut PgConnection) -> sqlx::Result<Vec<BackupSource>> {
    let rows: Vec<(i64, String, String, bool)> = sqlx::query_as(
        "SELECT b.id, b.name, b.display_location, \
                EXISTS (SELECT 1 FROM data_store_targets t WHERE t.backup_target_id = b.id) \
         FROM backup_targets b WHERE NOT b.is_self AND b.connection_url IS NOT NULL ORDER BY b.name",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, location, monitored)| BackupSource {
            id,
            name,
            location,
            monitored,
        })
        .collect())
}

/// A target's kind and sealed URL, for connecting.
pub async fn sealed_url(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<(StoreKind, String)>> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT kind, connection_url FROM data_store_targets WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(kind, url)| (StoreKind::parse(&kind).unwrap_or(StoreKind::Postgres), url)))
}

/// An enabled target as the collector reads it.
#[derive(Clone, Debug)]
pub struct Enabled {
    pub id: i64,
    pub kind: StoreKind,
    pub service: String,
    pub sealed_url: String,
    pub interval_secs: i32,
}

pub async fn enabled(conn: &mut PgConnection) -> sqlx::Result<Vec<Enabled>> {
    let rows: Vec<(i64, String, String, String, i32)> = sqlx::query_as(
        "SELECT id, kind, name, connection_url, interval_secs FROM data_store_targets WHERE enabled ORDER BY id",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, kind, name, sealed_url, interval_secs)| {
            let kind = StoreKind::parse(&kind)?;
            Some(Enabled {
                id,
                kind,
                service: kind.service(&name),
                sealed_url,
                interval_secs,
            })
        })
        .collect())
}

/// The admins' management section: the targets and the backup targets
/// that could become one.
pub async fn admin_list(conn: &mut PgConnection) -> Result<TargetsAdmin, AppError> {
    let targets = list(conn)
        .await
        .map_err(AppError::internal_in("datastores: list targets"))?;
    let backup_sources = backup_sources(conn)
        .await
        .map_err(AppError::internal_in("datastores: list backup targets"))?;
    Ok(TargetsAdmin {
        targets,
        backup_sources,
    })
}

/// What a plain form post's "Test connection" goes back to the page with.
pub fn tested(message: String) -> String {
    if crate::error::is_plain_form_post() {
        leptos_axum::redirect(&format!(
            "/datastores?connection_ok={}#targets-heading",
            crate::url::percent_encode(&message)
        ));
    }
    message
}
