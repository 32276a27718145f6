//! The Issue page's state actions: Resolve ▾ (now, in the next release, in
//! a named release), Ignore ▾ (forever — after a confirmation —, for a
//! while, until N more events or users) and Unresolve. Each is a small
//! form of its own posting `errors/set-state` with the issue's id, so it
//! works without JavaScript; a refused post comes back with its message
//! beside the field and what was typed (`Typed`). With JavaScript a
//! change reloads the state and the timeline (`TriageChanged`).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::components::field::{Field, choices};
use crate::components::form::{FormError, Typed};
use crate::error::AppError;
use crate::errors::SetIssueState;
use crate::errors::states::DURATIONS;

/// Bumped after every change made on the page, so its reads reload.
#[derive(Clone, Copy)]
pub struct TriageChanged(pub RwSignal<u32>);

// Each part is type-erased (`into_any`): the page's view is deep, and a
// fully typed one overflows a 2 MiB thread stack while rendering (debug builds).
#[component]
pub fn StateActions(issue_id: i64) -> impl IntoView {
    view! {
        <div class="triage-actions">
            <ResolveMenu issue_id />
            <IgnoreMenu issue_id />
        </div>
    }
    .into_any()
}

#[component]
fn ResolveMenu(issue_id: i64) -> impl IntoView {
    let forms = vec![
        view! { <StateForm issue_id change="resolve" button="Resolve now" /> },
        view! {
            <StateForm issue_id change="resolve_next_release" button="Resolve in the next release"
                hint="Events from the release running now, or older, will not reopen it." />
        },
        view! { <StateForm issue_id change="resolve_in_release" button="Resolve in this release" /> },
    ];
    view! {
        <details class="menu" open=refused_here(&["resolve", "resolve_next_release", "resolve_in_release"])>
            <summary>"Resolve ▾"</summary>
            <div class="menu-body">{forms}</div>
        </details>
    }
    .into_any()
}

#[component]
fn IgnoreMenu(issue_id: i64) -> impl IntoView {
    let forever = view! {
        <details class="confirm">
            <summary>"Ignore forever…"</summary>
            <div class="confirm-body">
                <StateForm issue_id change="ignore" button="Yes, ignore forever"
                    hint="New events will not bring it back; only Unresolve will." />
            </div>
        </details>
    }
    .into_any();
    let forms = vec![
        forever,
        view! { <StateForm issue_id change="ignore_for" button="Ignore for this long" /> }.into_any(),
        view! { <StateForm issue_id change="ignore_until_events" button="Ignore until this many more events" /> }
            .into_any(),
        view! { <StateForm issue_id change="ignore_until_users" button="Ignore until this many more users" /> }
            .into_any(),
    ];
    let changes = ["ignore", "ignore_for", "ignore_until_events", "ignore_until_users"];
    view! {
        <details class="menu" open=refused_here(&changes)>
            <summary>"Ignore ▾"</summary>
            <div class="menu-body">{forms}</div>
        </details>
    }
    .into_any()
}

/// Whether a refused plain post of one of `changes` came back to this page:
/// its menu opens, so the message beside the field shows without JavaScript.
fn refused_here(changes: &[&str]) -> bool {
    Typed::for_action(SetIssueState::PATH)
        .get("change")
        .is_some_and(|posted| changes.contains(&posted.as_str()))
}

/// Unresolve, shown when the issue is resolved, ignored or regressed.
#[component]
pub fn UnresolveForm(issue_id: i64) -> impl IntoView {
    view! { <StateForm issue_id change="unresolve" button="Unresolve" /> }
}

/// One change's form: the issue, the change, its field if it has one.
#[component]
fn StateForm(
    issue_id: i64,
    change: &'static str,
    button: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let action = ServerAction::<SetIssueState>::new();
    if let Some(TriageChanged(changed)) = use_context::<TriageChanged>() {
        Effect::watch(
            move || action.version().get(),
            move |_, _, _| changed.update(|n| *n += 1),
            false,
        );
    }
    // Without JavaScript every form of the page reads the one refusal in
    // the URL: only the form that was posted shows it.
    let typed = Typed::for_action(SetIssueState::PATH);
    let mine = typed.get("change").is_none_or(|posted| posted == change);
    let error = Signal::derive(move || action.value().get().and_then(Result::err).filter(|_| mine));
    let done = done_note(action);
    let typed_value = |name: &str| if mine { typed.value(name) } else { String::new() };
    let id = |field: &str| format!("{change}-{field}");
    let count_label = if change == "ignore_until_events" {
        "More events"
    } else {
        "More users"
    };
    let field = match change {
        "resolve_in_release" => view! {
            <Field id=id("release") name="release" label="Release" error required=true maxlength=200
                error_id=id("release-error") autocomplete="off" value=typed_value("release")
                hint="As the SDK sends it, e.g. shop@1.4.0; events from older releases will not reopen it." />
        }
        .into_any(),
        "ignore_for" => view! {
            <Field id=id("duration") name="duration" label="For" error error_id=id("duration-error")
                control=choices(DURATIONS.to_vec(), Some(typed_value("duration")).filter(|v| !v.is_empty())) />
        }
        .into_any(),
        "ignore_until_events" | "ignore_until_users" => view! {
            <Field id=id("count") name="count" kind="number" min="1" max="1000000" required=true error
                error_id=id("count-error") value=typed_value("count")
                label=count_label />
        }
        .into_any(),
        _ => ().into_any(),
    };
    view! {
        <ActionForm action attr:class="state-form">
            <input type="hidden" name="issue_ids[]" value=issue_id />
            <input type="hidden" name="change" value=change />
            {hint.map(|hint| view! { <p class="muted">{hint}</p> })}
            {field}
            <OtherError error fields=&["release", "duration", "count"] />
            <button type="submit" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Saving…" } else { button }}
            </button>
            {done}
        </ActionForm>
    }
    .into_any()
}

/// A refusal not about one of the form's own `fields` (no issue ticked,
/// the issue is gone, no permission): told above the button.
/// What a state change did, once it succeeded (`role=status`).
pub fn done_note(action: ServerAction<SetIssueState>) -> impl Fn() -> Option<AnyView> + Copy {
    move || {
        action
            .value()
            .get()
            .and_then(Result::ok)
            .map(|outcome| view! { <p class="success" role="status">{outcome.message()}</p> }.into_any())
    }
}

#[component]
pub fn OtherError(error: Signal<Option<AppError>>, fields: &'static [&'static str]) -> impl IntoView {
    let other = Signal::derive(move || {
        error.get().filter(|e| match e {
            AppError::Validation { field, .. } => !fields.contains(&field.as_str()),
            _ => true,
        })
    });
    let shown = Signal::derive(move || match other.get() {
        Some(AppError::Validation { message, .. }) => Some(AppError::Conflict(message)),
        other => other,
    });
    view! { <FormError error=shown /> }
}
