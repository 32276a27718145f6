//! `opsdeck demo`'s first step: the last days of demo traffic (30 by
//! default), so a new install has full 24 h / 7 d / 30 d charts, backtests
//! with something to show and a report for last month at once.
//!
//! The live demo's generator runs over the past seconds, one hour per
//! transaction (two threads make and sum up the next hours while one is
//! stored), and each hour's requests go through the ingest path's
//! rollup step (`metrics::ssr::rollup::add`, the tiers every chart, rule and
//! report reads) and its CPU samples, one a minute, through the whole
//! storage step; raw request rows are left out (older than the raw
//! retention they would be dropped, and 80 million of them would take far
//! longer than a minute). Past deployments are recorded through the
//! deployments service, a third of them followed by an incident; the demo
//! alert rules' history is what the evaluator's own code (a backtest) finds
//! in the stored hours, with acknowledgements a few minutes after most
//! firings. Everything is of `demo-…` services and `Demo:` rules.
//!
//! Once per database (`demo_backfill`): a restart resumes an interrupted
//! backfill where it stopped and never repeats a finished one.

use anyhow::Context;
use chrono::{DateTime, Duration, DurationRound, Utc};
use rand::{Rng, SeedableRng};
use sqlx::PgConnection;

use super::SERVICES;
use super::generator::Generator;
use app::state::AppState;

/// Days backfilled unless `--backfill-days` says otherwise.
pub const DAYS: i64 = 30;
/// Per service and second, the chance of an incident (about one in five days).
const INCIDENT_CHANCE: f64 = 1.0 / (5.0 * 86_400.0);
/// Threads making hours of traffic while the writer stores them.
const MAKERS: i64 = 2;
/// A service deploys every this many days, at its own hour.
const DEPLOY_EVERY_DAYS: i64 = 3;

/// What one run did.
#[derive(Debug, Default, PartialEq)]
pub struct Backfilled {
    pub hours: i64,
    pub requests: u64,
    pub deployments: usize,
    pub alert_events: usize,
}

/// Backfills the `days` before `now` unless this database already was.
pub async fn run(state: &AppState, days: i64, now: DateTime<Utc>) -> anyhow::Result<Backfilled> {
    let mut done = Backfilled::default();
    if days <= 0 {
        return Ok(done);
    }
    let until = now.duration_trunc(Duration::minutes(1)).context("minute")?;
    let from = until - Duration::days(days);
    sqlx::query(
        "INSERT INTO demo_backfill (from_ts, until_ts, done_through) VALUES ($1, $2, $1) ON CONFLICT DO NOTHING",
    )
    .bind(from)
    .bind(until)
    .execute(&state.db)
    .await?;
    let Some((start, until)) = pending(state).await? else {
        done.alert_events = finish(state).await?;
        return Ok(done);
    };
    // Two threads make and sum up the hours (even and odd ones, each with a
    // generator of its own), up to two ahead of the writer, which stores
    // them in order: making hours and storing them overlap.
    let (mut hours, mut makers) = (Vec::new(), Vec::new());
    for first in 0..MAKERS {
        let (sender, receiver) = tokio::sync::mpsc::channel::<Hour>(1);
        hours.push(receiver);
        makers.push(tokio::task::spawn_blocking(move || {
            let mut generator = Generator::new();
            (generator.logs, generator.announce, generator.incident_chance) = (false, false, INCIDENT_CHANCE);
            let mut from = start + Duration::hours(first);
            while from < until {
                let hour = make_hour(&mut generator, from, until);
                if sender.blocking_send(hour).is_err() {
                    break;
                }
                from += Duration::hours(MAKERS);
            }
        }));
    }
    for next in 0.. {
        let turn = next % hours.len();
        let Some(hour) = hours[turn].recv().await else {
            break;
        };
        let (from, to, requests) = (hour.from, hour.to, hour.requests);
        if !store_hour(state, hour).await? {
            break;
        }
        done.hours += 1;
        done.requests += requests;
        done.deployments += record_deployments(state, from, to).await?;
    }
    drop(hours);
    for maker in makers {
        maker.await?;
    }
    done.alert_events = finish(state).await?;
    Ok(done)
}

