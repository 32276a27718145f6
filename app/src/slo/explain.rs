//! The sentence under every budget that says how it was computed: events
//! counted and where from, good events and what "good" meant, the
//! objective and window, what the objective allows, and the data's
//! coverage (minutes without requests are unmeasured).

use chrono::{DateTime, Utc};

use super::budget::{Budget, decimal, duration};
use super::{LATENCY_BOUND, SloDraft, SloKind};
use crate::alerts::rule::format_value;

/// What "good" meant for `draft`, and where the events were counted.
pub fn good_means(draft: &SloDraft) -> (String, &'static str) {
    match (draft.kind, &draft.good_statuses, draft.threshold_ms) {
        (SloKind::Latency, _, Some(ms)) => (
            format!(
                "at most {} ms, read from the latency histograms, so a request up to {} % slower may count as good",
                format_value(ms),
                format_value(LATENCY_BOUND * 100.0)
            ),
            "the per-minute rollups",
        ),
        (SloKind::Availability, Some(set), _) => (format!("status {set}"), "the raw request events"),
        _ => ("not 5xx".to_string(), "the per-minute rollups"),
    }
}

/// Thousands separated by thin spaces: 1 234 567.
pub fn count(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::new();
    for (n, c) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if value < 0 { format!("−{out}") } else { out }
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The whole account of `budget` for `draft`.
pub fn sentence(draft: &SloDraft, budget: &Budget) -> String {
    let scope = match &draft.endpoint {
        Some(endpoint) => format!("{} {endpoint}", draft.service),
        None => draft.service.clone(),
    };
    let (good, source) = good_means(draft);
    let window = format!(
        "{} % over a {} (from {} to {})",
        format_value(draft.objective),
        draft.window.label(),
        utc(budget.from),
        utc(budget.to)
    );
    let coverage = format!(
        "Data covers {} of the {} minutes measured so far ({} %); the {} minutes without requests are unmeasured \
         and count neither good nor bad.",
        count(budget.measured_minutes),
        count(budget.elapsed_minutes),
        decimal(budget.coverage() * 100.0),
        count((budget.elapsed_minutes - budget.measured_minutes).max(0)),
    );
    if budget.events == 0 {
        return format!(
            "No requests of {scope} were counted in {source} for the objective of {window}, so the budget is \
             unmeasured (not 100 %). {coverage}"
        );
    }
    format!(
        "Counted {} requests of {scope} from {source}: {} good ({good}). The objective of {window} allows {} bad \
         requests out of these; {} {} bad, so {} of the budget is left ({} of {}). {coverage}",
        count(budget.events),
        count(budget.good),
        decimal(budget.allowed_bad()),
        count(budget.bad()),
        if budget.bad() == 1 { "was" } else { "were" },
        budget
            .remaining
            .map_or_else(|| "none".to_string(), |r| format!("{} %", decimal(r * 100.0))),
        duration(budget.minutes_left().unwrap_or_default()),
        duration(budget.budget_minutes),
    )
}
