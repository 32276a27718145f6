//! `/alerts/rules/import`: paste a rules file (as exported), see what
//! importing it would create, update and leave alone, then apply it.
//!
//! "Preview" is a GET of this page with the text in the URL (as the rule
//! editor's preview is), so it works without JavaScript and the server
//! renders the plan. "Apply" posts the previewed text; it is offered only for
//! a plan without problems and, with JavaScript, only while the text is the
//! one previewed. Without JavaScript the post is redirected back here with
//! the counts (or the error) in the URL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::alerts::files::{Change, ImportCounts, ImportPlan, PlannedRule};
use crate::alerts::files_api::{ApplyImport, failure, preview_import};

/// What a no-JavaScript apply left in the URL.
#[derive(Clone, Debug, PartialEq)]
enum Applied {
    Done(ImportCounts),
    Failed(String),
}

fn applied_from_url(get: impl Fn(&str) -> Option<String>) -> Option<Applied> {
    if let Some(error) = get("error") {
        return Some(Applied::Failed(error));
    }
    let count = |name: &str| get(name).and_then(|v| v.parse().ok());
    Some(Applied::Done(ImportCounts {
        created: count("created")?,
        updated: count("updated")?,
        unchanged: count("unchanged")?,
    }))
}

#[component]
pub fn ImportRules() -> impl IntoView {
    let query = use_query_map();
    // Browsers send a textarea's line breaks as CRLF; the page compares and
    // shows the text with plain line breaks.
    let previewed = Memo::new(move |_| {
        query
            .read()
            .get("yaml")
            .filter(|y| !y.trim().is_empty())
            .map(|y| y.replace("\r\n", "\n"))
    });
    let from_url = Memo::new(move |_| {
        let q = query.read();
        applied_from_url(|k| q.get(k))
    });
    let apply = ServerAction::<ApplyImport>::new();
    let plan = Resource::new(
        move || (previewed.get(), apply.version().get()),
        |(yaml, _)| async move {
            match yaml {
                Some(yaml) => Some(preview_import(yaml).await),
                None => None,
            }
        },
    );
    let text = RwSignal::new(previewed.get_untracked().unwrap_or_default());
    let applied = Signal::derive(move || match apply.value().get() {
        Some(Ok(counts)) => Some(Applied::Done(counts)),
        Some(Err(error)) => Some(Applied::Failed(failure(&error))),
        None => from_url.get(),
    });
    view! {
        <Title text="Import alert rules" />
        <p class="breadcrumb"><a href="/alerts">"Alerts"</a>" › "<a href="/alerts/rules">"Rules"</a>" › Import"</p>
        <h1>"Import alert rules"</h1>
        <p class="muted">
            "Paste a rules file as "<a href="/api/v1/alerts/rules.yaml" download rel="external">"Export YAML"</a>
            " writes it. Rules are matched by name: new names are created, changed rules get a new version, "
            "and rules the file does not name are kept (an import never deletes)."
        </p>
        {move || applied.get().map(|applied| view! { <AppliedNotice applied /> })}
        <form method="get" action="/alerts/rules/import" class="panel rule-import" data-testid="import-form">
            <div class="field">
                <label for="import-yaml">"Rules file (YAML)"</label>
                // An empty text node would not survive hydration.
                <textarea id="import-yaml" name="yaml" rows="18" spellcheck="false" on:input:target=move |ev| text.set(ev.target().value())>
                    {previewed.get_untracked()}
                </textarea>
            </div>
            <div class="filter-buttons"><button type="submit">"Preview"</button></div>
        </form>
        <Transition fallback=|| view! { <p class="muted">"Checking the file…"</p> }>
            {move || match (previewed.get(), plan.get().flatten()) {
                (Some(yaml), Some(Ok(plan))) => {
                    let edited = Signal::derive({
                        let yaml = yaml.clone();
                        move || text.get() != yaml
                    });
                    view! { <PlanView plan yaml apply edited /> }.into_any()
                }
                (_, Some(Err(error))) => view! { <p class="error" role="alert">{format!("Could not preview the import: {error}")}</p> }.into_any(),
                _ => view! { <p class="muted" data-testid="import-empty">"Paste a file and choose Preview to see what importing it would do. Nothing changes until you apply it."</p> }.into_any(),
            }}
        </Transition>
    }
}

