//! What the Overview's service tiles and the Performance page read: the
//! parsed page query (service, endpoint, time range), the health colour of a
//! tile, and how a live point joins a chart's series. The server functions
//! behind both pages are in `metrics/api.rs`, their reading in
//! `metrics/ssr/overview.rs` and `metrics/ssr/performance.rs`.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::health::Status;
use crate::metrics::window::{MAX_POINTS, TimeRange, Window, window_for};
use crate::metrics::{EndpointStats, LatencyPoint, LivePoint, ServiceSummary};
use crate::monitoring::TileThresholds;

/// The Overview's tiles summarise this much recent traffic.
pub const OVERVIEW_WINDOW_MINUTES: i64 = 5;
/// The health colour of a service's recent traffic under `t` (Settings ›
/// Monitoring: the global thresholds, or the service's own).
pub fn tile_health(summary: &ServiceSummary, t: &TileThresholds) -> Status {
    if summary.error_rate >= t.down_error_rate || t.down_p95_ms.is_some_and(|down| summary.p95_ms >= down) {
        Status::Down
    } else if summary.error_rate >= t.degraded_error_rate || summary.p95_ms >= t.degraded_p95_ms {
        Status::Degraded
    } else {
        Status::Up
    }
}

/// One Overview tile: a service and its last minutes, when it had traffic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceTile {
    pub service: String,
    /// `None` when the service sent nothing in the overview window.
    pub recent: Option<ServiceSummary>,
    pub health: Option<Status>,
    /// The thresholds its colour was judged by.
    pub thresholds: TileThresholds,
}

/// The Performance page's query as it stands in the URL (unparsed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerformanceQuery {
    pub service: Option<String>,
    pub endpoint: Option<String>,
    pub range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl PerformanceQuery {
    /// `/performance?…` for this query (empty parameters left out).
    pub fn href(&self) -> String {
        let pairs = [
            ("service", &self.service),
            ("endpoint", &self.endpoint),
            ("range", &self.range),
            ("from", &self.from),
            ("to", &self.to),
        ];
        let query = crate::url::query_string(&pairs);
        if query.is_empty() {
            "/performance".to_string()
        } else {
            format!("/performance?{query}")
        }
    }

    /// The time window this query asks for at `now`.
    pub fn window(&self, now: DateTime<Utc>) -> Result<Window, AppError> {
        window_for(&self.range, &self.from, &self.to, now)
    }
}

/// Everything the Performance page shows for one query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PerformanceReport {
    /// Every service with data in the kept history, for the picker.
    pub services: Vec<String>,
    /// The service shown (the first one when the query names none).
    pub service: Option<String>,
    pub endpoint: Option<String>,
    /// The endpoint the query named when the service never served it (as
    /// when the service changed in a form without JavaScript): set aside,
    /// so the report covers all endpoints and the page says so.
    pub unserved_endpoint: Option<String>,
    /// The service's endpoints with requests in the window, for the picker.
    pub endpoints: Vec<String>,
    pub range: TimeRange,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub step_secs: i64,
    pub series: Vec<LatencyPoint>,
    /// The whole window in one point; `None` when it had no requests.
    pub overall: Option<LatencyPoint>,
    pub slowest: Vec<EndpointStats>,
    /// Endpoints with at least one error, highest error rate first.
    pub failing: Vec<EndpointStats>,
    /// The service's deployments that started in the window, oldest first;
    /// `None` when the viewer may not read deployment records.
    pub deployments: Option<Vec<crate::deployments::DeploymentMarker>>,
    /// The chosen endpoint's slowest traces in the window, slowest first;
    /// `None` without an endpoint, or when the viewer may not read traces.
    pub slowest_traces: Option<Vec<crate::traces::SlowTrace>>,
}

impl PerformanceReport {
    pub fn window_secs(&self) -> f64 {
        ((self.to - self.from).num_milliseconds().max(1) as f64) / 1000.0
    }
}

