//! SLOs and their versions in Postgres. The definition is one JSON
//! document; the row's `name` and `service` are written from it.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::alerts::ssr::store::json_column;
use crate::slo::{Slo, SloDraft, SloVersion};

fn slo_from(row: &PgRow) -> sqlx::Result<Slo> {
    Ok(Slo {
        id: row.try_get("id")?,
        version: row.try_get("version")?,
        updated_at: row.try_get("updated_at")?,
        draft: json_column(row, "definition")?,
    })
}

const COLUMNS: &str = "id, version, updated_at, definition::text AS definition";

/// Every SLO, by service then name.
pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<Slo>> {
    let sql = format!("SELECT {COLUMNS} FROM slos ORDER BY service, name");
    let rows = sqlx::query(&sql).fetch_all(conn).await?;
    rows.iter().map(slo_from).collect()
}

pub async fn get(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Slo>> {
    let sql = format!("SELECT {COLUMNS} FROM slos WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(slo_from).transpose()
}

/// Writes `draft` as SLO `id` (inserting when `None`) and records the new
/// version; `(id, version)`, or `None` when `id` does not exist.
pub async fn save(
    conn: &mut PgConnection,
    id: Option<i64>,
    draft: &SloDraft,
    by: Option<i64>,
) -> sqlx::Result<Option<(i64, i32)>> {
    let json = serde_json::to_string(draft).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let saved: Option<(i64, i32)> = match id {
        None => {
            sqlx::query_as(
                "INSERT INTO slos (name, service, definition, updated_by) VALUES ($1, $2, $3::jsonb, $4) \
                 RETURNING id, version",
            )
            .bind(&draft.name)
            .bind(&draft.service)
            .bind(&json)
            .bind(by)
            .fetch_optional(&mut *conn)
            .await?
        }
        Some(id) => {
            sqlx::query_as(
                "UPDATE slos SET name = $2, service = $3, definition = $4::jsonb, version = version + 1, \
                     updated_at = now(), updated_by = $5 \
                 WHERE id = $1 RETURNING id, version",
            )
            .bind(id)
            .bind(&draft.name)
            .bind(&draft.service)
            .bind(&json)
            .bind(by)
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    if let Some((slo_id, version)) = saved {
        sqlx::query("INSERT INTO slo_versions (slo_id, version, definition, saved_by) VALUES ($1, $2, $3::jsonb, $4)")
            .bind(slo_id)
            .bind(version)
            .bind(&json)
            .bind(by)
            .execute(&mut *conn)
            .await?;
    }
    Ok(saved)
}

/// SLO `id`'s versions, newest first.
pub async fn versions(conn: &mut PgConnection, id: i64) -> sqlx::Result<Vec<SloVersion>> {
    let rows = sqlx::query(
        "SELECT v.version, v.definition::text AS definition, u.email, v.saved_at \
         FROM slo_versions v LEFT JOIN users u ON u.id = v.saved_by \
         WHERE v.slo_id = $1 ORDER BY v.version DESC",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(SloVersion {
                version: row.try_get("version")?,
                definition: json_column(row, "definition")?,
                saved_by: row.try_get("email")?,
                saved_at: row.try_get("saved_at")?,
            })
        })
        .collect()
}

/// Deletes SLO `id` (its versions go with it); whether it existed.
pub async fn delete(conn: &mut PgConnection, id: i64) -> sqlx::Result<bool> {
    let deleted = sqlx::query("DELETE FROM slos WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(deleted.rows_affected() == 1)
}
