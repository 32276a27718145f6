//! The demo's traffic, one second at a time: per service a number of
//! requests following the daily rhythm, each on an endpoint by weight with
//! a log-normal latency and now and then an error; incidents (a few minutes
//! of 5–10× slower answers and ~20 % server errors) start at random or when
//! told; a CPU gauge per service; and the log lines (`log_lines.rs`).

use chrono::{DateTime, Timelike, Utc};
use rand::Rng;
use serde_json::Value;

use super::{INCIDENT_CHANCE, SERVICES, SIGMA, log_lines};
use app::metrics::{MetricKind, MetricSample, RequestEvent};

/// One second of the demo: requests, samples and log lines.
pub struct Second {
    pub requests: Vec<RequestEvent>,
    pub samples: Vec<MetricSample>,
    pub logs: Vec<Value>,
}

/// An incident in progress.
pub struct Incident {
    pub until: DateTime<Utc>,
    pub slowdown: f64,
}

pub struct Generator {
    pub incidents: Vec<Option<Incident>>,
    /// The chance, each second, that a service without one starts an incident.
    pub incident_chance: f64,
    /// Whether log lines are made too.
    pub logs: bool,
    /// Whether incidents are announced on stderr.
    pub announce: bool,
}

impl Generator {
    pub fn new() -> Generator {
        Generator {
            incidents: SERVICES.iter().map(|_| None).collect(),
            incident_chance: INCIDENT_CHANCE,
            logs: true,
            announce: true,
        }
    }

    /// Starts an incident of `minutes` on service number `service` at `now`.
    pub fn start_incident(&mut self, service: usize, now: DateTime<Utc>, minutes: i64, slowdown: f64) {
        if self.announce {
            eprintln!(
                "opsdeck demo: incident on {} for {minutes} minutes ({slowdown:.0}× slower, ~20 % errors)",
                SERVICES[service].name
            );
        }
        self.incidents[service] = Some(Incident {
            until: now + chrono::TimeDelta::minutes(minutes),
            slowdown,
        });
    }

    /// One second of traffic: requests, a CPU sample per service and (when
    /// asked) the services' log lines.
    pub fn second(&mut self, now: DateTime<Utc>, rng: &mut impl Rng) -> Second {
        let mut second = Second {
            requests: Vec::new(),
            samples: Vec::new(),
            logs: Vec::new(),
        };
        let rhythm = daily_rhythm(now);
        for (index, service) in SERVICES.iter().enumerate() {
            if self.incidents[index].as_ref().is_some_and(|i| i.until <= now) {
                if self.announce {
                    eprintln!("opsdeck demo: incident on {} is over", service.name);
                }
                self.incidents[index] = None;
            }
            if self.incidents[index].is_none() && rng.gen_bool(self.incident_chance) {
                let (minutes, slowdown) = (rng.gen_range(3..=6), rng.gen_range(5.0..10.0));
                self.start_incident(index, now, minutes, slowdown);
            }
            let incident = self.incidents[index].as_ref();
            let (slowdown, extra_errors) = incident.map_or((1.0, 0.0), |i| (i.slowdown, 0.2));
            let expected = service.peak_rps * rhythm * rng.gen_range(0.8..1.2);
            let total_weight: f64 = service.endpoints.iter().map(|e| e.weight).sum();
            for _ in 0..poisson_ish(expected, rng) {
                let mut pick = rng.gen_range(0.0..total_weight);
                let endpoint = service.endpoints.iter().find(|e| {
                    pick -= e.weight;
                    pick < 0.0
                });
                let Some(endpoint) = endpoint.or(service.endpoints.last()) else {
                    continue;
                };
                let duration = endpoint.median_ms * slowdown * (SIGMA * standard_normal(rng)).exp();
                let status: u16 = if rng.gen_bool((endpoint.error_rate + extra_errors).min(1.0)) {
                    [500, 502, 503][rng.gen_range(0..3)]
                } else if rng.gen_bool(0.03) {
                    [400, 404, 409][rng.gen_range(0..3)]
                } else {
                    200
                };
                let ts = now - chrono::TimeDelta::milliseconds(rng.gen_range(0..1000));
                if self.logs {
                    let served = log_lines::Served {
                        service: service.name,
                        method: endpoint.method,
                        path: endpoint.path,
                        status,
                        duration_ms: duration,
                        ts,
                        in_incident: incident.is_some(),
                    };
                    second.logs.extend(log_lines::line(&served, rng));
                }
                second.requests.push(RequestEvent {
                    service: service.name.to_string(),
                    endpoint: endpoint.path.to_string(),
                    method: endpoint.method.to_string(),
                    status: status as i16,
                    duration_ms: (duration * 100.0).round() / 100.0,
                    ts,
                });
            }
            let cpu = (15.0 + 55.0 * rhythm + if incident.is_some() { 25.0 } else { 0.0 } + 4.0 * standard_normal(rng))
                .clamp(1.0, 100.0);
            second.samples.push(MetricSample {
                service: service.name.to_string(),
                name: "cpu_percent".to_string(),
                value: (cpu * 10.0).round() / 10.0,
                labels: Default::default(),
                ts: now,
                kind: MetricKind::Gauge,
            });
        }
        second
    }
}

/// 0.15 at night to 1.0 at the 14:00 UTC peak.
pub fn daily_rhythm(now: DateTime<Utc>) -> f64 {
    let hours = f64::from(now.hour()) + f64::from(now.minute()) / 60.0;
    let phase = (hours - 14.0) / 24.0 * std::f64::consts::TAU;
    0.575 + 0.425 * phase.cos()
}

/// A whole number of requests around `expected` (normal approximation, never negative).
fn poisson_ish(expected: f64, rng: &mut impl Rng) -> usize {
    (expected + expected.sqrt() * standard_normal(rng)).round().max(0.0) as usize
}

/// Box–Muller.
fn standard_normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.r#gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