/// `demo_backfill`'s (start or done-through, end, finished) under lock.
type Marker = Option<(DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>)>;

/// Where an unfinished backfill stands: (done through, until).
async fn pending(state: &AppState) -> anyhow::Result<Option<(DateTime<Utc>, DateTime<Utc>)>> {
    let row: Marker = sqlx::query_as("SELECT done_through, until_ts, finished_at FROM demo_backfill")
        .fetch_optional(&state.db)
        .await?;
    Ok(match row {
        Some((from, until, None)) if from < until => Some((from, until)),
        _ => None,
    })
}

/// An hour of demo traffic, summed up for the rollups.
struct Hour {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    requests: u64,
    days: Vec<chrono::NaiveDate>,
    rollups: app::metrics::ssr::rollup::RollupRows,
    samples: Vec<app::metrics::MetricSample>,
}

/// The hour from `from` (not past `until`): the generator's requests,
/// summed up for every rollup tier, and a CPU sample per service and minute.
fn make_hour(generator: &mut Generator, from: DateTime<Utc>, until: DateTime<Utc>) -> Hour {
    let to = (from + Duration::hours(1)).min(until);
    let mut rng = rand::rngs::StdRng::seed_from_u64(from.timestamp() as u64);
    let (mut requests, mut samples) = (Vec::new(), Vec::new());
    // A failed change: ten minutes after the deployment, the service falters.
    // (Deployments are in the day's late morning: the day of `from` has any
    // the hour holds.)
    let incidents: Vec<(usize, DateTime<Utc>)> = (0..SERVICES.len())
        .filter_map(|index| {
            let start = deployment_at(index, from).filter(|start| failed(index, *start))?;
            Some((index, start + Duration::minutes(10)))
        })
        .collect();
    let mut at = from;
    while at < to {
        for (index, _) in incidents.iter().filter(|(_, starts)| *starts == at) {
            generator.start_incident(*index, at, 6, 7.0);
        }
        let second = generator.second(at, &mut rng);
        requests.extend(second.requests);
        if at.timestamp() % 60 == 0 {
            samples.extend(second.samples);
        }
        at += Duration::seconds(1);
    }
    // Requests of a second lie in the second before it: the hour's first may be yesterday's.
    let first = (from - Duration::seconds(1)).date_naive();
    let days: Vec<chrono::NaiveDate> = first.iter_days().take_while(|day| *day <= to.date_naive()).collect();
    Hour {
        from,
        to,
        requests: requests.len() as u64,
        days,
        rollups: app::metrics::ssr::rollup::RollupRows::of(&requests),
        samples,
    }
}

