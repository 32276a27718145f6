//! A deployment's impact in words and numbers: P95 and error rate in the 30
//! minutes before against the 30 after, and the verdict of the rule in
//! `deployments::impact`.

use leptos::prelude::*;

use crate::deployments::{Impact, Verdict};
use crate::pages::performance::numbers::{millis, percent};

#[component]
pub fn ImpactCell(impact: Impact) -> impl IntoView {
    let (class, label) = match impact.verdict {
        Verdict::Worse => ("badge badge-down", "Worse"),
        Verdict::NoRegression => ("badge badge-up", "No regression"),
        Verdict::NotEnoughTraffic => ("badge badge-quiet", "Too little traffic"),
    };
    let title = format!(
        "Before: {} to {} UTC, {} requests. After: {} to {} UTC, {} requests.",
        impact.before.from.format("%H:%M"),
        impact.before.to.format("%H:%M"),
        impact.before.requests,
        impact.after.from.format("%H:%M"),
        impact.after.to.format("%H:%M"),
        impact.after.requests,
    );
    let arrow = |before: String, after: String| format!("{before} → {after}");
    let p95 = arrow(
        shown_ms(impact.before.requests, impact.before.p95_ms),
        shown_ms(impact.after.requests, impact.after.p95_ms),
    );
    let errors = arrow(
        shown_rate(impact.before.requests, impact.before.error_rate()),
        shown_rate(impact.after.requests, impact.after.error_rate()),
    );
    let quiet = impact.before.requests == 0 && impact.after.requests == 0;
    view! {
        <div class="impact" data-testid="impact" title=title>
            <span class=class data-testid="verdict">{label}</span>
            {if quiet {
                view! { <span class="impact-line muted">"No requests either side"</span> }.into_any()
            } else {
                view! {
                    <span class=if impact.p95_worse { "impact-line worse" } else { "impact-line" }>"P95 "{p95}</span>
                    <span class=if impact.errors_worse { "impact-line worse" } else { "impact-line" }>"Errors "{errors}</span>
                }
                .into_any()
            }}
            {(!impact.complete).then(|| view! { <span class="hint">"so far"</span> })}
        </div>
    }
}

fn shown_ms(requests: i64, ms: f64) -> String {
    if requests > 0 { millis(ms) } else { "—".to_string() }
}

fn shown_rate(requests: i64, rate: f64) -> String {
    if requests > 0 { percent(rate) } else { "—".to_string() }
}
