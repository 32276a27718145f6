//! `/alerts/rules/import`: paste or upload a rules file (as exported), see
//! what importing it would create, update and leave alone, then apply it.
//!
//! "Preview" is a plain form post (multipart, for the file) to
//! `POST /api/v1/alerts/import`, which keeps the text as a draft and sends
//! the browser back here with `?draft=<id>`; the server renders the plan, so
//! it works without JavaScript and a file of up to 1 MiB never travels in a
//! URL. "Apply" posts the draft's id; it is offered only for a plan without
//! problems and, with JavaScript, only while the text is the one previewed.
//! Without JavaScript the post is redirected back here with the counts (or
//! the error) in the URL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::alerts::files::{Change, EXPIRED, ImportCounts, ImportPlan, PlannedRule, failure};
use crate::alerts::files_api::{ApplyImportDraft, import_draft};
use crate::components::field::{Field, FieldMarks};
use crate::components::form::TextArea;
use crate::components::table_head::TableHead;
use crate::error::AppError;

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
    let draft = Memo::new(move |_| query.read().get("draft").filter(|d| !d.is_empty()));
    // A post the upload route refused (too large, not text, empty).
    let problem = Memo::new(move |_| query.read().get("problem"));
    let from_url = Memo::new(move |_| {
        let q = query.read();
        applied_from_url(|k| q.get(k))
    });
    let apply = ServerAction::<ApplyImportDraft>::new();
    let plan = Resource::new(
        move || (draft.get(), apply.version().get()),
        |(draft, _)| async move {
            match draft {
                Some(draft) => Some(import_draft(draft).await),
                None => None,
            }
        },
    );
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
            "Paste or upload a rules file as "<a href="/api/v1/alerts/rules.yaml" download rel="external">"Export YAML"</a>
            " writes it (up to 1 MiB). Rules are matched by name: new names are created, changed rules get a new version, "
            "and rules the file does not name are kept (an import never deletes)."
        </p>
        {move || applied.get().map(|applied| view! { <AppliedNotice applied /> })}
        {move || problem.get().map(|problem| view! { <p class="error" role="alert">{format!("Could not preview the file: {problem}")}</p> })}
        <Transition fallback=|| view! { <p class="muted">"Checking the file…"</p> }>
            {move || match plan.get().flatten() {
                Some(Ok(posted)) => {
                    // With JavaScript, Apply waits while the text differs from the previewed one.
                    let edited = RwSignal::new(false);
                    let refused = !posted.plan.problems.is_empty();
                    view! {
                        <ImportForm yaml=posted.yaml.clone() edited refused />
                        <PlanView posted=posted.plan draft=draft.get().unwrap_or_default() apply edited=edited.into() />
                    }.into_any()
                }
                Some(Err(AppError::NotFound)) => view! {
                    <p class="error" role="alert">{EXPIRED}</p>
                    <ImportForm yaml=String::new() />
                }.into_any(),
                Some(Err(error)) => view! {
                    <p class="error" role="alert">{format!("Could not preview the import: {error}")}</p>
                    <ImportForm yaml=String::new() />
                }.into_any(),
                None => view! {
                    <ImportForm yaml=String::new() />
                    <p class="muted" data-testid="import-empty">"Paste a file (or choose one) and choose Preview to see what importing it would do. Nothing changes until you apply it."</p>
                }.into_any(),
            }}
        </Transition>
    }
}

/// The text to preview: pasted, or a file chosen beside it (which wins).
#[component]
fn ImportForm(
    yaml: String,
    #[prop(optional)] edited: Option<RwSignal<bool>>,
    /// The previewed text has problems (listed below it, which describe it).
    #[prop(optional)]
    refused: bool,
) -> impl IntoView {
    let previewed = yaml.clone();
    let on_input = move |ev: leptos::ev::Event| {
        if let Some(edited) = edited {
            edited.set(event_target_value(&ev).replace("\r\n", "\n") != previewed);
        }
    };
    view! {
        <form method="post" action="/api/v1/alerts/import" enctype="multipart/form-data" class="panel rule-import" data-testid="import-form">
            // The problems listed under the preview describe the text.
            <Field id="import-yaml" name="yaml" label="Rules file (YAML)" control=move |m: FieldMarks| view! {
                <TextArea id=m.id name=m.name rows=18 value=yaml attr:spellcheck="false" on:input=on_input
                    described_by=refused.then(|| "import-problems-list".to_string())
                    attr:aria-invalid=refused.then_some("true") attr:autofocus=refused />
            } />
            <Field id="import-file" name="file" label="Or upload a file" hint="A chosen file is previewed instead of the text above."
                control=|m: FieldMarks| view! {
                    <input id=m.id type="file" name=m.name accept=".yaml,.yml,application/yaml,text/yaml,text/plain" aria-describedby=m.describe />
                } />
            <div class="filter-buttons"><button type="submit">"Preview"</button></div>
        </form>
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
fn PlanView(
    posted: ImportPlan,
    draft: String,
    apply: ServerAction<ApplyImportDraft>,
    edited: Signal<bool>,
) -> impl IntoView {
    let plan = posted;
    if !plan.problems.is_empty() {
        return view! {
            <section class="panel" data-testid="import-problems" aria-labelledby="import-problems-heading">
                <h2 id="import-problems-heading">"Problems"</h2>
                <p class="error" role="alert">{format!("The file has {} problem(s); nothing can be imported until they are fixed.", plan.problems.len())}</p>
                <ul class="import-problems" id="import-problems-list">
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
                                <input type="hidden" name="draft" value=draft.clone() />
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
            <TableHead columns=&["Rule", "Change", "Fields"] />
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
