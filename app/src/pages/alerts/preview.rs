//! The editor's chart of the watched series with the thresholds drawn on
//! it, and the backtest: when the draft rule would have fired and resolved,
//! as bands on a strip under the chart (SVG: readable without JavaScript)
//! and as a list.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::badges::when;
use crate::alerts::rule::format_value;
use crate::alerts::state::Backtest;
use crate::alerts::views::Preview;
use crate::components::chart::{ChartLine, LineChart};
use crate::components::table_head::TableHead;

#[component]
pub fn PreviewPanel(preview: Preview) -> impl IntoView {
    let points: Vec<(i64, f64)> = preview
        .series
        .iter()
        .filter_map(|(t, v)| v.map(|v| (t.timestamp_millis(), v)))
        .collect();
    let edges = [preview.from.timestamp_millis(), preview.to.timestamp_millis()];
    let mut lines = vec![
        ChartLine { name: "Value", points },
        ChartLine {
            name: "Threshold",
            points: edges.iter().map(|t| (*t, preview.threshold)).collect(),
        },
    ];
    if let Some(recovery) = preview.recovery_threshold {
        lines.push(ChartLine {
            name: "Recovery threshold",
            points: edges.iter().map(|t| (*t, recovery)).collect(),
        });
    }
    let with_data = preview.series.iter().filter(|(_, v)| v.is_some()).count();
    let hours = (preview.to - preview.from).num_hours();
    view! {
        <section class="panel" aria-labelledby="preview-heading" data-testid="rule-preview">
            <h2 id="preview-heading">{format!("The watched value over the last {hours} h")}</h2>
            <p class="muted">{format!("{with_data} of {} points have data (one every {} min).", preview.series.len(), preview.step_secs / 60)}</p>
            <LineChart
                id="rule-chart"
                title="Rule value"
                unit="value"
                lines=Signal::stored(lines)
                empty="No data for this rule in this time range"
                x_range=Signal::stored((edges[0], edges[1]))
            />
            {preview.backtest.map(|backtest| view! { <BacktestResult backtest /> })}
        </section>
    }
}

#[component]
fn BacktestResult(backtest: Backtest) -> impl IntoView {
    let (from, to) = (backtest.from, backtest.to);
    let span = (to - from).num_milliseconds().max(1) as f64;
    let x = move |t: DateTime<Utc>| ((t - from).num_milliseconds() as f64 / span * 1000.0).clamp(0.0, 1000.0);
    let fired = backtest.episodes.len();
    let summary = format!(
        "Backtest: {} evaluations every {} s over {} h — the rule would have fired {} time{}.",
        backtest.evaluations,
        backtest.every_secs,
        (to - from).num_hours(),
        fired,
        if fired == 1 { "" } else { "s" }
    );
    let bands = backtest
        .episodes
        .iter()
        .map(|episode| {
            let start = x(episode.fired_at);
            let end = x(episode.resolved_at.unwrap_or(to));
            let label = format!(
                "Fired {}{}",
                episode.fired_at.format("%Y-%m-%d %H:%M:%S UTC"),
                episode
                    .resolved_at
                    .map(|r| format!(", resolved {}", r.format("%H:%M:%S UTC")))
                    .unwrap_or_default()
            );
            view! {
                <rect class="firing-band" x=format!("{start:.1}") y="0" width=format!("{:.1}", (end - start).max(2.0)) height="24">
                    <title>{label}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <div data-testid="backtest">
            <h3>"Backtest"</h3>
            <p data-testid="backtest-summary">{summary}</p>
            <svg class="backtest-strip" viewBox="0 0 1000 24" preserveAspectRatio="none" role="img" aria-label="When the rule would have fired">
                <rect class="backtest-track" x="0" y="0" width="1000" height="24" />
                {bands}
            </svg>
            <p class="muted backtest-axis">
                <span>{from.format("%Y-%m-%d %H:%M UTC").to_string()}</span>
                <span>{to.format("%Y-%m-%d %H:%M UTC").to_string()}</span>
            </p>
            {if backtest.episodes.is_empty() {
                view! { <p class="muted" data-testid="no-episodes">"It would not have fired in this range."</p> }.into_any()
            } else {
                view! {
                    <table class="audit-table" data-testid="backtest-episodes">
                        <TableHead columns=&["Fired", "Resolved", "Lasted", "Value when fired"] />
                        <tbody>
                            {backtest.episodes.into_iter().map(|e| {
                                let lasted = e.resolved_at.map_or_else(
                                    || "still firing".to_string(),
                                    |r| format!("{} min", (r - e.fired_at).num_minutes()),
                                );
                                view! {
                                    <tr>
                                        <td>{when(e.fired_at)}</td>
                                        <td>{e.resolved_at.map_or_else(|| view! { <span>"—"</span> }.into_any(), |r| when(r).into_any())}</td>
                                        <td>{lasted}</td>
                                        <td>{e.value.map_or_else(|| "no data".to_string(), format_value)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </div>
    }
}
