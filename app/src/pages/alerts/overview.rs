//! `/alerts`: firing and pending alerts first (operators acknowledge or
//! silence them here; a silenced one says until when), then the filterable
//! history of every state change.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use super::badges::{SeverityBadge, StateBadge, when};
use crate::alerts::api::{AcknowledgeAlert, get_alerts};
use crate::alerts::rule::{Rule, format_value};
use crate::alerts::silence::Silence;
use crate::alerts::views::{AlertsOverview, EventFilter};
use crate::alerts::{AlertState, Severity};
use crate::auth::permissions::{Permission, allows};
use crate::auth::use_current_user;
use crate::components::field::{Field, FieldMarks};
use crate::components::form::FormError;
use crate::components::table_head::TableHead;

#[component]
pub fn Alerts() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        EventFilter {
            severity: q.get("severity"),
            state: q.get("state"),
            rule: q.get("rule"),
            hours: q.get("hours"),
        }
    });
    let acknowledge = ServerAction::<AcknowledgeAlert>::new();
    let overview = Resource::new(
        move || (filter.get(), acknowledge.version().get()),
        |(f, _)| get_alerts(f),
    );
    let ack_error = Signal::derive(move || acknowledge.value().get().and_then(Result::err));
    view! {
        <Title text="Alerts" />
        <div class="page-head">
            <h1>"Alerts"</h1>
            <nav class="page-links" aria-label="Alerting">
                <a href="/alerts/rules">"Alert rules"</a>
                <a href="/alerts/silences">"Silences"</a>
                <Transition fallback=|| ()>
                    {move || use_current_user()
                        .filter(|user| allows(user.role, Permission::ManageChannels))
                        .map(|_| view! { <a href="/alerts/channels">"Notification channels"</a> })}
                </Transition>
            </nav>
        </div>
        <FormError error=ack_error />
        <Transition fallback=|| view! { <p class="muted">"Loading alerts…"</p> }>
            {move || overview.get().map(|result| match result {
                Ok(overview) => view! { <Overview overview filter=filter.get() acknowledge /> }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{format!("Could not load alerts: {error}")}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Overview(
    overview: AlertsOverview,
    filter: EventFilter,
    acknowledge: ServerAction<AcknowledgeAlert>,
) -> impl IntoView {
    let counts = overview
        .firing
        .iter()
        .map(|(severity, count)| {
            view! {
                <div data-testid=format!("firing-{}", severity.as_str())>
                    <dt>{format!("Firing {}", severity.as_str())}</dt>
                    <dd>{count.to_string()}</dd>
                </div>
            }
        })
        .collect_view();
    let can_edit = overview.can_edit;
    let active = if overview.active.is_empty() {
        view! { <p class="muted" data-testid="no-active-alerts">"Nothing is firing or pending."</p> }.into_any()
    } else {
        view! {
            <table class="audit-table" data-testid="active-alerts">
                <TableHead columns=&["Severity", "Rule", "State", "Since", "Value", "Summary", "Acknowledged", "Silence"] />
                <tbody>
                    {overview.active.into_iter().map(|rule| {
                        let silence = overview.silences.iter().find(|s| s.matches(&rule.draft)).cloned();
                        view! { <ActiveRow rule silence can_edit acknowledge /> }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    let rules = overview.rules.clone();
    view! {
        <section class="panel" aria-labelledby="active-heading">
            <h2 id="active-heading">"Firing and pending"</h2>
            <dl class="key-numbers">{counts}</dl>
            {active}
        </section>
        <section class="panel" aria-labelledby="history-heading">
            <h2 id="history-heading">"History"</h2>
            <HistoryFilter filter rules />
            <super::history::EventTable events=overview.events show_rule=true audit_links=overview.can_read_audit />
        </section>
    }
}

#[component]
fn ActiveRow(
    rule: Rule,
    silence: Option<Silence>,
    can_edit: bool,
    acknowledge: ServerAction<AcknowledgeAlert>,
) -> impl IntoView {
    let status = rule.state.clone();
    let state = status.as_ref().map_or(AlertState::Normal, |s| s.state);
    let since = status.as_ref().map(|s| when(s.since).into_any());
    let value = status.as_ref().and_then(|s| s.value);
    let summary = rule.draft.render_summary(value);
    let acknowledged = status
        .as_ref()
        .and_then(|s| s.acknowledged_by.clone().zip(s.acknowledged_at));
    let id = rule.id;
    let silence_href = format!(
        "/alerts/silences?rule={}#new-silence",
        crate::url::percent_encode(&rule.draft.name)
    );
    // A title, not a label: the rule's name in the link's name would make
    // the rule's own link ambiguous to someone looking for it by name.
    let silence_title = format!("Silence the alerts of {}", rule.draft.name);
    view! {
        <tr>
            <td><SeverityBadge severity=rule.draft.severity /></td>
            <td><a href=format!("/alerts/rules/{id}")>{rule.draft.name.clone()}</a></td>
            <td><StateBadge state /></td>
            <td>{since}</td>
            <td>{value.map_or_else(|| "no data".to_string(), format_value)}</td>
            <td>{summary}</td>
            <td>
                {match acknowledged {
                    Some((by, at)) => view! { <span>{format!("{by}, ")}{when(at)}</span> }.into_any(),
                    None if can_edit && state == AlertState::Firing => view! {
                        <ActionForm action=acknowledge>
                            <input type="hidden" name="id" value=id.to_string() />
                            <button type="submit">"Acknowledge"</button>
                        </ActionForm>
                    }.into_any(),
                    None => view! { <span class="muted">"—"</span> }.into_any(),
                }}
            </td>
            <td class="nowrap">
                {match silence {
                    Some(silence) => view! {
                        <div data-testid="silenced">
                            <a class="badge badge-silenced" href="/alerts/silences" title=silence.draft.comment.clone()>"Silenced"</a>
                            <p class="hint">" until " {when(silence.draft.ends_at)}</p>
                        </div>
                    }.into_any(),
                    None if can_edit => view! { <a href=silence_href title=silence_title>"Silence"</a> }.into_any(),
                    None => view! { <span class="muted">"—"</span> }.into_any(),
                }}
            </td>
        </tr>
    }
}

#[component]
fn HistoryFilter(filter: EventFilter, rules: Vec<(i64, String)>) -> impl IntoView {
    let chosen = move |value: &Option<String>| value.clone().unwrap_or_default();
    let severity = chosen(&filter.severity);
    let state = chosen(&filter.state);
    let rule = chosen(&filter.rule);
    let hours = chosen(&filter.hours);
    view! {
        <Form method="GET" action="/alerts">
            <div class="filter-grid">
                <Field id="filter-severity" name="severity" label="Severity" control=move |m: FieldMarks| view! {
                    <select id=m.id name=m.name>
                        <option value="">"Any"</option>
                        {Severity::ALL.iter().map(|s| view! { <option value=s.as_str() selected=s.as_str() == severity>{s.as_str()}</option> }).collect_view()}
                    </select>
                } />
                <Field id="filter-state" name="state" label="Changed to" control=move |m: FieldMarks| view! {
                    <select id=m.id name=m.name>
                        <option value="">"Any state"</option>
                        {AlertState::ALL.iter().map(|s| view! { <option value=s.as_str() selected=s.as_str() == state>{s.as_str()}</option> }).collect_view()}
                    </select>
                } />
                <Field id="filter-rule" name="rule" label="Rule" control=move |m: FieldMarks| view! {
                    <select id=m.id name=m.name>
                        <option value="">"Any rule"</option>
                        {rules.into_iter().map(|(id, name)| {
                            let id = id.to_string();
                            let selected = id == rule;
                            view! { <option value=id selected=selected>{name}</option> }
                        }).collect_view()}
                    </select>
                } />
                <Field id="filter-hours" name="hours" label="Time" control=move |m: FieldMarks| view! {
                    <select id=m.id name=m.name>
                        {[("", "Any time"), ("1", "Last hour"), ("24", "Last 24 hours"), ("168", "Last 7 days"), ("720", "Last 30 days")]
                            .into_iter()
                            .map(|(value, label)| view! { <option value=value selected=value == hours>{label}</option> })
                            .collect_view()}
                    </select>
                } />
            </div>
            <div class="filter-buttons"><button type="submit">"Filter"</button></div>
        </Form>
    }
}
