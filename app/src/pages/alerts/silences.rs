//! `/alerts/silences`: silences in force (with who created them and when
//! they expire; operators end them here), a form for a new one and the
//! recently ended ones.
//!
//! The form is a plain HTML form (so it works the same without
//! JavaScript) posting to the create function, which answers with this
//! page (or, on a mistake, this page with every field as typed and the
//! message beside its field). `?rule=NAME` starts it for one rule's alerts.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::badges::{SeverityBadge, when};
use crate::alerts::silence::{MAX_SILENCE_DAYS, Silence, SilencesPage};
use crate::alerts::silence_form::SilenceForm;
use crate::alerts::silences_api::{EndSilence, list_silences};
use crate::alerts::{Severity, SilenceEnd};
use crate::components::field::{Field, FieldMarks};
use crate::components::form::{FieldError, FormError, TextArea, errors_from_query};
use crate::components::table_head::TableHead;
use crate::error::AppError;

/// What the page's URL asks for: a form to start from and a refused create.
#[derive(Clone, Debug, PartialEq)]
struct SilenceQuery {
    form: SilenceForm,
    /// What a refused create left in the URL.
    error: Option<AppError>,
    /// A silence just created without JavaScript.
    created: bool,
}

#[component]
pub fn Silences() -> impl IntoView {
    let query = use_query_map();
    let asked = Memo::new(move |_| {
        let q = query.read();
        SilenceQuery {
            form: SilenceForm::from_query(|k| q.get(k))
                .or_else(|| q.get("rule").map(|name| SilenceForm::for_rule(&name)))
                .unwrap_or_default(),
            error: errors_from_query(&q),
            created: q.get("created").is_some(),
        }
    });
    let end = ServerAction::<EndSilence>::new();
    let page = Resource::new(move || end.version().get(), |_| list_silences());
    let end_error = Signal::derive(move || end.value().get().and_then(Result::err));
    view! {
        <Title text="Silences" />
        <p class="breadcrumb"><a href="/alerts">"Alerts"</a>" › Silences"</p>
        <h1>"Silences"</h1>
        <p class="hint">"A silenced alert still shows its state and history, but sends nothing."</p>
        <FormError error=end_error />
        {move || asked.read().created.then(|| view! { <p class="success" role="status">"Silence created."</p> })}
        <Transition fallback=|| view! { <p class="muted">"Loading silences…"</p> }>
            {move || page.get().map(|result| match result {
                Ok(page) => view! { <Listing page asked=asked.get() end /> }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{format!("Could not load silences: {error}")}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// The active silences' columns; the last only for those who may end one.
const ACTIVE_WITH_ACTIONS: &[&str] = &[
    "Matches",
    "Comment",
    "Created by",
    "Created",
    "Expires",
    "Alerts matched",
    "~Actions",
];

#[component]
fn Listing(page: SilencesPage, asked: SilenceQuery, end: ServerAction<EndSilence>) -> impl IntoView {
    let can_edit = page.can_edit;
    let active_columns = if can_edit {
        ACTIVE_WITH_ACTIONS
    } else {
        &ACTIVE_WITH_ACTIONS[..6]
    };
    let active = if page.active.is_empty() {
        view! { <p class="muted" data-testid="no-active-silences">"No silences are in force: every alert notifies."</p> }.into_any()
    } else {
        view! {
            <table class="audit-table silences-table" data-testid="active-silences">
                <TableHead columns=active_columns />
                <tbody>
                    {page.active.into_iter().map(|silence| view! { <ActiveRow silence can_edit end /> }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    let ended = if page.ended.is_empty() {
        view! { <p class="muted" data-testid="no-ended-silences">"None yet."</p> }.into_any()
    } else {
        view! {
            <table class="audit-table silences-table" data-testid="ended-silences">
                <TableHead columns=&["Matches", "Comment", "Created by", "Over since", "How", "Alerts matched"] />
                <tbody>
                    {page.ended.into_iter().map(|silence| view! { <EndedRow silence /> }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="panel" aria-labelledby="active-silences-heading">
            <h2 id="active-silences-heading">"Active"</h2>
            {active}
        </section>
        {can_edit.then(|| view! { <CreateForm asked=asked.clone() rules=page.rules.clone() /> })}
        <section class="panel" aria-labelledby="ended-silences-heading">
            <h2 id="ended-silences-heading">"Recently ended"</h2>
            {ended}
        </section>
    }
    .into_any()
}

/// The matchers as small labelled parts.
#[component]
fn Matchers(silence: Silence) -> impl IntoView {
    let draft = silence.draft;
    view! {
        <ul class="silence-matchers">
            {draft.rule_name.map(|name| view! { <li>"rule "<strong>{name}</strong></li> })}
            {draft.severity.map(|severity| view! { <li>"severity "<SeverityBadge severity /></li> })}
            {draft.labels.into_iter().map(|(k, v)| view! { <li><code>{format!("{k}={v}")}</code></li> }).collect_view()}
        </ul>
    }
}

fn creator(silence: &Silence) -> String {
    silence.created_by.clone().unwrap_or_else(|| "command line".into())
}

fn matched(silence: &Silence) -> String {
    if silence.matched.is_empty() {
        "none yet".into()
    } else {
        silence.matched.join(", ")
    }
}

#[component]
fn ActiveRow(silence: Silence, can_edit: bool, end: ServerAction<EndSilence>) -> impl IntoView {
    let id = silence.id;
    let starts_later = silence.draft.starts_at > chrono::Utc::now();
    let starts = silence.draft.starts_at;
    let expires = silence.draft.ends_at;
    let when_resolved = silence.draft.end_when_resolved;
    view! {
        <tr data-silence=id.to_string()>
            <td><Matchers silence=silence.clone() /></td>
            <td>{silence.draft.comment.clone()}</td>
            <td class="who">{creator(&silence)}</td>
            <td>{when(silence.created_at)}</td>
            <td>
                {when(expires)}
                {starts_later.then(|| view! { <p class="hint">"starts " {when(starts)}</p> })}
                {when_resolved.then(|| view! { <p class="hint">"or ends when every matched alert has resolved"</p> })}
            </td>
            <td>{matched(&silence)}</td>
            {can_edit.then(|| view! {
                <td>
                    <details class="confirm">
                        <summary>"End now…"</summary>
                        <div class="confirm-body">
                            <ActionForm action=end>
                                <input type="hidden" name="id" value=id.to_string() />
                                <p>"End this silence now? Alerts it matches will notify again."</p>
                                <button type="submit" class="danger" disabled=move || end.pending().get()>"End silence"</button>
                            </ActionForm>
                        </div>
                    </details>
                </td>
            })}
        </tr>
    }
}

#[component]
fn EndedRow(silence: Silence) -> impl IntoView {
    let how = match (silence.end_reason, &silence.ended_by) {
        (Some(SilenceEnd::Resolved), _) => "its alerts resolved".to_string(),
        (Some(SilenceEnd::Ended), Some(by)) => format!("ended by {by}"),
        (Some(SilenceEnd::Ended), None) => "ended from the command line".to_string(),
        (None, _) => "expired".to_string(),
    };
    view! {
        <tr data-silence=silence.id.to_string()>
            <td><Matchers silence=silence.clone() /></td>
            <td>{silence.draft.comment.clone()}</td>
            <td class="who">{creator(&silence)}</td>
            <td>{when(silence.over_at())}</td>
            <td>{how}</td>
            <td>{matched(&silence)}</td>
        </tr>
    }
}

/// A form field's name: `silence[<field>]`.
fn name(field: &str) -> String {
    format!("silence[{field}]")
}

#[component]
fn CreateForm(asked: SilenceQuery, rules: Vec<String>) -> impl IntoView {
    let form = asked.form;
    let error: Signal<Option<AppError>> = Signal::stored(asked.error.clone());
    let text =
        move |field: &'static str, label: &'static str, value: String, hint: &'static str, kind: &'static str| {
            view! {
                <Field id=format!("silence-{field}") name=field posted_as=name(field) label error
                    hint control=move |m: FieldMarks| view! {
                        <input id=m.id type=kind name=m.name value=value autocomplete="off"
                            list=(field == "rule_name").then_some("silence-rule-names")
                            placeholder=(field == "duration").then_some("2h")
                            aria-describedby=m.describe aria-invalid=m.invalid autofocus=m.focus />
                    } />
            }
            .into_any()
        };
    let severity = form.severity.clone();
    let resolved = form.end_when_resolved.is_some();
    let comment = form.comment.clone();
    let labels = form.labels.clone();
    view! {
        <section class="panel" id="new-silence" aria-labelledby="new-silence-heading">
            <h2 id="new-silence-heading">"New silence"</h2>
            <form method="post" action="/api/alerts/silence-create" class="rule-form silence-form" data-testid="silence-form">
                <fieldset>
                    <legend>"Alerts it silences"</legend>
                    <div class="filter-grid">
                        {text("rule_name", "Rule name", form.rule_name.clone(), "Exactly as the rule is named; empty for any rule.", "text")}
                        <Field id="silence-severity" name="severity" posted_as=name("severity") label="Severity" error
                            control=move |m: FieldMarks| view! {
                                <select id=m.id name=m.name aria-describedby=m.describe aria-invalid=m.invalid autofocus=m.focus>
                                    <option value="" selected=severity.is_empty()>"Any"</option>
                                    {Severity::ALL.iter().map(|s| view! { <option value=s.as_str() selected=s.as_str() == severity>{s.as_str()}</option> }).collect_view()}
                                </select>
                            } />
                    </div>
                    <datalist id="silence-rule-names">
                        {rules.into_iter().map(|rule| view! { <option value=rule></option> }).collect_view()}
                    </datalist>
                    <Field id="silence-labels" name="labels" posted_as=name("labels") label="Labels" error
                        hint="name=value per line; the rule must carry every one." control=move |m: FieldMarks| view! {
                            <TextArea id=m.id name=m.name value=labels described_by=m.describe.get_untracked()
                                attr:aria-invalid=m.invalid attr:autofocus=m.focus />
                        } />
                    <FieldError error field="matchers" />
                </fieldset>
                <fieldset>
                    <legend>"When"</legend>
                    <div class="filter-grid">
                        {text("starts_at", "Starts (UTC)", form.starts_at.clone(), "Empty: now.", "datetime-local")}
                        {text("duration", "For", form.duration.clone(), "e.g. 30m, 2h, 1d (at most 30 days).", "text")}
                        {text("ends_at", "Or until (UTC)", form.ends_at.clone(), "Instead of a duration.", "datetime-local")}
                    </div>
                    <label class="checkbox">
                        <input type="checkbox" name=name("end_when_resolved") value="on" checked=resolved />
                        " End when every matched alert has resolved"
                    </label>
                </fieldset>
                <Field id="silence-comment" name="comment" posted_as=name("comment") label="Comment" error
                    hint="Why: shown to everyone who sees the silence." control=move |m: FieldMarks| view! {
                        <TextArea id=m.id name=m.name value=comment described_by=m.describe.get_untracked()
                            attr:required=true attr:maxlength="1000" attr:aria-invalid=m.invalid attr:autofocus=m.focus />
                    } />
                <FormError error />
                <div class="filter-buttons">
                    <button type="submit" class="primary">"Create silence"</button>
                </div>
                <p class="hint">{format!("A silence lasts at most {MAX_SILENCE_DAYS} days.")}</p>
            </form>
        </section>
    }
    .into_any()
}
