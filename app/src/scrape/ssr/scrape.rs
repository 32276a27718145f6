//! One scrape of one target: read it (`fetch`), parse it (`exposition`),
//! add `up` and the scrape's own numbers, store the points
//! (`metrics::ssr::points::store`) and record how it went on the target.
//!
//! Every series carries the target's labels and `instance` (its URL's host
//! and port). Whatever fails, `up` is stored: 1 when the exposition was
//! read and parsed, 0 otherwise, so "target down" is a rule on `up`.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use super::targets::draft::instance_of;
use super::targets::{Scrapable, record};
use super::{exposition, fetch, host};
use crate::metrics::ssr::points::{Point, Reading, Series, store};
use crate::scrape::targets::{LastScrape, MAX_BODY_BYTES};
use crate::secrets::{Keyring, SCRAPE_TOKEN};

/// The series every scrape adds, whatever the target exposes.
pub const UP: &str = "up";
pub const DURATION: &str = "scrape_duration_seconds";
pub const SAMPLES: &str = "scrape_samples_scraped";

/// Scrapes `target` at `at` and stores what it read; returns how it went
/// (also recorded on the target).
pub async fn scrape(
    db: &sqlx::PgPool,
    keys: &Keyring,
    client: &reqwest::Client,
    target: &Scrapable,
    at: DateTime<Utc>,
) -> LastScrape {
    let at = at.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(at);
    let started = Instant::now();
    let mut labels = target.target.labels.clone();
    labels
        .entry("instance".into())
        .or_insert_with(|| instance_of(&target.target.url));
    let read = read(keys, client, target, &labels, at).await;
    let took = started.elapsed().as_secs_f64();
    let (mut points, error) = match read {
        Ok(points) => (points, None),
        Err(error) => (Vec::new(), Some(error)),
    };
    let samples = i32::try_from(points.len()).unwrap_or(i32::MAX);
    let service = &target.target.service;
    points.push(gauge(service, UP, &labels, at, if error.is_none() { 1.0 } else { 0.0 }));
    points.push(gauge(service, DURATION, &labels, at, took));
    points.push(gauge(service, SAMPLES, &labels, at, f64::from(samples)));
    let error = match store::store(db, None, &points).await {
        Ok(_) => error,
        Err(stored) => {
            tracing::warn!(%stored, service, "could not store a scrape's samples");
            Some(error.unwrap_or_else(|| "could not store the samples; the next scrape tries again".into()))
        }
    };
    let last = LastScrape {
        at,
        duration_ms: took * 1000.0,
        samples: if error.is_some() { 0 } else { samples },
        error,
    };
    if let Err(problem) = record(db, target.target.id, &last).await {
        tracing::warn!(%problem, service, "could not record a scrape");
    }
    last
}

/// The target's points, or why there are none.
async fn read(
    keys: &Keyring,
    client: &reqwest::Client,
    target: &Scrapable,
    labels: &BTreeMap<String, String>,
    at: DateTime<Utc>,
) -> Result<Vec<Point>, String> {
    let token = match &target.sealed_token {
        Some(sealed) => Some(
            keys.open(SCRAPE_TOKEN, sealed)
                .map_err(|problem| format!("the stored bearer token does not open ({problem}); save it again"))?,
        ),
        None => None,
    };
    let timeout = std::time::Duration::from_secs(u64::try_from(target.target.timeout_secs).unwrap_or(10));
    let text = fetch::fetch(client, &target.target.url, token.as_deref(), timeout, MAX_BODY_BYTES).await?;
    let service = target.target.service.clone();
    let labels = labels.clone();
    // Parsing megabytes takes a while: off the runtime's threads.
    let parsed = tokio::task::spawn_blocking(move || exposition::parse(&text, &service, &labels, at))
        .await
        .map_err(|_| "parsing the exposition failed".to_string())?;
    if parsed.points.is_empty()
        && let Some(reason) = parsed.skipped.first()
    {
        return Err(reason.clone());
    }
    // A sample's own timestamp counts only near the scrape (as Prometheus
    // refuses samples out of bounds): an hour back, ten minutes ahead.
    let (oldest, newest) = (at - TimeDelta::hours(1), at + TimeDelta::minutes(10));
    let mut points: Vec<Point> = parsed
        .points
        .into_iter()
        .filter(|point| point.ts >= oldest && point.ts <= newest)
        .collect();
    points.extend(host::derived(&points));
    Ok(points)
}

fn gauge(service: &str, name: &str, labels: &BTreeMap<String, String>, at: DateTime<Utc>, value: f64) -> Point {
    Point {
        series: Series {
            service: service.to_string(),
            name: name.to_string(),
            labels: labels.clone(),
        },
        start: None,
        ts: at,
        reading: Reading::Gauge(value),
        requests: None,
    }
}
