//! The Errors page's bulk actions: one form (`#errors-bulk`) that the
//! rows' checkboxes belong to (their `form` attribute), so it posts only
//! the ticked issues — never "all that match the filter" — with the chosen
//! change, after a confirmation. Works without JavaScript; with it, the
//! list reloads after a change (the page keys its listing on the action).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::actions::{OtherError, done_note};
use crate::components::field::{Field, choices};
use crate::components::form::Typed;
use crate::errors::SetIssueState;

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
        </ActionForm>
    }
    .into_any()
}
