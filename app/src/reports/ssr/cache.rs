//! Monthly reports shared between readers: one computation per (month,
//! service) every [`FRESH`], concurrent misses waiting for the same one.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use crate::error::AppError;
use crate::reports::month::Month;
use crate::reports::view::Report;

/// How long a computed report is served to every reader.
pub const FRESH: Duration = Duration::from_secs(60);

/// Reports computed in the last [`FRESH`], per (month, service).
#[derive(Clone)]
pub struct MonthlyCache(moka::future::Cache<(Month, Option<String>), Arc<Report>>);

impl Default for MonthlyCache {
    fn default() -> Self {
        MonthlyCache(
            moka::future::Cache::builder()
                .max_capacity(64)
                .time_to_live(FRESH)
                .build(),
        )
    }
}

impl MonthlyCache {
    /// The report of `month` (for `service`, or all), computed when no
    /// reader asked for it in the last [`FRESH`]; concurrent misses share
    /// one computation.
    pub async fn report(
        &self,
        db: &sqlx::PgPool,
        month: Month,
        service: Option<String>,
    ) -> Result<Arc<Report>, AppError> {
        let key = (month, service.clone());
        self.0
            .try_get_with(key, async {
                let mut conn = db.acquire().await.map_err(AppError::internal_in("reports: acquire"))?;
                let report = super::report(&mut conn, month, service.as_deref(), Utc::now())
                    .await
                    .map_err(AppError::internal_in("reports: read"))?;
                Ok::<_, AppError>(Arc::new(report))
            })
            .await
            .map_err(|error: Arc<AppError>| (*error).clone())
    }

    /// Forgets every computed report (the next reader computes it again).
    pub fn clear(&self) {
        self.0.invalidate_all();
    }
}
