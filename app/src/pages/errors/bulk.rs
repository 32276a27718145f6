//! The Errors page's bulk actions: one form (`#errors-bulk`) that the
//! rows' checkboxes belong to (their `form` attribute), so it posts only
//! the ticked issues — never "all that match the filter" — with the chosen
//! change, after a confirmation. Works without JavaScript; with it, the
//! list reloads after a change (the page keys its listing on the action).
//!
//! "Merge the ticked…" (for those who triage) posts the same form to
//! `errors/merge-ticked` instead, after its own confirmation: its button's
//! `formaction` without JavaScript, the button's click dispatching the
//! action with the form's fields with it. Either way the browser then shows
//! the issue they were merged into.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::actions::{OtherError, done_note};
use super::merge::{can_triage, follow};
use crate::components::field::{Field, choices};
use crate::components::form::{FieldError, Typed};
use crate::errors::{MergeTicked, SetIssueState};

/// The form's id, which every row's checkbox names.
pub const FORM_ID: &str = "errors-bulk";

/// The page's bulk action, created in its body (the listing reloads after it).
#[derive(Clone, Copy)]
pub struct BulkAction(pub ServerAction<SetIssueState>);

#[component]
pub fn BulkActions() -> impl IntoView {
    let Some(BulkAction(action)) = use_context::<BulkAction>() else {
        return ().into_any();
    };
    let typed = Typed::for_action(SetIssueState::PATH);
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let done = done_note(action);
    let options = vec![
        ("resolve", "Resolve"),
        ("resolve_next_release", "Resolve in the next release"),
        ("ignore", "Ignore forever"),
    ];
    view! {
        <ActionForm action attr:id=FORM_ID attr:class="bulk-actions">
            <Field id="bulk-change" name="change" label="For the ticked issues" error
                control=choices(options, typed.get("change")) />
            <details class="confirm">
                <summary>"Apply to the selected…"</summary>
                <div class="confirm-body">
                    <p>"Only the issues ticked in the list change, never others that match the filter."</p>
                    <button type="submit" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Saving…" } else { "Yes, apply to the selected" }}
                    </button>
                </div>
            </details>
            <OtherError error fields=&["change"] />
            {done}
            <Show when=can_triage>
                <MergeTickedConfirm />
            </Show>
        </ActionForm>
    }
    .into_any()
}

/// "Merge the ticked…": a confirmation naming what happens, the optional
/// target, and the button posting the bulk form to `errors/merge-ticked`.
#[component]
fn MergeTickedConfirm() -> impl IntoView {
    let merge = ServerAction::<MergeTicked>::new();
    follow(merge);
    let error = Signal::derive(move || merge.value().get().and_then(Result::err));
    let refused_at_load = error.with_untracked(Option::is_some);
    let typed_into = Typed::for_action(MergeTicked::PATH).value("into");
    let on_click = move |ev: leptos::ev::MouseEvent| {
        // Without the form's fields (never expected) the button's own post goes ahead.
        if let Some(args) = ticked_from(&ev) {
            ev.prevent_default();
            merge.dispatch(args);
        }
    };
    view! {
        <details class="confirm merge-ticked" open=refused_at_load>
            <summary>"Merge the ticked…"</summary>
            <div class="confirm-body">
                <p>"The ticked issues become one: their events, counts and users move into the issue numbered below — left empty, the oldest ticked one (lowest number) — and their later events go there too. Unmerging a hash there undoes it."</p>
                <Field id="bulk-merge-into" name="into" label="Into issue number (optional)" error value=typed_into
                    maxlength=20 />
                <FieldError error field="issue_ids" />
                <OtherError error fields=&["into", "issue_ids"] />
                <button type="submit" class="danger" formaction=MergeTicked::PATH formmethod="post"
                    disabled=move || merge.pending().get() on:click=on_click>
                    {move || if merge.pending().get() { "Merging…" } else { "Yes, merge the ticked issues" }}
                </button>
            </div>
        </details>
    }
}

/// The merge the clicked button's form asks for: its ticked issues and target.
#[cfg(feature = "hydrate")]
fn ticked_from(ev: &leptos::ev::MouseEvent) -> Option<MergeTicked> {
    use leptos::form::FromFormData;
    use wasm_bindgen::JsCast;
    let button = ev.current_target()?.dyn_into::<web_sys::HtmlButtonElement>().ok()?;
    let data = web_sys::FormData::new_with_form(&button.form()?).ok()?;
    MergeTicked::from_form_data(&data).ok()
}

#[cfg(not(feature = "hydrate"))]
fn ticked_from(_: &leptos::ev::MouseEvent) -> Option<MergeTicked> {
    None
}
