//! Settings › Monitoring: retention, the Overview's tile thresholds, the
//! health checks' thresholds, the collector's interval and the errors'
//! extra scrubbed keys, editable at runtime.
//!
//! Each value is the one set on the page, else its environment variable,
//! else its default ([`Source`]). The page's values live in Postgres
//! (`monitoring_settings`, one row with a version); a save is announced
//! over Redis and every instance re-reads them (`settings.rs`,
//! `server/src/workers/monitoring_settings.rs`), so the readers — retention,
//! the Overview, `/ready`, the collector, error scrubbing — follow within
//! seconds, without a restart.

pub mod api;
pub mod fields;
pub mod parse;
#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod thresholds;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use api::*;
use fields::{FIELDS, FieldSpec, Kind};
pub use thresholds::{ServiceThresholds, TileThresholds};

use crate::error::{AppError, FieldErrors};

/// Where a value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    Default,
    Environment,
    Page,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::Environment => "environment",
            Source::Page => "set on the page",
        }
    }
}

/// The values set on the page, by field name (absent: inherited).
pub type PageValues = BTreeMap<String, String>;

/// The environment's values, by field name (absent: not set), read at start-up.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline(pub BTreeMap<String, String>);

impl Baseline {
    /// The environment variables `lookup` gives for the fields that have one.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Self {
        Self(
            FIELDS
                .iter()
                .filter_map(|f| {
                    let value = lookup(f.env?).filter(|v| !v.trim().is_empty())?;
                    Some((f.name.to_string(), value.trim().to_string()))
                })
                .collect(),
        )
    }

    /// `field`'s value without the page's, and where that comes from.
    pub fn inherited(&self, field: &FieldSpec) -> (String, Source) {
        match self.0.get(field.name) {
            Some(value) => (value.clone(), Source::Environment),
            None => (field.default.to_string(), Source::Default),
        }
    }
}

/// Every value as it applies now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MonitoringSettings {
    pub raw_days: u32,
    pub rollup_days: u32,
    pub log_days: u32,
    pub error_days: u32,
    pub span_days: u32,
    /// Finished notifications are kept this long.
    pub notification_days: u32,
    pub tiles: TileThresholds,
    pub tile_overrides: Vec<ServiceThresholds>,
    pub health_degraded_ms: u64,
    pub health_timeout_ms: u64,
    /// Zero: the collector is off.
    pub collect_secs: u64,
    pub scrub_keys: Vec<String>,
}

impl MonitoringSettings {
    /// The thresholds of `service`'s tile.
    pub fn tiles_for(&self, service: &str) -> TileThresholds {
        match self.tile_overrides.iter().find(|o| o.service == service) {
            Some(own) => self.tiles.with(own),
            None => self.tiles,
        }
    }
}

/// The text each field has, and where it comes from.
pub fn effective_texts(page: &PageValues, baseline: &Baseline) -> Vec<(&'static FieldSpec, String, Source)> {
    FIELDS
        .iter()
        .map(|f| match page.get(f.name) {
            Some(text) => (f, text.clone(), Source::Page),
            None => {
                let (text, source) = baseline.inherited(f);
                (f, text, source)
            }
        })
        .collect()
}

/// The form as posted: field name → text; an empty text means "inherit".
/// Every field is checked, then the values that depend on each other.
pub fn parse_form(form: &BTreeMap<String, String>, baseline: &Baseline) -> Result<PageValues, AppError> {
    let mut errors = FieldErrors::default();
    let mut page = PageValues::new();
    for f in &FIELDS {
        let text = form
            .get(f.name)
            .map(|t| t.trim().replace("\r\n", "\n"))
            .unwrap_or_default();
        if text.is_empty() {
            continue;
        }
        match f.check(&text) {
            Ok(()) => {
                page.insert(f.name.to_string(), text);
            }
            Err(message) => errors.push(f.name, message),
        }
    }
    errors.check()?;
    resolve(&page, baseline).map(|_| page)
}

