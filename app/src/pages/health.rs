//! The Health page (`/health-checks`): the history of the `/ready` checks of
//! Postgres and Redis — response time as a chart, the key numbers and the
//! stretches of time a check was degraded or down as text (so the page says
//! everything without JavaScript too). Driven by the URL's query.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::chart::{ChartLine, LineChart};
use crate::components::logs_link::LogsLink;
use crate::components::range_fields::RangeFilter;
use crate::components::status_badge::StatusBadge;
use crate::components::table_head::TableHead;
use crate::health::get_health_history;
use crate::health::history::{CheckHistory, HealthHistory, HealthQuery, Incident};
use crate::pages::performance::numbers::{millis, percent};

#[component]
pub fn HealthChecks() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        let map = query_map.read();
        HealthQuery {
            range: map.get("range"),
            from: map.get("from"),
            to: map.get("to"),
        }
    });
    let history = Resource::new(move || query.get(), get_health_history);
    view! {
        <Title text="Health" />
        <h1>"Health"</h1>
        <p class="muted">
            "Opsdeck checks Postgres and Redis the way "<code>"/ready"</code>
            " does and stores every result; this is their history. "
            <LogsLink href="/logs?q=service%3Aopsdeck".to_string() label="Opsdeck's own logs" />
        </p>
        {move || view! { <RangePicker query=query.get() /> }}
        <Transition fallback=|| view! { <p class="muted">"Loading health history…"</p> }>
            {move || history.get().map(|result| match result {
                Ok(history) => view! { <History history /> }.into_any(),
                Err(error) => view! {
                    <p class="error" role="alert">{format!("Could not load the health history: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn RangePicker(query: HealthQuery) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="health-picker-heading">
            <h2 id="health-picker-heading" class="visually-hidden">"Choose a time range"</h2>
            <RangeFilter action="/health-checks" prefix="health" range=query.range from=query.from to=query.to />
        </section>
    }
}

#[component]
fn History(history: HealthHistory) -> impl IntoView {
    let heading = history.range.heading(history.from, history.to);
    let degraded_ms = history.degraded_ms;
    let window = (history.from.timestamp_millis(), history.to.timestamp_millis());
    view! {
        <p class="muted" data-testid="health-window">
            {heading}{format!(" · a check slower than {degraded_ms} ms counts as degraded")}
        </p>
        <div class="health-checks">
            {history.checks.into_iter().map(|check| view! { <Check check window /> }.into_any()).collect_view()}
        </div>
    }
}

#[component]
fn Check(check: CheckHistory, window: (i64, i64)) -> impl IntoView {
    let id = check.check.clone();
    let title = check.title();
    let heading_id = format!("health-{id}-heading");
    let chart_id: &'static str = if id == "database" {
        "health-database-chart"
    } else {
        "health-redis-chart"
    };
    let points = |value: fn(&crate::metrics::MetricPoint) -> f64| -> Vec<(i64, f64)> {
        check
            .response
            .iter()
            .map(|p| (p.t.timestamp_millis(), value(p)))
            .collect()
    };
    let lines = vec![
        ChartLine {
            name: "Average",
            points: points(|p| p.avg),
        },
        ChartLine {
            name: "Slowest",
            points: points(|p| p.max),
        },
    ];
    let numbers = match (check.latest.clone(), check.availability()) {
        (Some(latest), Some(availability)) => view! {
            <dl class="key-numbers" data-testid=format!("health-{id}-numbers")>
                <div><dt>"Latest"</dt><dd><StatusBadge status=latest.status /></dd></div>
                <div><dt>"Latest response"</dt><dd>{millis(latest.response_ms)}</dd></div>
                <div><dt>"Minutes without a problem"</dt><dd data-testid="availability">{percent(availability)}</dd></div>
                <div><dt>"Minutes degraded or down"</dt><dd>{check.minutes_with_problems.to_string()}</dd></div>
            </dl>
        }
        .into_any(),
        _ => view! {
            <p class="chart-empty muted" data-testid="no-samples">
                "No checks recorded in this time range. Opsdeck samples its checks every "
                <code>"OPSDECK_SELF_MONITOR_SECS"</code>" seconds while it runs."
            </p>
        }
        .into_any(),
    };
    let incidents = check.incidents.clone();
    let labelled_by = heading_id.clone();
    view! {
        <section class="panel" aria-labelledby=labelled_by data-testid=format!("health-{id}")>
            <h2 id=heading_id>{title}</h2>
            {numbers}
            <LineChart id=chart_id title="Response time" unit="ms" lines=Signal::stored(lines) x_range=Signal::stored(window) />
            <Incidents title incidents />
        </section>
    }
}

#[component]
fn Incidents(title: &'static str, incidents: Vec<Incident>) -> impl IntoView {
    if incidents.is_empty() {
        return view! { <p class="muted" data-testid="no-incidents">{format!("{title} was never degraded or down in this time range.")}</p> }
            .into_any();
    }
    view! {
        <table class="audit-table" data-testid="incidents">
            <caption>{format!("When {title} was degraded or down (newest first, by minute)")}</caption>
            <TableHead columns=&["From", "To", "Lasted", "Worst"] />
            <tbody>
                {incidents.into_iter().map(|incident| {
                    let minutes = (incident.to - incident.from).num_minutes();
                    view! {
                        <tr>
                            <td><time datetime=incident.from.to_rfc3339()>{incident.from.format("%Y-%m-%d %H:%M UTC").to_string()}</time></td>
                            <td><time datetime=incident.to.to_rfc3339()>{incident.to.format("%Y-%m-%d %H:%M UTC").to_string()}</time></td>
                            <td>{format!("{minutes} min")}</td>
                            <td><StatusBadge status=incident.worst /></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
