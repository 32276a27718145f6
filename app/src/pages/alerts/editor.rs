//! The rule editor: `/alerts/rules/new` and `/alerts/rules/:id`.
//!
//! One plain HTML form (so it works the same without JavaScript): "Preview
//! and backtest" is a GET of this page with the draft in the URL — the page
//! then shows the draft's series with its thresholds and when it would have
//! fired — and "Save rule" posts the same fields to the save function, which
//! answers with the rule's page (or, on a mistake, this page with every
//! field as typed and the message beside its field).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::badges::{StateBadge, when};
use super::log_query::LogQueryField;
use super::preview::PreviewPanel;
use super::versions::RuleHistory;
use crate::alerts::api::{DeleteRule, SetRuleEnabled, get_rule, preview_rule};
use crate::alerts::form::RuleForm;
use crate::alerts::views::{Preview, RuleDetail};
use crate::alerts::{Aggregation, Comparator, NoDataPolicy, Severity};
use crate::components::field::{Field, FieldMarks, choices};
use crate::components::form::{FieldError, FormError, TextArea, errors_from_query};
use crate::error::AppError;

/// What the page's URL asks for.
#[derive(Clone, Debug, PartialEq)]
struct EditorQuery {
    form: Option<RuleForm>,
    hours: i64,
    backtest: bool,
    /// A refused save: every field's message (see `url::with_field_errors`).
    error: Option<AppError>,
    /// Versions to compare.
    diff: Option<(i32, i32)>,
}

fn editor_query() -> Memo<EditorQuery> {
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.read();
        EditorQuery {
            form: RuleForm::from_query(|k| q.get(k)),
            hours: q.get("hours").and_then(|h| h.parse().ok()).unwrap_or(24),
            backtest: q.get("backtest").is_some(),
            error: errors_from_query(&q),
            diff: q
                .get("a")
                .and_then(|a| a.parse().ok())
                .zip(q.get("b").and_then(|b| b.parse().ok())),
        }
    })
}

/// The draft the editor shows and previews: the one in the URL (a preview
/// or a refused save), else the stored rule's, else a blank form.
fn draft_form(query: &EditorQuery, detail: Option<&RuleDetail>) -> RuleForm {
    query
        .form
        .clone()
        .or_else(|| detail.map(|d| RuleForm::from_draft(&d.rule.draft)))
        .unwrap_or_else(RuleForm::blank)
}

/// The preview of what the editor shows: a stored rule's always, a new
/// rule's once the URL carries a draft.
async fn load_preview(query: &EditorQuery, detail: Option<&RuleDetail>) -> Option<Result<Preview, AppError>> {
    if query.form.is_none() && detail.is_none() {
        return None;
    }
    Some(preview_rule(draft_form(query, detail), Some(query.hours), query.backtest).await)
}

// Each page creates its one resource here, outside the view. A resource
// created inside a `Transition`'s children is created again every time the
// server walks those children while it waits, and each copy's data was
// written into the page (a rule page grew to tens of megabytes).

#[component]
pub fn NewRule() -> impl IntoView {
    let query = editor_query();
    let preview = Resource::new(
        move || query.get(),
        |query| async move { load_preview(&query, None).await },
    );
    view! {
        <Title text="New alert rule" />
        <p class="breadcrumb"><a href="/alerts">"Alerts"</a>" › "<a href="/alerts/rules">"Rules"</a>" › New"</p>
        <h1>"New alert rule"</h1>
        <Transition fallback=|| view! { <p class="muted">"Evaluating the rule over its history…"</p> }>
            {move || preview.get().map(|preview| view! { <Editor id=None detail=None query=query.get_untracked() preview /> }.into_any())}
        </Transition>
    }
}

