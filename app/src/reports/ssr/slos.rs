//! The report's SLOs: each SLO's budget over the month (the SLO area's own
//! arithmetic, `slo::ssr::budget::over`), and its compliance in each of
//! the last twelve months — unmeasured where the rollups no longer reach.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::reports::month::Month;
use crate::reports::view::{HISTORY_MONTHS, SloHistory, SloRow};
use crate::slo::Slo;
use crate::slo::ssr::budget::over;

/// The SLOs of `service` (all when `None`) over `month`, and their history.
pub async fn compliance(
    conn: &mut PgConnection,
    month: Month,
    service: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<(Vec<SloRow>, Vec<SloHistory>)> {
    let slos = of_service(conn, service).await?;
    let (mut rows, mut history) = (Vec::with_capacity(slos.len()), Vec::with_capacity(slos.len()));
    for slo in &slos {
        rows.push(row(conn, slo, month.start(), month.end(), now).await?);
        let draft = &slo.draft;
        let mut months = Vec::with_capacity(HISTORY_MONTHS);
        for past in month.last(HISTORY_MONTHS) {
            let budget = over(conn, draft, past.start(), past.end(), now).await?;
            months.push((past, budget.met(), budget.sli()));
        }
        history.push(SloHistory {
            id: slo.id,
            name: draft.name.clone(),
            service: draft.service.clone(),
            objective: draft.objective,
            months,
        });
    }
    Ok((rows, history))
}

/// The SLOs of `service` (all when `None`).
pub async fn of_service(conn: &mut PgConnection, service: Option<&str>) -> sqlx::Result<Vec<Slo>> {
    Ok(crate::slo::ssr::store::list(&mut *conn)
        .await?
        .into_iter()
        .filter(|slo| service.is_none_or(|s| s == slo.draft.service))
        .collect())
}

/// `slo`'s budget over `[from, to)` as of `now`.
pub async fn row(
    conn: &mut PgConnection,
    slo: &Slo,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<SloRow> {
    let draft = &slo.draft;
    let budget = over(conn, draft, from, to, now).await?;
    Ok(SloRow {
        id: slo.id,
        name: draft.name.clone(),
        service: draft.service.clone(),
        objective: draft.objective,
        sli: budget.sli(),
        met: budget.met(),
        budget_left: budget.percent_left(),
        time_left: budget.time_left(),
        coverage: budget.coverage(),
    })
}
