//! Backups in the metrics pipeline (service `opsdeck`, label `target`), so
//! alert rules can watch them:
//!
//! - `backup.run.result`: one sample per finished run, 1 succeeded / 0 failed
//!   (label `trigger` too);
//! - `backup.last_success_age_seconds`: per target that has had a run, the
//!   seconds since its last successful backup (or, none having succeeded,
//!   since its first run); refreshed after each run and every minute by the
//!   scheduler leader.
//!
//! Failing to store them is logged, never fails the backup.

use std::collections::BTreeMap;

use chrono::Utc;

use super::queries;
use crate::backups::{BackupRun, RunStatus};
use crate::metrics::{IngestBatch, MetricKind, MetricSample};
use crate::state::AppState;

pub const SERVICE: &str = "opsdeck";
pub const RUN_RESULT: &str = "backup.run.result";
pub const LAST_SUCCESS_AGE: &str = "backup.last_success_age_seconds";

fn sample(name: &str, value: f64, labels: BTreeMap<String, String>) -> MetricSample {
    MetricSample {
        service: SERVICE.to_string(),
        name: name.to_string(),
        value,
        labels,
        ts: Utc::now(),
        kind: MetricKind::Gauge,
    }
}

/// The result of a finished run, plus every target's age.
pub async fn record_run(state: &AppState, run: &BackupRun) {
    let value = if run.status == RunStatus::Succeeded { 1.0 } else { 0.0 };
    let labels = BTreeMap::from([
        ("target".to_string(), run.target_name.clone()),
        ("trigger".to_string(), run.trigger.as_str().to_string()),
    ]);
    let mut samples = vec![sample(RUN_RESULT, value, labels)];
    match age_samples(state).await {
        Ok(ages) => samples.extend(ages),
        Err(error) => tracing::warn!(%error, "could not compute backup ages"),
    }
    store(state, samples).await;
}

/// Every target's age of its last success.
pub async fn refresh_ages(state: &AppState) {
    match age_samples(state).await {
        Ok(samples) => store(state, samples).await,
        Err(error) => tracing::warn!(%error, "could not compute backup ages"),
    }
}

async fn age_samples(state: &AppState) -> sqlx::Result<Vec<MetricSample>> {
    let mut conn = state.db.acquire().await?;
    let ages = queries::last_success_ages(&mut conn).await?;
    Ok(ages
        .into_iter()
        .map(|(target, age)| {
            sample(
                LAST_SUCCESS_AGE,
                age.max(0.0),
                BTreeMap::from([("target".to_string(), target)]),
            )
        })
        .collect())
}

async fn store(state: &AppState, samples: Vec<MetricSample>) {
    if samples.is_empty() {
        return;
    }
    let batch = IngestBatch {
        requests: Vec::new(),
        samples,
    };
    let result = async {
        let mut tx = state.db.begin().await?;
        crate::metrics::ssr::store::store_batch(&mut tx, &batch).await?;
        tx.commit().await
    }
    .await;
    if let Err(error) = result {
        tracing::warn!(%error, "could not store backup metrics");
    }
}
