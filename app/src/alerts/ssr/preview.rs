//! A draft rule's preview: its value over the last hours, and, when asked,
//! a backtest of when it would have fired and resolved (the evaluator's own
//! code over stored history).

use chrono::Duration;
use sqlx::PgConnection;

use super::evaluate::{MAX_BACKTEST_DAYS, MAX_BURN_BACKTEST_DAYS, backtest};
use super::series::{evaluation_time, load, value_at, window};
use crate::alerts::form::RuleForm;
use crate::alerts::views::Preview;
use crate::error::AppError;

/// A chart holds at most this many points.
const PREVIEW_POINTS: i64 = 300;

/// The draft `form` describes over the last `hours` (1 hour to
/// [`MAX_BACKTEST_DAYS`], [`MAX_BURN_BACKTEST_DAYS`] for burn-rate rules) and, with `backtest_every`, its backtest evaluating
/// that often.
pub async fn preview(
    conn: &mut PgConnection,
    form: &RuleForm,
    hours: i64,
    backtest_every: Option<Duration>,
) -> Result<Preview, AppError> {
    let draft = form.parse()?;
    // A burn-rate rule's windows reach 3 days: it is backtested over an SLO's 30.
    let days = if draft.aggregation.reads_slo() {
        MAX_BURN_BACKTEST_DAYS
    } else {
        MAX_BACKTEST_DAYS
    };
    if !(1..=days * 24).contains(&hours) {
        return Err(AppError::validation("hours", format!("From 1 hour to {days} days")));
    }
    let condition = draft.condition();
    let to = evaluation_time();
    let from = to - Duration::hours(hours);
    let step = Duration::minutes(((hours * 60) / PREVIEW_POINTS).max(1));
    let minutes = load(&mut *conn, &condition.watched, window(&condition.watched, from).0, to)
        .await
        .map_err(AppError::internal_in("alerts: preview"))?;
    let mut series = Vec::new();
    let mut at = from + step;
    while at <= to {
        series.push((at, value_at(&condition.watched, &minutes, at).value()));
        at += step;
    }
    let backtest = match backtest_every {
        Some(every) => Some(
            backtest(conn, &condition, from, to, every)
                .await
                .map_err(AppError::internal_in("alerts: backtest"))?,
        ),
        None => None,
    };
    Ok(Preview {
        from,
        to,
        series,
        step_secs: step.num_seconds(),
        threshold: draft.threshold,
        recovery_threshold: draft.recovery_threshold,
        backtest,
    })
}