#[component]
pub fn RulePage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|v| v.parse::<i64>().ok()));
    let query = editor_query();
    let page = Resource::new(
        move || (id.get(), query.get()),
        |(id, query)| async move {
            let detail = get_rule(id.ok_or(AppError::NotFound)?).await?;
            let preview = load_preview(&query, Some(&detail)).await;
            Ok::<_, AppError>((detail, preview))
        },
    );
    view! {
        <p class="breadcrumb"><a href="/alerts">"Alerts"</a>" › "<a href="/alerts/rules">"Rules"</a></p>
        <Transition fallback=|| view! { <p class="muted">"Loading the rule…"</p> }>
            {move || page.get().map(|result| match result {
                Ok((detail, preview)) => {
                    let name = detail.rule.draft.name.clone();
                    let query = query.get_untracked();
                    let diff = query.diff;
                    view! {
                        <Title text=name.clone() />
                        <h1>{name}</h1>
                        {view! { <RuleHeader detail=detail.clone() /> }.into_any()}
                        {view! { <Editor id=Some(detail.rule.id) detail=Some(detail.clone()) query preview /> }.into_any()}
                        {view! { <RuleHistory detail diff /> }.into_any()}
                    }.into_any()
                }
                Err(AppError::NotFound) => view! { <Title text="Rule not found" /><h1>"Rule not found"</h1><p>"There is no such rule; it may have been deleted."</p> }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{format!("Could not load the rule: {error}")}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// State, enable/disable, clone and delete.
#[component]
fn RuleHeader(detail: RuleDetail) -> impl IntoView {
    let toggle = ServerAction::<SetRuleEnabled>::new();
    let delete = ServerAction::<DeleteRule>::new();
    let error = Signal::derive(move || {
        toggle
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| delete.value().get().and_then(Result::err))
    });
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if delete.value().get().is_some_and(|r| r.is_ok()) {
            navigate("/alerts/rules", Default::default());
        }
    });
    Effect::new(move |_| {
        if toggle.value().get().is_some_and(|r| r.is_ok()) {
            // Show the new state, version and history (a full load, so every part is fresh).
            let _ = window().location().reload();
        }
    });
    let rule = detail.rule;
    let id = rule.id;
    let enabled = rule.draft.enabled;
    let mut copy = RuleForm::from_draft(&rule.draft);
    copy.name = format!("Copy of {}", rule.draft.name);
    copy.enabled = None;
    let status = rule.state.clone().filter(|_| enabled);
    view! {
        <section class="panel" data-testid="rule-header">
            <p>
                {match status {
                    Some(s) => view! { "State: " <StateBadge state=s.state /> " since " {when(s.since)} }.into_any(),
                    None if enabled => view! { <span>"Not evaluated yet."</span> }.into_any(),
                    None => view! { <span>"Disabled: not evaluated."</span> }.into_any(),
                }}
                {format!(" · version {}", rule.version)}
            </p>
            <FormError error />
            <p><a class="button" href=format!("/api/v1/alerts/rules.yaml?rule={id}") download rel="external">"Export YAML"</a></p>
            {detail.can_edit.then(|| view! {
                <div class="row-actions">
                    <ActionForm action=toggle>
                        <input type="hidden" name="id" value=id.to_string() />
                        <input type="hidden" name="enabled" value=(!enabled).to_string() />
                        <button type="submit">{if enabled { "Disable rule" } else { "Enable rule" }}</button>
                    </ActionForm>
                    <a class="button" href=format!("/alerts/rules/new?{}", copy.query())>"Clone"</a>
                    <details class="confirm">
                        <summary>"Delete…"</summary>
                        <ActionForm action=delete>
                            <input type="hidden" name="id" value=id.to_string() />
                            <p>"Delete this rule, its versions and its alert history? This cannot be undone."</p>
                            <button type="submit" class="danger">"Delete rule"</button>
                        </ActionForm>
                    </details>
                </div>
            })}
        </section>
    }
}

#[component]
fn Editor(
    id: Option<i64>,
    detail: Option<RuleDetail>,
    query: EditorQuery,
    preview: Option<Result<Preview, AppError>>,
) -> impl IntoView {
    let can_edit = detail.as_ref().is_none_or(|d| d.can_edit);
    let form = draft_form(&query, detail.as_ref());
    let (preview, preview_error) = match preview {
        Some(Ok(preview)) => (Some(preview), None),
        Some(Err(error)) => (None, Some(error)),
        None => (None, None),
    };
    let shown_error = query.error.clone().or(preview_error);
    let error = Signal::stored(shown_error);
    let action = id.map_or_else(|| "/alerts/rules/new".to_string(), |id| format!("/alerts/rules/{id}"));
    view! {
        {view! {
        <form method="get" action=action class="panel rule-form" data-testid="rule-form">
            {id.map(|id| view! { <input type="hidden" name="id" value=id.to_string() /> })}
            {(!can_edit).then(|| view! {
                <p class="hint read-only-note" data-testid="rule-read-only">"Read only: your role can preview this rule but not change it."</p>
            })}
            <fieldset class="rule-fields" disabled=!can_edit>
                <Fields form=form.clone() error />
            </fieldset>
            <div class="filter-grid">
                <Field id="rule-hours" name="hours" label="Preview and backtest over" control=move |m: FieldMarks| view! {
                    <select id=m.id name=m.name>
                        {[(6, "the last 6 hours"), (24, "the last 24 hours"), (72, "the last 3 days"), (168, "the last 7 days"), (720, "the last 30 days (burn-rate rules)")]
                            .into_iter()
                            .map(|(h, label)| view! { <option value=h.to_string() selected=h == query.hours>{label}</option> })
                            .collect_view()}
                    </select>
                } />
            </div>
            <FormError error />
            <div class="filter-buttons">
                <button type="submit" name="backtest" value="1">"Preview and backtest"</button>
                {can_edit.then(|| view! {
                    <button type="submit" class="primary" formmethod="post" formaction="/api/alerts/save">"Save rule"</button>
                })}
            </div>
        </form>
        }.into_any()}
        {preview.map(|preview| view! { <PreviewPanel preview /> })}
    }
}

/// The field an input's errors are reported under (minutes are checked as seconds).
fn error_field(field: &'static str) -> &'static str {
    match field {
        "window_minutes" => "window_secs",
        "for_minutes" => "for_secs",
        other => other,
    }
}

/// A form field's name in the editor: `rule[<field>]`.
fn name(field: &str) -> String {
    format!("rule[{field}]")
}

#[component]
fn Fields(form: RuleForm, #[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let text = move |field: &'static str, label: &'static str, value: String, hint: &'static str| {
        let also = (error_field(field) != field).then(|| error_field(field));
        view! {
            <Field id=format!("rule-{field}") name=field posted_as=name(field) label error hint also
                control=move |m: FieldMarks| view! {
                    <input id=m.id type="text" name=m.name value=value autocomplete="off"
                        aria-describedby=m.describe aria-invalid=m.invalid autofocus=m.focus />
                } />
        }
        .into_any()
    };
    let area = move |field: &'static str, label: &'static str, value: String, hint: &'static str| {
        view! {
            <Field id=format!("rule-{field}") name=field posted_as=name(field) label error hint control=move |m: FieldMarks| view! {
                <TextArea id=m.id name=m.name value
                    attr:aria-describedby=m.describe attr:aria-invalid=m.invalid attr:autofocus=m.focus />
            } />
        }
        .into_any()
    };
    let choice = move |field: &'static str,
                       label: &'static str,
                       chosen: String,
                       options: Vec<(&'static str, &'static str)>| {
        view! {
            <Field id=format!("rule-{field}") name=field posted_as=name(field) label error control=choices(options, Some(chosen)) />
        }
        .into_any()
    };
    let aggregations = Aggregation::ALL.iter().map(|a| (a.as_str(), a.label())).collect();
    let comparators = Comparator::ALL.iter().map(|c| (c.as_str(), c.as_str())).collect();
    let no_data = vec![
        (
            NoDataPolicy::Keep.as_str(),
            "keep the state (a firing alert stays firing)",
        ),
        (NoDataPolicy::Alert.as_str(), "alert"),
        (NoDataPolicy::Ok.as_str(), "treat as OK"),
    ];
    let severities = Severity::ALL.iter().map(|s| (s.as_str(), s.as_str())).collect();
    let enabled = form.enabled.is_some();
    let rule = view! {
        <fieldset>
            <legend>"Rule"</legend>
            <div class="filter-grid">
                {text("name", "Name", form.name.clone(), "")}
                {choice("severity", "Severity", form.severity.clone(), severities)}
            </div>
            {area("description", "Description", form.description.clone(), "What it means and what to do.")}
        </fieldset>
    }
    .into_any();
    // The fields the chosen aggregation does not read are hidden by the
    // style sheet (`.watch-logs`, `.watch-errors`, `.watch-series`), so this works without
    // JavaScript; what they hold is ignored on save (`RuleForm::parse`),
    // except the no-data policy, which a log or error rule keeps but never uses.
    let watched = view! {
        <fieldset>
            <legend>"What it watches"</legend>
            <div class="filter-grid">
                {text("service", "Service", form.service.clone(), "")}
                {choice("aggregation", "Aggregation", form.aggregation.clone(), aggregations)}
                <div class="watch-series">
                    {text("endpoint", "Endpoint", form.endpoint.clone(), "Request rules: one endpoint, or empty for all.")}
                    {text("metric", "Metric", form.metric.clone(), "Metric rules: the metric's name.")}
                </div>
                {text("window_minutes", "Window (minutes)", form.window_minutes.clone(), "The value aggregates this many minutes.")}
            </div>
            <div class="watch-logs">
                <LogQueryField form=form.clone() error />
            </div>
            <div class="watch-errors">
                {text("error_issue", "Issue (optional)", form.error_issue.clone(),
                    "Error event rules: one issue's number (as on the Errors page), or empty for every event of the service.")}
            </div>
            <div class="watch-series">
                {area("matchers", "Label matchers", form.matchers.clone(), "Metric rules: name=value per line; every one must match.")}
            </div>
            <FieldError error field="window_secs" />
        </fieldset>
    }
    .into_any();
    let firing = view! {
        <fieldset>
            <legend>"When it fires"</legend>
            <div class="filter-grid">
                {choice("comparator", "Fires when the value is", form.comparator.clone(), comparators)}
                {text("threshold", "Threshold", form.threshold.clone(), "")}
                {text("recovery_threshold", "Recovery threshold", form.recovery_threshold.clone(), "Optional: resolves only past this value (no flapping).")}
                {text("for_minutes", "For (minutes)", form.for_minutes.clone(), "Pending this long before firing.")}
                // A log rule always has a value (no lines count 0).
                <div class="watch-series">{choice("no_data", "Without data", form.no_data.clone(), no_data)}</div>
            </div>
            <FieldError error field="for_secs" />
        </fieldset>
    }
    .into_any();
    let notification = view! {
        <fieldset>
            <legend>"Notification"</legend>
            {area("labels", "Labels", form.labels.clone(), "name=value per line, e.g. team=payments.")}
            {text("summary", "Summary", form.summary.clone(), "May use {{value}}, {{threshold}}, {{name}} and {{labels.NAME}}.")}
            {text("channels", "Notify channels", form.channels.clone(), "Names of notification channels, separated by commas; told when the alert fires and resolves.")}
            <label class="checkbox"><input type="checkbox" name=name("enabled") value="on" checked=enabled aria-describedby="rule-enabled-hint" />" Enabled"</label>
            <p class="hint" id="rule-enabled-hint">"An enabled rule is evaluated every 15 seconds from the moment it is saved; a disabled one is kept but never fires."</p>
        </fieldset>
    }
    .into_any();
    view! { {rule} {watched} {firing} {notification} }
}
