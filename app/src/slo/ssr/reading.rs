//! What the SLO pages and the Overview strip read: each SLO with its
//! budget over its window now.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{budget, burn_rules, store};
use crate::error::AppError;
use crate::slo::explain::sentence;
use crate::slo::views::{SloDetail, SloRow};

/// Every SLO with its budget now, by service then name.
pub async fn rows(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<Vec<SloRow>, AppError> {
    let slos = store::list(&mut *conn)
        .await
        .map_err(AppError::internal_in("slos: list"))?;
    let mut rows = Vec::with_capacity(slos.len());
    for slo in slos {
        let budget = budget::current(&mut *conn, &slo.draft, now)
            .await
            .map_err(AppError::internal_in("slos: budget"))?;
        rows.push(SloRow { slo, budget });
    }
    Ok(rows)
}

/// SLO `id`'s page, or `NotFound`.
pub async fn detail(
    conn: &mut PgConnection,
    id: i64,
    now: DateTime<Utc>,
    can_edit: bool,
) -> Result<SloDetail, AppError> {
    let slo = store::get(&mut *conn, id)
        .await
        .map_err(AppError::internal_in("slos: get"))?
        .ok_or(AppError::NotFound)?;
    let budget = budget::current(&mut *conn, &slo.draft, now)
        .await
        .map_err(AppError::internal_in("slos: budget"))?;
    let versions = store::versions(&mut *conn, id)
        .await
        .map_err(AppError::internal_in("slos: versions"))?;
    let alerts = burn_rules::of_slo(&mut *conn, id)
        .await
        .map_err(AppError::internal_in("slos: rules"))?;
    Ok(SloDetail {
        sentence: sentence(&slo.draft, &budget),
        step_ms: budget::step_for(budget.from, budget.to).num_milliseconds(),
        row: SloRow { slo, budget },
        versions,
        alerts,
        can_edit,
    })
}
