//! The burn-rate alert rules an SLO generates when it is created: the SRE
//! Workbook's three pairs (page at 14.4× over 1 h and 5 min, page at 6×
//! over 6 h and 30 min, ticket at 1× over 3 days and 6 h), saved as
//! ordinary alert rules of aggregation `slo_burn_rate`, so they get the
//! editor (the factor is the threshold), backtests, silences,
//! notifications and history. Editing the SLO moves them to its service
//! and name; deleting it deletes them, audited.

use std::collections::BTreeMap;

use serde_json::json;
use sqlx::PgConnection;

use crate::alerts::rule::{Rule, RuleDraft};
use crate::alerts::ssr::{manage, store};
use crate::alerts::{Aggregation, Comparator, NoDataPolicy, Severity};
use crate::audit::ssr::Audited;
use crate::error::AppError;
use crate::slo::SloDraft;

/// One pair: what it is called, how severe, its factor and long window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BurnPair {
    pub label: &'static str,
    pub severity: Severity,
    pub factor: f64,
    pub window_secs: i64,
}

/// The workbook's pairs; each short window is a twelfth of the long one.
pub const PAIRS: [BurnPair; 3] = [
    BurnPair {
        label: "page, 1 h and 5 min",
        severity: Severity::Critical,
        factor: 14.4,
        window_secs: 3600,
    },
    BurnPair {
        label: "page, 6 h and 30 min",
        severity: Severity::Critical,
        factor: 6.0,
        window_secs: 6 * 3600,
    },
    BurnPair {
        label: "ticket, 3 days and 6 h",
        severity: Severity::Warning,
        factor: 1.0,
        window_secs: 3 * 86_400,
    },
];

/// The first `max` characters of `text`.
fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// The rules SLO `id` generates.
pub fn drafts(id: i64, slo: &SloDraft) -> Vec<RuleDraft> {
    PAIRS
        .iter()
        .map(|pair| RuleDraft {
            name: format!("{} burn rate ({})", cut(&slo.name, 80), pair.label),
            description: format!(
                "Generated from the SLO “{}”: fires while its error budget burns at {}× or faster over both \
                 windows. Change the factor (the threshold) or the window here; deleting the SLO deletes this rule.",
                cut(&slo.name, 120),
                crate::alerts::rule::format_value(pair.factor)
            ),
            service: slo.service.clone(),
            endpoint: None,
            metric: None,
            matchers: BTreeMap::from([("slo".to_string(), id.to_string())]),
            log_query: None,
            error_issue: None,
            aggregation: Aggregation::SloBurnRate,
            window_secs: pair.window_secs,
            comparator: Comparator::Ge,
            threshold: pair.factor,
            recovery_threshold: None,
            for_secs: 0,
            // No requests is no evidence of a burn.
            no_data: NoDataPolicy::Ok,
            severity: pair.severity,
            labels: BTreeMap::from([("slo".to_string(), cut(&slo.name, 200))]),
            summary: "{{name}}: the error budget burns at {{value}}× (threshold {{threshold}}×)".to_string(),
            channels: Vec::new(),
            enabled: true,
        })
        .collect()
}

/// Saves SLO `id`'s rules in `change` (each with its audit entry).
pub async fn generate(change: &mut Audited, id: i64, slo: &SloDraft) -> Result<(), AppError> {
    for draft in drafts(id, slo) {
        manage::save_in(change, None, &draft, "alert_rule.create").await?;
    }
    Ok(())
}

/// After SLO `id` changed from `before` to `after`: its rules follow its
/// service and name (a rule's own name, factor and windows stay as its
/// editor left them, unless the name is still the generated one), each
/// change audited. A rule whose draft would not change is left alone.
pub async fn follow(change: &mut Audited, id: i64, before: &SloDraft, after: &SloDraft) -> Result<(), AppError> {
    let rules = of_slo(&mut change.tx, id)
        .await
        .map_err(AppError::internal_in("slos: rules"))?;
    let generated_before = drafts(id, before);
    let generated_after = drafts(id, after);
    for rule in rules {
        let mut draft = rule.draft.clone();
        draft.service = after.service.clone();
        draft.labels.insert("slo".to_string(), cut(&after.name, 200));
        let renamed = generated_before
            .iter()
            .zip(&generated_after)
            .find(|(old, _)| old.name == draft.name);
        if let Some((_, new)) = renamed {
            draft.name = new.name.clone();
            draft.description = new.description.clone();
        }
        if draft != rule.draft {
            manage::save_in(change, Some(rule.id), &draft, "alert_rule.update").await?;
        }
    }
    Ok(())
}

/// The burn-rate rules that watch SLO `id`, by id.
pub async fn of_slo(conn: &mut PgConnection, id: i64) -> sqlx::Result<Vec<Rule>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM alert_rules WHERE aggregation = 'slo_burn_rate' AND matchers ->> 'slo' = $1 ORDER BY id",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut rules = Vec::with_capacity(ids.len());
    for rule_id in ids {
        rules.extend(store::get(&mut *conn, rule_id).await?);
    }
    Ok(rules)
}

/// Deletes SLO `id`'s rules in `change`, each with its audit entry.
pub async fn delete_for(change: &mut Audited, id: i64) -> Result<(), AppError> {
    let rules = of_slo(&mut change.tx, id)
        .await
        .map_err(AppError::internal_in("slos: rules"))?;
    for rule in rules {
        store::delete(&mut change.tx, rule.id)
            .await
            .map_err(AppError::internal_in("slos: delete rule"))?;
        let entry = change
            .entry("alert_rule.delete")
            .target("alert_rule", rule.id)
            .change(Some(json!(rule.draft)), None);
        change.append(entry, "slos: audit").await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::{SloKind, SloWindow};

    #[test]
    fn an_slo_generates_the_workbooks_three_pairs_as_valid_rules() {
        let slo = SloDraft {
            name: "n".repeat(120),
            description: String::new(),
            service: "checkout".into(),
            endpoint: Some("/pay".into()),
            kind: SloKind::Availability,
            good_statuses: None,
            threshold_ms: None,
            objective: 99.9,
            window: SloWindow::Rolling30,
        };
        let rules = drafts(7, &slo);
        let pairs: Vec<(f64, i64, Severity)> = rules.iter().map(|r| (r.threshold, r.window_secs, r.severity)).collect();
        assert_eq!(
            pairs,
            vec![
                (14.4, 3600, Severity::Critical),
                (6.0, 21_600, Severity::Critical),
                (1.0, 259_200, Severity::Warning)
            ]
        );
        for rule in &rules {
            assert_eq!(rule.validate(), Ok(()), "{}", rule.name);
            assert_eq!(crate::alerts::rule::slo_of(&rule.matchers), Some(7));
            assert!(rule.name.chars().count() <= 120);
        }
    }
}