/// The settings `page` and `baseline` give; a value that does not fit the
/// others is refused under the page's field when the page set it.
pub fn resolve(page: &PageValues, baseline: &Baseline) -> Result<MonitoringSettings, AppError> {
    let texts = effective_texts(page, baseline);
    let mut errors = FieldErrors::default();
    let text = |name: &str| -> &str {
        texts
            .iter()
            .find(|(f, _, _)| f.name == name)
            .map(|(_, t, _)| t.as_str())
            .unwrap_or_default()
    };
    let mut number = |name: &'static str| -> u64 {
        let t = text(name);
        match fields::spec(name).map(|f| (f.kind, f.check(t))) {
            Some((_, Err(message))) => {
                errors.push(name, message);
                0
            }
            Some((Kind::Percent, Ok(()))) => 0,
            _ => t.trim().parse().unwrap_or(0),
        }
    };
    let (raw_days, rollup_days) = (number("raw_days") as u32, number("rollup_days") as u32);
    let (log_days, error_days) = (number("log_days") as u32, number("error_days") as u32);
    let span_days = number("span_days") as u32;
    let notification_days = match number("notification_days") as u32 {
        0 => rollup_days,
        days => days,
    };
    let (health_degraded_ms, health_timeout_ms) = (number("health_degraded_ms"), number("health_timeout_ms"));
    let collect_secs = number("collect_secs");
    let rate = |name| parse::percent(text(name)).unwrap_or(0.0);
    let tiles = TileThresholds {
        degraded_p95_ms: text("tile_degraded_p95_ms").trim().parse().unwrap_or(0.0),
        down_p95_ms: text("tile_down_p95_ms").trim().parse().ok(),
        degraded_error_rate: rate("tile_degraded_error_pct"),
        down_error_rate: rate("tile_down_error_pct"),
    };
    for name in [
        "tile_degraded_p95_ms",
        "tile_down_p95_ms",
        "tile_degraded_error_pct",
        "tile_down_error_pct",
    ] {
        number(name);
    }
    let tile_overrides = thresholds::parse_overrides(text("tile_overrides")).unwrap_or_else(|message| {
        errors.push("tile_overrides", message);
        Vec::new()
    });
    let scrub_keys = parse::keys(text("scrub_keys")).unwrap_or_else(|message| {
        errors.push("scrub_keys", message);
        Vec::new()
    });
    std::mem::take(&mut errors).check()?;
    let blame = |a: &'static str, b: &'static str| {
        if page.contains_key(b) || !page.contains_key(a) {
            b
        } else {
            a
        }
    };
    if let Some(message) = thresholds::inconsistency(&tiles) {
        let field = if message.contains("P95") {
            blame("tile_degraded_p95_ms", "tile_down_p95_ms")
        } else {
            blame("tile_degraded_error_pct", "tile_down_error_pct")
        };
        errors.push(field, message);
    }
    for own in &tile_overrides {
        if let Some(message) = thresholds::inconsistency(&tiles.with(own)) {
            errors.push("tile_overrides", format!("{}: {message}", own.service));
        }
    }
    if health_timeout_ms <= health_degraded_ms {
        errors.push(
            blame("health_degraded_ms", "health_timeout_ms"),
            format!("The timeout must be more than “Degraded after” ({health_degraded_ms} ms), or no check could report degraded."),
        );
    }
    errors.check()?;
    Ok(MonitoringSettings {
        raw_days,
        rollup_days,
        log_days,
        error_days,
        span_days,
        notification_days,
        tiles,
        tile_overrides,
        health_degraded_ms,
        health_timeout_ms,
        collect_secs,
        scrub_keys,
    })
}

/// One field as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldState {
    pub name: String,
    /// The value set on the page, if any (the input's value).
    pub page: Option<String>,
    /// What applies now, and where it comes from.
    pub effective: String,
    pub source: Source,
    /// What applies without the page's value.
    pub inherited: String,
    pub inherited_source: Source,
}

/// Everything Settings › Monitoring shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitoringPage {
    /// The version a save must name (raised by every save).
    pub version: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    pub fields: Vec<FieldState>,
}

impl MonitoringPage {
    pub fn new(version: i64, updated: Option<(String, DateTime<Utc>)>, page: &PageValues, baseline: &Baseline) -> Self {
        let fields = effective_texts(page, baseline)
            .into_iter()
            .map(|(f, effective, source)| {
                let (inherited, inherited_source) = baseline.inherited(f);
                FieldState {
                    name: f.name.to_string(),
                    page: page.get(f.name).cloned(),
                    effective,
                    source,
                    inherited,
                    inherited_source,
                }
            })
            .collect();
        let (updated_by, updated_at) = updated.map(|(by, at)| (Some(by), Some(at))).unwrap_or((None, None));
        Self {
            version,
            updated_by,
            updated_at,
            fields,
        }
    }

    pub fn field(&self, name: &str) -> Option<&FieldState> {
        self.fields.iter().find(|f| f.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn page_beats_environment_beats_default() {
        let baseline = Baseline::from_env(|name| (name == "OPSDECK_RETENTION_RAW_DAYS").then(|| "3".to_string()));
        let page = parse_form(&form(&[("rollup_days", " 30 "), ("raw_days", "")]), &baseline).expect("valid");
        let settings = resolve(&page, &baseline).expect("valid");
        assert_eq!((settings.raw_days, settings.rollup_days, settings.log_days), (3, 30, 7));
        assert_eq!(settings.notification_days, 30, "follows the rollups");
        let shown = MonitoringPage::new(1, None, &page, &baseline);
        let source = |name| shown.field(name).map(|f| f.source);
        assert_eq!(source("raw_days"), Some(Source::Environment));
        assert_eq!(source("rollup_days"), Some(Source::Page));
        assert_eq!(source("log_days"), Some(Source::Default));
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let error = parse_form(
            &form(&[("raw_days", "0"), ("tile_down_error_pct", "x"), ("scrub_keys", "ok")]),
            &Baseline::default(),
        )
        .expect_err("refused");
        let errors = FieldErrors::from(error);
        assert!(errors.get("raw_days").is_some());
        assert!(errors.get("tile_down_error_pct").is_some());
        assert_eq!(errors.0.len(), 2);
    }

    #[test]
    fn values_that_contradict_each_other_are_refused_where_they_were_typed() {
        let error = parse_form(&form(&[("health_degraded_ms", "5000")]), &Baseline::default()).expect_err("refused");
        assert_eq!(FieldErrors::from(error).0[0].0, "health_degraded_ms");
        let error = parse_form(&form(&[("tile_down_error_pct", "1")]), &Baseline::default()).expect_err("refused");
        assert_eq!(FieldErrors::from(error).0[0].0, "tile_down_error_pct");
        let settings = resolve(
            &parse_form(
                &form(&[("tile_overrides", "shop degraded_p95=200")]),
                &Baseline::default(),
            )
            .expect("valid"),
            &Baseline::default(),
        )
        .expect("valid");
        assert_eq!(settings.tiles_for("shop").degraded_p95_ms, 200.0);
        assert_eq!(settings.tiles_for("other").degraded_p95_ms, 1000.0);
    }
}
