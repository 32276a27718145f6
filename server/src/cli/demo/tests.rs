use super::generator::{Incident, daily_rhythm};
use super::*;
use chrono::{DateTime, Timelike};
use rand::SeedableRng;
use serde_json::Value;

/// 40 minutes of generated `demo-checkout` traffic with an incident in
/// minutes 15–20, evaluated every 15 s with the demo rule by the
/// evaluator's own code: the incident fires the rule, and it resolves by
/// itself once the incident is over.
#[test]
fn a_demo_incident_fires_the_demo_rule_which_then_resolves_at_any_hour() {
    use chrono::TimeZone;
    // Traffic follows a daily rhythm: the quiet night hours and the busy afternoon alike.
    for hour in [0, 3, 6, 9, 12, 15, 18, 21] {
        let start = Utc.with_ymd_and_hms(2026, 11, 24, hour, 0, 0).single().expect("a time");
        incident_fires_and_resolves(start);
    }
}

fn incident_fires_and_resolves(start: DateTime<Utc>) {
    use app::alerts::ssr::series::{Minutes, value_at};
    use app::alerts::state::{Tracker, episodes, step};
    use app::metrics::ssr::queries::Merged;
    use chrono::{DurationRound, TimeDelta};

    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut generator = Generator::new();
    // Only the incident started below (a random one could overlap it).
    generator.incident_chance = 0.0;
    let mut minutes: Vec<Merged<DateTime<Utc>>> = Vec::new();
    for second in 0..40 * 60 {
        let now = start + TimeDelta::seconds(second);
        if second == 15 * 60 {
            generator.incidents[0] = Some(Incident {
                until: now + TimeDelta::minutes(5),
                slowdown: 6.0,
            });
        }
        let second = generator.second(now, &mut rng);
        let minute = now.duration_trunc(TimeDelta::minutes(1)).expect("minute");
        if minutes.last().is_none_or(|m| m.key != minute) {
            minutes.push(Merged::new(minute));
        }
        let bucket = minutes.last_mut().expect("a minute");
        for request in second.requests.iter().filter(|r| r.service == "demo-checkout") {
            bucket.record(request.duration_ms, request.status >= 500);
        }
    }
    let rule = demo_rule("demo-checkout");
    assert!(rule.validate().is_ok());
    let condition = rule.condition();
    let data = Minutes::Requests(minutes);
    let mut tracker = Tracker::new(start);
    let mut transitions = Vec::new();
    let mut at = start + TimeDelta::minutes(3);
    while at <= start + TimeDelta::minutes(40) {
        let seen = value_at(&condition.watched, &data, at);
        transitions.extend(step(&condition.thresholds, &mut tracker, at, &seen));
        at += TimeDelta::seconds(15);
    }
    let fired = episodes(&transitions);
    let incident = fired
        .iter()
        .find(|e| e.fired_at > start + TimeDelta::minutes(15) && e.fired_at < start + TimeDelta::minutes(20))
        .unwrap_or_else(|| panic!("at {start} the incident fires the rule: {transitions:?}"));
    let resolved = incident.resolved_at.expect("it resolves on its own");
    assert!(
        resolved > start + TimeDelta::minutes(20) && resolved <= start + TimeDelta::minutes(25),
        "at {start}: {resolved}"
    );
}

#[test]
fn the_rhythm_peaks_in_the_afternoon_and_stays_positive() {
    let at = |h: u32| {
        daily_rhythm(
            Utc::now()
                .with_hour(h)
                .and_then(|t| t.with_minute(0))
                .unwrap_or_default(),
        )
    };
    assert!((at(14) - 1.0).abs() < 1e-9);
    assert!(at(2) < 0.2 && at(2) > 0.1);
}

#[test]
fn a_second_of_traffic_is_a_valid_batch_of_demo_services() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let now = Utc::now().with_hour(14).unwrap_or_default();
    let second = Generator::new().second(now, &mut rng);
    let requests = &second.requests;
    assert!(requests.len() > 20, "{} requests at the peak", requests.len());
    assert!(requests.iter().all(|r| app::metrics::is_demo_service(&r.service)));
    assert!(requests.iter().all(|r| r.duration_ms > 0.0));
    assert_eq!(second.samples.len(), SERVICES.len());
    // What the live demo sends is what the ingest API parses.
    let batch = json!({ "requests": second.requests, "samples": second.samples });
    let window = app::metrics::ingest::TimeWindow::around(now, 7);
    let parsed = app::metrics::ingest::parse_body(
        batch.to_string().as_bytes(),
        app::metrics::ingest::BodyFormat::Json,
        window,
    );
    assert_eq!(parsed.map(|b| b.len()).ok(), Some(requests.len() + SERVICES.len()));
}

/// The demo's log lines pass the log door's own checks, and tell an
/// incident from an ordinary hour: every failure is logged with its cause.
#[test]
fn demo_log_lines_are_what_the_log_door_accepts_and_an_incident_shows_in_them() {
    use app::metrics::ingest::TimeWindow;
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut generator = Generator::new();
    generator.incident_chance = 0.0;
    let start = Utc::now();
    let mut quiet = Vec::new();
    for second in 0..60 {
        quiet.extend(
            generator
                .second(start + chrono::TimeDelta::seconds(second), &mut rng)
                .logs,
        );
    }
    generator.incidents[3] = Some(Incident {
        until: start + chrono::TimeDelta::minutes(10),
        slowdown: 6.0,
    });
    let mut incident = Vec::new();
    for second in 60..120 {
        incident.extend(
            generator
                .second(start + chrono::TimeDelta::seconds(second), &mut rng)
                .logs,
        );
    }
    let window = TimeWindow::around(start, 7);
    for lines in [&quiet, &incident] {
        let parsed = app::logs::ingest::ndjson::parse(log_lines::ndjson(lines).as_bytes(), window)
            .expect("the log door accepts every demo line");
        assert_eq!(parsed.len(), lines.len());
    }
    let payment_errors = |lines: &[Value]| {
        lines
            .iter()
            .filter(|l| l["service"] == "demo-payments" && l["level"] == "error")
            .count()
    };
    assert!(
        payment_errors(&incident) > 5 * payment_errors(&quiet).max(1),
        "an incident logs many more errors: {} against {}",
        payment_errors(&incident),
        payment_errors(&quiet)
    );
    assert!(
        incident
            .iter()
            .any(|l| l["message"].as_str().is_some_and(|m| m.contains("timed out")
                || m.contains("pool exhausted")
                || m.contains("statement timeout"))),
        "an incident's failures carry their cause"
    );
    let infos = quiet.iter().filter(|l| l["level"] == "info").count();
    assert!(infos > 0, "successes are logged, sampled");
}
