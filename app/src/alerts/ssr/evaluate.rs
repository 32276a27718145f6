//! One evaluation of a rule now (the live evaluator) and many over stored
//! history (a backtest): the same [`value_at`] and the same [`step`].

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use super::series::{load, value_at, window};
use crate::alerts::notify::{NotificationKind, announces};
use crate::alerts::rule::Rule;
use crate::alerts::state::{Backtest, Observation, Tracker, Transition, episodes, step};
use crate::alerts::{AlertState, Condition, Watched};

/// The longest history a backtest may replay.
pub const MAX_BACKTEST_DAYS: i64 = 7;

/// What a rule's series shows at `at` (a failed query is an `Error`
/// observation; its cause goes to the log, not to the page).
pub async fn observe(conn: &mut PgConnection, watched: &Watched, at: DateTime<Utc>) -> Observation {
    let (from, to) = window(watched, at);
    match load(conn, watched, from, to).await {
        Ok(minutes) => value_at(watched, &minutes, at),
        Err(error) => {
            tracing::warn!(%error, "alert rule query failed");
            Observation::Error("The rule's data could not be read".into())
        }
    }
}

/// Replays `condition` over `[from, to]`, evaluating every `every` as the
/// live evaluator would, starting from `normal`.
pub async fn backtest(
    conn: &mut PgConnection,
    condition: &Condition,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    every: Duration,
) -> sqlx::Result<Backtest> {
    let watched = &condition.watched;
    let minutes = load(conn, watched, window(watched, from).0, to).await?;
    let every = every.max(Duration::seconds(1));
    let mut tracker = Tracker::new(from);
    let mut transitions = Vec::new();
    let mut evaluations = 0;
    let mut at = from + every;
    while at <= to {
        let seen = value_at(watched, &minutes, at);
        transitions.extend(step(&condition.thresholds, &mut tracker, at, &seen));
        evaluations += 1;
        at += every;
    }
    let episodes = episodes(&transitions);
    Ok(Backtest {
        from,
        to,
        every_secs: every.num_seconds(),
        evaluations,
        transitions,
        episodes,
    })
}

/// What one evaluator cycle did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cycle {
    pub rules: usize,
    pub transitions: Vec<(i64, Transition)>,
}

/// Evaluates every enabled rule at `at` and records states and events. A rule
/// whose condition changed since its state was recorded starts from
/// `normal`; one whose condition did not keeps its state.
///
/// A transition the rule's channels announce (firing, resolved) writes
/// their outbox rows in the same transaction as its event; a firing alert
/// not announced for a channel's repeat interval is announced again.
pub async fn run_cycle(pool: &sqlx::PgPool, at: DateTime<Utc>) -> sqlx::Result<Cycle> {
    use super::{channels, outbox, store};
    let mut conn = pool.acquire().await?;
    let rules = store::enabled(&mut conn).await?;
    let mut trackers = store::trackers(&mut conn).await?;
    let targets = channels::targets(&mut conn).await?;
    let mut cycle = Cycle {
        rules: rules.len(),
        transitions: Vec::new(),
    };
    for rule in &rules {
        let condition = rule.draft.condition();
        let mut tracker = match trackers.remove(&rule.id) {
            Some((tracker, Some(tracked))) if tracked == condition => tracker,
            _ => Tracker::new(at),
        };
        let seen = observe(&mut conn, &condition.watched, at).await;
        let transition = step(&condition.thresholds, &mut tracker, at, &seen);
        let silenced: Option<i64> = None;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let event_id = store::record(&mut tx, rule, &tracker, seen.value(), at, transition.as_ref()).await?;
        if let Some(transition) = transition.as_ref().filter(|t| announces(t.to) && silenced.is_none()) {
            let ids: Vec<i64> = outbox::channels_of(rule, &targets).iter().map(|t| t.id).collect();
            let notification = outbox::notification(rule, NotificationKind::Transition, transition);
            outbox::enqueue(&mut tx, &ids, event_id, &notification).await?;
        }
        tx.commit().await?;
        cycle.transitions.extend(transition.map(|t| (rule.id, t)));
    }
    repeat_firing(&mut conn, &rules, at).await?;
    Ok(cycle)
}

/// Announces again every firing rule a channel has not heard about for its
/// repeat interval.
async fn repeat_firing(conn: &mut PgConnection, rules: &[Rule], at: DateTime<Utc>) -> sqlx::Result<()> {
    use super::outbox;
    for (rule_id, channel_id, value) in outbox::repeats_due(conn, at).await? {
        let Some(rule) = rules.iter().find(|r| r.id == rule_id) else {
            continue;
        };
        let still = Transition {
            at,
            from: AlertState::Firing,
            to: AlertState::Firing,
            value,
        };
        let notification = outbox::notification(rule, NotificationKind::Repeat, &still);
        outbox::enqueue(conn, &[channel_id], None, &notification).await?;
    }
    Ok(())
}