/// Adds (or replaces) the live `point` for its minute in `series`, keeping
/// only points within `keep` of the newest and at most `MAX_POINTS`.
/// Points for other services are ignored. Returns whether `series` changed.
pub fn merge_live_point(series: &mut Vec<LatencyPoint>, service: &str, live: &LivePoint, keep: Duration) -> bool {
    if live.service != service {
        return false;
    }
    let latency = live.point.clone();
    match series.binary_search_by(|p| p.t.cmp(&latency.t)) {
        Ok(index) => series[index] = latency,
        Err(index) => series.insert(index, latency),
    }
    if let Some(newest) = series.last().map(|p| p.t) {
        series.retain(|p| p.t > newest - keep);
    }
    let excess = series.len().saturating_sub(MAX_POINTS as usize);
    series.drain(..excess);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::at;

    fn query(range: &str, from: &str, to: &str) -> PerformanceQuery {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
        PerformanceQuery {
            service: None,
            endpoint: None,
            range: some(range),
            from: some(from),
            to: some(to),
        }
    }

    fn field(error: AppError) -> String {
        match error {
            AppError::Validation { field, .. } => field,
            other => format!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn every_range_fits_in_max_points() {
        let now = at("2026-11-24T10:17:31Z");
        for range in TimeRange::ALL.into_iter().filter(|r| r.span().is_some()) {
            let window = query(range.as_str(), "", "")
                .window(now)
                .expect("relative ranges parse");
            let (span, step) = ((window.to - window.from).num_seconds(), window.step.num_seconds());
            let points = (span + step - 1) / step;
            assert!(points <= MAX_POINTS, "{range:?}: {points} points");
            assert_eq!(
                window.from.timestamp() % window.step.num_seconds(),
                0,
                "{range:?} starts on a step"
            );
        }
        assert_eq!(
            query("15m", "", "").window(now).map(|w| w.step),
            Ok(Duration::minutes(1))
        );
        assert_eq!(
            query("1h", "", "").window(now).map(|w| w.step),
            Ok(Duration::minutes(1))
        );
        assert_eq!(
            query("30d", "", "").window(now).map(|w| w.step),
            Ok(Duration::minutes(180))
        );
    }

    #[test]
    fn bad_ranges_name_the_field() {
        let now = at("2026-11-24T10:00:00Z");
        assert_eq!(
            query("fortnight", "", "").window(now).map_err(field),
            Err("range".to_string())
        );
        assert_eq!(
            query("custom", "", "2026-11-24T09:00").window(now).map_err(field),
            Err("from".to_string())
        );
        assert_eq!(
            query("custom", "2026-11-24T09:00", "soon").window(now).map_err(field),
            Err("to".to_string())
        );
        assert_eq!(
            query("custom", "2026-11-24T09:00", "2026-11-24T08:00")
                .window(now)
                .map_err(field),
            Err("to".to_string())
        );
        assert_eq!(
            query("custom", "2026-10-01", "2026-11-02").window(now).map_err(field),
            Err("to".to_string())
        );
        assert_eq!(
            query("custom", "2026-07-01", "2026-07-02").window(now).map_err(field),
            Err("from".to_string())
        );
        let window = query("custom", "2026-11-20T09:00", "2026-11-24T09:30:00Z")
            .window(now)
            .expect("valid custom range");
        assert_eq!(window.from, at("2026-11-20T09:00:00Z"));
        assert_eq!(window.to, at("2026-11-24T09:30:00Z"));
        assert_eq!(query("", "", "").window(now).map(|w| w.range), Ok(TimeRange::Last1h));
    }

    #[test]
    fn tiles_take_the_worst_colour_their_numbers_reach() {
        let summary = |error_rate: f64, p95_ms: f64| ServiceSummary {
            service: "shop".into(),
            requests: 100,
            errors: 0,
            throughput_per_s: 1.0,
            error_rate,
            p95_ms,
        };
        let t = TileThresholds::default();
        assert_eq!(tile_health(&summary(0.0, 999.0), &t), Status::Up);
        assert_eq!(tile_health(&summary(0.05, 10.0), &t), Status::Degraded);
        assert_eq!(tile_health(&summary(0.0, 1000.0), &t), Status::Degraded);
        assert_eq!(tile_health(&summary(0.20, 10.0), &t), Status::Down);
        assert_eq!(
            tile_health(&summary(0.0, 99999.0), &t),
            Status::Degraded,
            "no P95 for down by default"
        );
        let strict = TileThresholds {
            down_p95_ms: Some(500.0),
            ..t
        };
        assert_eq!(tile_health(&summary(0.0, 500.0), &strict), Status::Down);
    }

    #[test]
    fn live_points_replace_their_minute_and_slide_the_window() {
        let point = |minute: &str, count: i64| LivePoint {
            service: "shop".into(),
            point: LatencyPoint {
                t: at(minute),
                count,
                errors: 0,
                avg_ms: 1.0,
                p50_ms: 1.0,
                p95_ms: 1.0,
                p99_ms: 1.0,
                max_ms: 1.0,
            },
        };
        let mut series = Vec::new();
        let keep = Duration::minutes(2);
        assert!(merge_live_point(
            &mut series,
            "shop",
            &point("2026-11-24T10:00:00Z", 1),
            keep
        ));
        assert!(merge_live_point(
            &mut series,
            "shop",
            &point("2026-11-24T10:01:00Z", 1),
            keep
        ));
        assert!(merge_live_point(
            &mut series,
            "shop",
            &point("2026-11-24T10:01:00Z", 5),
            keep
        ));
        assert_eq!(series.iter().map(|p| p.count).collect::<Vec<_>>(), [1, 5]);
        assert!(!merge_live_point(
            &mut series,
            "other",
            &point("2026-11-24T10:02:00Z", 1),
            keep
        ));
        assert!(merge_live_point(
            &mut series,
            "shop",
            &point("2026-11-24T10:02:00Z", 2),
            keep
        ));
        assert_eq!(
            series.iter().map(|p| p.count).collect::<Vec<_>>(),
            [5, 2],
            "10:00 slid out"
        );
    }

    #[test]
    fn hrefs_leave_out_empty_parameters_and_encode_values() {
        let q = PerformanceQuery {
            service: Some("e2e shop".into()),
            endpoint: Some("/pay?x".into()),
            range: Some("7d".into()),
            ..Default::default()
        };
        assert_eq!(q.href(), "/performance?service=e2e%20shop&endpoint=%2Fpay%3Fx&range=7d");
        assert_eq!(PerformanceQuery::default().href(), "/performance");
    }
}
