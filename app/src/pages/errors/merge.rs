//! Merging this issue into another, and unmerging a hash from the "Grouped
//! by" list (when the issue has more than one). Each is an `ActionForm`
//! inside a closed `<details>`: opening it is the first step, "Yes, …" the
//! confirmation, so both work without JavaScript. Success goes to the issue
//! the events are in now (a redirect without JavaScript, a navigation
//! with); a refusal shows beside its form with what was typed.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::auth::permissions::{Permission, allows};
use crate::auth::use_current_user;
use crate::components::field::Field;
use crate::components::form::{FieldError, FormError, Typed};
use crate::error::AppError;
use crate::errors::issue::Grouping;
use crate::errors::{MergeIssues, UnmergeHash, explain};

pub(super) fn can_triage() -> bool {
    use_current_user().is_some_and(|user| allows(user.role, Permission::TriageErrors))
}

/// After `action` succeeds with JavaScript, the page of the issue it answered.
pub(super) fn follow<S>(action: ServerAction<S>)
where
    S: ServerFn<Output = i64, Error = AppError> + Clone + Send + Sync + 'static,
{
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = action.value().get() {
            navigate(&format!("/errors/issues/{id}"), Default::default());
        }
    });
}

/// "This issue was merged into issue N."
#[component]
pub fn MergedNotice(into: i64) -> impl IntoView {
    view! {
        <p class="notice" role="status">
            "This issue was merged into "
            <a href=format!("/errors/issues/{into}")>{format!("issue {into}")}</a>
            "; its events and later ones are there."
        </p>
    }
}

/// "Merge into…": this issue's hashes, events and counts move to another.
#[component]
pub fn MergeForm(issue_id: i64) -> impl IntoView {
    let action = ServerAction::<MergeIssues>::new();
    follow(action);
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let refused_at_load = error.with_untracked(Option::is_some);
    // Copied into the form each time it shows.
    let typed_into = StoredValue::new(Typed::for_action(MergeIssues::PATH).value("into"));
    view! {
        <Show when=can_triage>
            <details class="confirm merge" open=refused_at_load>
                <summary>"Merge into…"</summary>
                <div class="confirm-body">
                    <p>"Its events, counts and users move to the other issue, and its later events go there too. Unmerging a hash there undoes it."</p>
                    <ActionForm action>
                        <input type="hidden" name="issues" value=issue_id />
                        <Field id="merge-into" name="into" label="Into issue number" error value=typed_into.get_value()
                            required=true maxlength=20 />
                        <FieldError error field="issues" />
                        <FormError error />
                        <button type="submit" class="danger" disabled=move || action.pending().get()>
                            {move || if action.pending().get() { "Merging…" } else { "Yes, merge" }}
                        </button>
                    </ActionForm>
                </div>
            </details>
        </Show>
    }
}

/// What grouped the issue's events, one line per hash; with two or more,
/// each can be unmerged.
#[component]
pub fn GroupedBy(issue_id: i64, groupings: Vec<Grouping>) -> impl IntoView {
    let action = ServerAction::<UnmergeHash>::new();
    follow(action);
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let several = groupings.len() >= 2;
    view! {
        <section class="panel" aria-labelledby="grouped-by-heading">
            <h2 id="grouped-by-heading">"Grouped by"</h2>
            <ul class="grouped-by">
                {groupings.into_iter().map(|grouping| {
                    let text = explain(grouping.basis, &grouping.components);
                    view! {
                        <li>
                            <span class="grouping">{text.clone()}</span>
                            {several.then(|| view! { <Unmerge issue_id hash=grouping.hash text action /> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <FieldError error field="hash" />
            <FormError error />
        </section>
    }
}

#[component]
fn Unmerge(issue_id: i64, hash: String, text: String, action: ServerAction<UnmergeHash>) -> impl IntoView {
    let short: String = hash.chars().take(12).collect();
    let hash = StoredValue::new(hash);
    let question = format!(
        "Move the events grouped by {text} (hash {short}) to an issue of their own? Later events of this hash go there too."
    );
    let question = StoredValue::new(question);
    view! {
        <Show when=can_triage>
            <details class="confirm unmerge">
                <summary>"Unmerge"</summary>
                <div class="confirm-body">
                    <p>{question.get_value()}</p>
                    <ActionForm action>
                        <input type="hidden" name="issue_id" value=issue_id />
                        <input type="hidden" name="hash" value=hash.get_value() />
                        <button type="submit" class="danger" disabled=move || action.pending().get()>"Yes, unmerge"</button>
                    </ActionForm>
                </div>
            </details>
        </Show>
    }
}