/// Stores `hour` in one transaction with the row that says so; `false`
/// when the backfill is no longer at its start (another `opsdeck demo`
/// stored it, or finished).
async fn store_hour(state: &AppState, hour: Hour) -> anyhow::Result<bool> {
    let mut tx = state.db.begin().await?;
    let row: Marker = sqlx::query_as("SELECT done_through, until_ts, finished_at FROM demo_backfill FOR UPDATE")
        .fetch_optional(&mut *tx)
        .await?;
    if !matches!(row, Some((at, _, None)) if at == hour.from) {
        return Ok(false);
    }
    app::metrics::ssr::partitions::ensure_days(&mut tx, &hour.days).await?;
    hour.rollups.write(&mut tx).await?;
    let batch = app::metrics::IngestBatch {
        requests: Vec::new(),
        samples: hour.samples,
    };
    app::metrics::ssr::store::store_batch(&mut tx, &batch).await?;
    sqlx::query("UPDATE demo_backfill SET done_through = $1")
        .bind(hour.to)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// When service number `index` deploys on the day of `at`, if it does.
fn deployment_at(index: usize, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let day = at.timestamp().div_euclid(86_400);
    ((day + index as i64).rem_euclid(DEPLOY_EVERY_DAYS) == 0).then(|| {
        let midnight = DateTime::from_timestamp(day * 86_400, 0).unwrap_or_default();
        midnight + Duration::hours(10) + Duration::minutes(47 * index as i64)
    })
}

/// Whether the deployment of service `index` at `start` goes wrong (one in three).
fn failed(index: usize, start: DateTime<Utc>) -> bool {
    (start.timestamp().div_euclid(86_400 * DEPLOY_EVERY_DAYS) + index as i64).rem_euclid(3) == 0
}

/// Records the deployments that started in `[from, to)`, as the
/// deployments API would (audited, by `opsdeck demo`).
async fn record_deployments(state: &AppState, from: DateTime<Utc>, to: DateTime<Utc>) -> anyhow::Result<usize> {
    use app::audit::ssr::{Actor, ClientInfo};
    use app::deployments::ssr::record::{Recorder, record};
    use app::deployments::{DeploymentStatus, NewDeployment, Source};
    let mut recorded = 0;
    for (index, service) in SERVICES.iter().enumerate() {
        let Some(start) = deployment_at(index, from).filter(|start| *start >= from && *start < to) else {
            continue;
        };
        let day = start.timestamp().div_euclid(86_400);
        let new = NewDeployment {
            service: service.name.to_string(),
            version: format!("v2.{}.{index}", day.rem_euclid(1000)),
            environment: "production".to_string(),
            commit: None,
            status: DeploymentStatus::Succeeded,
            started_at: start,
            finished_at: Some(start + Duration::minutes(4)),
            deployed_by: Some("opsdeck demo (generated)".to_string()),
            notes_url: None,
        };
        let recorder = Recorder {
            actor: Actor::cli(),
            client: ClientInfo::cli("opsdeck demo"),
            source: Source::Api,
            by: Default::default(),
            default_deployed_by: "opsdeck demo".to_string(),
            api_key: None,
        };
        record(state, &recorder, new)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        recorded += 1;
    }
    Ok(recorded)
}

/// The demo rules' history over the backfilled window, as the evaluator
/// would have recorded it, and the backfill marked finished: one transaction.
async fn finish(state: &AppState) -> anyhow::Result<usize> {
    let mut tx = state.db.begin().await?;
    let row: Marker = sqlx::query_as("SELECT from_ts, until_ts, finished_at FROM demo_backfill FOR UPDATE")
        .fetch_optional(&mut *tx)
        .await?;
    let Some((from, until, None)) = row else {
        return Ok(0);
    };
    let events = history(&mut tx, from, until).await?;
    sqlx::query("UPDATE demo_backfill SET finished_at = now()")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(events)
}

async fn history(conn: &mut PgConnection, from: DateTime<Utc>, until: DateTime<Utc>) -> anyhow::Result<usize> {
    use app::alerts::AlertState;
    let rules = app::alerts::ssr::store::list(&mut *conn).await?;
    // Only the backfill writes demo rules' events before `until`: a resumed
    // backfill writes the window's history anew.
    sqlx::query(
        "DELETE FROM alert_events e USING alert_rules r \
         WHERE r.id = e.rule_id AND r.name LIKE 'Demo: %' AND e.at >= $1 AND e.at < $2",
    )
    .bind(from)
    .bind(until)
    .execute(&mut *conn)
    .await?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(until.timestamp() as u64);
    let mut stored = 0;
    for rule in rules.iter().filter(|r| r.draft.name.starts_with("Demo: ")) {
        let condition = rule.draft.condition();
        let backtest =
            app::alerts::ssr::evaluate::backtest(conn, &condition, from, until, Duration::minutes(1)).await?;
        let mut firings = Vec::new();
        for transition in &backtest.transitions {
            let id = app::alerts::ssr::store::insert_event(conn, rule, transition, None).await?;
            stored += 1;
            if transition.to == AlertState::Firing {
                firings.push(id);
            }
        }
        // Most firings are acknowledged within minutes, never after they
        // resolved (demo data, like the rest).
        for id in firings {
            if !rng.gen_bool(0.8) {
                continue;
            }
            sqlx::query(
                "UPDATE alert_events e SET acknowledged_at = LEAST(e.at + make_interval(secs => $2), \
                     (SELECT min(n.at) FROM alert_events n WHERE n.rule_id = e.rule_id AND n.at > e.at)) \
                 WHERE e.id = $1",
            )
            .bind(id)
            .bind(rng.gen_range(45.0..600.0))
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(stored)
}
