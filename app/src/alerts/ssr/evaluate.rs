//! One evaluation of a rule now (the live evaluator) and many over stored
//! history (a backtest): the same [`value_at`] and the same [`step`].

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use super::series::{load, load_window, value_at, window};
use crate::alerts::notify::{NotificationKind, announces};
use crate::alerts::rule::Rule;
use crate::alerts::state::{Backtest, Observation, Tracker, Transition, episodes, step};
use crate::alerts::{AlertState, Condition, Watched};
use crate::audit::ssr::AuditKey;

/// The longest history a backtest may replay.
pub const MAX_BACKTEST_DAYS: i64 = 7;

/// The longest history a burn-rate rule's backtest may replay (an SLO's window).
pub const MAX_BURN_BACKTEST_DAYS: i64 = 30;

/// What a rule's series shows at `at` (a failed query is an `Error`
/// observation; its cause goes to the log, not to the page).
pub async fn observe(conn: &mut PgConnection, watched: &Watched, at: DateTime<Utc>) -> Observation {
    let (from, to) = window(watched, at);
    match load_window(conn, watched, from, to).await {
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
    /// `(rule id, transition, silenced)`: every state change, with the id of
    /// the silence in force for the rule (its event stores it too). A
    /// silenced transition is recorded and shown but sends nothing.
    pub transitions: Vec<(i64, Transition, Option<i64>)>,
    /// Silences this cycle ended because every alert they matched resolved.
    pub silences_ended: Vec<i64>,
}

/// Evaluates every enabled rule at `at` and records states and events. A rule
/// whose condition changed since its state was recorded starts from
/// `normal`; one whose condition did not keeps its state.
///
/// Silences in force at `at` are read once; a rule's alert is `silenced` by
/// the oldest one matching it. Every matching silence notes the rule while it
/// is pending or firing, and after the rules, silences that asked to end when
/// their alerts resolved and whose matched alerts all have, end (audited as
/// Opsdeck's own change).
///
/// A transition the rule's channels announce (firing, resolved) writes
/// their outbox rows in the same transaction as its event, unless the rule
/// is silenced; a firing alert not announced for a channel's repeat interval
/// is announced again (unless silenced).
pub async fn run_cycle(pool: &sqlx::PgPool, audit: &AuditKey, at: DateTime<Utc>) -> sqlx::Result<Cycle> {
    use super::{channels, outbox, silences, store};
    let mut conn = pool.acquire().await?;
    let rules = store::enabled(&mut conn).await?;
    let mut trackers = store::trackers(&mut conn).await?;
    let in_force = silences::active(&mut conn, at).await?;
    let targets = channels::targets(&mut conn).await?;
    let mut silenced_rules = Vec::new();
    let mut cycle = Cycle {
        rules: rules.len(),
        ..Cycle::default()
    };
    for rule in &rules {
        let condition = rule.draft.condition();
        let mut tracker = match trackers.remove(&rule.id) {
            Some((tracker, Some(tracked))) if tracked == condition => tracker,
            _ => Tracker::new(at),
        };
        let matching: Vec<i64> = in_force
            .iter()
            .filter(|s| s.matches(&rule.draft))
            .map(|s| s.id)
            .collect();
        let silenced: Option<i64> = matching.first().copied();
        let seen = observe(&mut conn, &condition.watched, at).await;
        let transition = step(&condition.thresholds, &mut tracker, at, &seen);
        // The rule's state, its event, its notifications and its silence
        // matches in one transaction.
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let event_id =
            match store::record(&mut tx, rule, &tracker, seen.value(), at, transition.as_ref(), silenced).await {
                Ok(event_id) => event_id,
                // Deleted since the cycle read it (by someone, or with its SLO):
                // nothing to record, and the other rules' cycle goes on.
                Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23503") => {
                    tx.rollback().await?;
                    continue;
                }
                Err(error) => return Err(error),
            };
        if let Some(transition) = transition.as_ref().filter(|t| announces(t.to) && silenced.is_none()) {
            let ids: Vec<i64> = outbox::channels_of(rule, &targets).iter().map(|t| t.id).collect();
            let notification = outbox::notification(rule, NotificationKind::Transition, transition);
            outbox::enqueue(&mut tx, &ids, event_id, &notification).await?;
        }
        if silenced.is_some() {
            silenced_rules.push(rule.id);
        }
        if tracker.state.is_active() {
            silences::record_matches(&mut tx, &matching, rule.id, at).await?;
        }
        tx.commit().await?;
        cycle.transitions.extend(transition.map(|t| (rule.id, t, silenced)));
    }
    cycle.silences_ended = super::manage_silences::end_resolved(&mut conn, audit, at).await?;
    repeat_firing(&mut conn, &rules, &silenced_rules, at).await?;
    Ok(cycle)
}

/// Announces again every firing rule a channel has not heard about for its
/// repeat interval, except the `silenced` ones.
async fn repeat_firing(
    conn: &mut PgConnection,
    rules: &[Rule],
    silenced: &[i64],
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    use super::outbox;
    for (rule_id, channel_id, value) in outbox::repeats_due(conn, at).await? {
        let Some(rule) = rules.iter().find(|r| r.id == rule_id && !silenced.contains(&r.id)) else {
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