#[component]
fn AppliedNotice(applied: Applied) -> impl IntoView {
    match applied {
        Applied::Done(counts) => view! {
            <p class="success" role="status" data-testid="import-result">
                {format!("Imported: {counts}. ")}<a href="/alerts/rules">"See the rules"</a>
            </p>
        }
        .into_any(),
        Applied::Failed(message) => {
            view! { <p class="error" role="alert">{format!("Nothing was imported: {message}")}</p> }.into_any()
        }
    }
}

/// The plan: problems, or every rule's change, the kept rules and Apply.
#[component]
fn PlanView(plan: ImportPlan, yaml: String, apply: ServerAction<ApplyImport>, edited: Signal<bool>) -> impl IntoView {
    if !plan.problems.is_empty() {
        return view! {
            <section class="panel" data-testid="import-problems">
                <h2>"Problems"</h2>
                <p class="error" role="alert">{format!("The file has {} problem(s); nothing can be imported until they are fixed.", plan.problems.len())}</p>
                <ul class="import-problems">
                    {plan.problems.iter().map(|p| view! { <li>{p.to_string()}</li> }).collect_view()}
                </ul>
            </section>
        }
        .into_any();
    }
    let counts = plan.counts();
    let can_apply = plan.can_apply();
    let kept = plan.kept.clone();
    let table = view! { <PlanTable rules=plan.rules /> }.into_any();
    view! {
        <section class="panel" aria-labelledby="import-plan-heading">
            <h2 id="import-plan-heading">"Preview"</h2>
            <p data-testid="import-counts">{format!("Importing would give: {counts}.")}</p>
            {table}
            {(!kept.is_empty()).then(|| view! {
                <h3>"Not in the file (kept)"</h3>
                <ul class="import-kept" data-testid="import-kept">
                    {kept.into_iter().map(|(id, name)| view! { <li><a href=format!("/alerts/rules/{id}")>{name}</a></li> }).collect_view()}
                </ul>
            })}
            {if can_apply {
                view! {
                    <details class="confirm">
                        <summary>"Apply…"</summary>
                        <div class="confirm-body">
                            <ActionForm action=apply>
                                <input type="hidden" name="yaml" value=yaml />
                                <p>{format!("Create {} and update {} rule(s) now, in one step?", counts.created, counts.updated)}</p>
                                {move || edited.get().then(|| view! { <p class="field-error">"The text has changed since this preview: preview it again first."</p> })}
                                <button type="submit" class="primary" disabled=move || edited.get()>"Apply import"</button>
                            </ActionForm>
                        </div>
                    </details>
                }.into_any()
            } else {
                view! { <p class="muted">"Nothing to apply: every rule in the file is as stored."</p> }.into_any()
            }}
        </section>
    }
    .into_any()
}

#[component]
fn PlanTable(rules: Vec<PlannedRule>) -> impl IntoView {
    if rules.is_empty() {
        return view! { <p class="muted">"The file has no rules."</p> }.into_any();
    }
    view! {
        <table class="audit-table import-plan" data-testid="import-plan">
            <thead><tr><th scope="col">"Rule"</th><th scope="col">"Change"</th><th scope="col">"Fields"</th></tr></thead>
            <tbody>
                {rules.into_iter().map(|rule| {
                    let word = rule.change.word();
                    let name = match rule.id {
                        Some(id) => view! { <a href=format!("/alerts/rules/{id}")>{rule.name.clone()}</a> }.into_any(),
                        None => view! { <span>{rule.name.clone()}</span> }.into_any(),
                    };
                    let fields = match rule.change {
                        Change::Update(fields) => view! {
                            <ul class="import-fields">
                                {fields.into_iter().map(|f| view! {
                                    <li><code>{f.field}</code>": "<del>{f.old}</del>" → "<ins>{f.new}</ins></li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Change::Create => view! { <span class="muted">"new rule"</span> }.into_any(),
                        Change::Unchanged => view! { <span class="muted">"—"</span> }.into_any(),
                    };
                    view! {
                        <tr data-change=word>
                            <td>{name}</td>
                            <td><span class=format!("badge import-{word}")>{word}</span></td>
                            <td>{fields}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
