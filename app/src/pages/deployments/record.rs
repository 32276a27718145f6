//! "Record a deployment" (operators and admins): each field's error beside
//! it. Rendered outside the listing so a reload of the list after a submit
//! keeps what was typed.

use leptos::prelude::*;

use super::use_actions;
use crate::auth::permissions::{Permission, allows};
use crate::auth::use_current_user;
use crate::components::form::{FieldError, FormError, Typed, described_by, field_marks};
use crate::deployments::DeploymentStatus;
use crate::deployments::RecordDeployment;
use crate::deployments::draft::DEFAULT_ENVIRONMENT;
use leptos::server_fn::ServerFn;

/// Whether the signed-in user may record deployments (read inside a `Transition`).
pub fn may_record() -> bool {
    use_current_user().is_some_and(|user| allows(user.role, Permission::RecordDeployments))
}

#[component]
pub fn RecordForm() -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || may_record().then(|| view! { <Form /> })}
        </Transition>
    }
}

#[component]
fn Form() -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let record = actions.record;
    let error = Signal::derive(move || record.value().get().and_then(Result::err));
    let recorded = move || record.value().get().and_then(Result::ok);
    // Without JavaScript, a refused post comes back with what was typed.
    let typed = Typed::for_action(RecordDeployment::PATH);
    let status = typed
        .get("status")
        .unwrap_or_else(|| DeploymentStatus::Succeeded.as_str().to_string());
    view! {
        <section class="panel narrow" id="record-deployment" aria-labelledby="record-deployment-heading">
            <h2 id="record-deployment-heading">"Record a deployment"</h2>
            <ActionForm action=record>
                <Text name="service" label="Service" required=true max=200 error typed=typed.clone() hint="As the service sends its metrics, e.g. checkout." />
                <Text name="version" label="Version" required=true max=100 error typed=typed.clone() hint="" />
                <Text name="environment" label="Environment" required=false max=50 error typed=typed.clone() hint="Empty: production." />
                <Text name="commit" label="Commit" required=false max=100 error typed=typed.clone() hint="" />
                <div class="field">
                    <label for="record-status">"Status"</label>
                    <select id="record-status" name="status" aria-describedby=move || error.with(|e| described_by(e.as_ref(), "status", None))>
                        {DeploymentStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=s.as_str() == status>{s.label()}</option>
                        }).collect_view()}
                    </select>
                    <FieldError error field="status" />
                </div>
                <Time name="started_at" label="Started at (UTC)" error typed=typed.clone() hint="Empty: now." />
                <Time name="finished_at" label="Finished at (UTC)" error typed=typed.clone() hint="Empty: now, unless the status is Started." />
                <Text name="deployed_by" label="Deployed by" required=false max=200 error typed=typed.clone() hint="Empty: you." />
                <Text name="notes_url" label="Notes link" required=false max=2000 error typed=typed.clone() hint="An http(s) link to release notes or the CI run." />
                <FormError error />
                {move || recorded().map(|d| view! {
                    <p class="success" role="status">{format!("Recorded {} {} in {} (#{}).", d.service, d.version, d.environment, d.id)}</p>
                })}
                <button type="submit" class="primary" disabled=move || record.pending().get()>
                    {move || if record.pending().get() { "Recording…" } else { "Record deployment" }}
                </button>
            </ActionForm>
        </section>
    }
    .into_any()
}

#[component]
fn Text(
    name: &'static str,
    label: &'static str,
    required: bool,
    max: u32,
    error: Signal<Option<crate::error::AppError>>,
    typed: Typed,
    hint: &'static str,
) -> impl IntoView {
    let id = format!("record-{name}");
    let hint_id = format!("{id}-hint");
    let (describe, invalid, focus) = field_marks(error, name, (!hint.is_empty()).then(|| hint_id.clone()));
    let placeholder = if name == "environment" { DEFAULT_ENVIRONMENT } else { "" };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id type="text" name=name required=required maxlength=max.to_string() autocomplete="off"
                placeholder=placeholder value=typed.value(name)
                aria-describedby=describe aria-invalid=invalid autofocus=focus
            />
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <FieldError error field=name />
        </div>
    }
}

#[component]
fn Time(
    name: &'static str,
    label: &'static str,
    error: Signal<Option<crate::error::AppError>>,
    typed: Typed,
    hint: &'static str,
) -> impl IntoView {
    let id = format!("record-{name}");
    let hint_id = format!("{id}-hint");
    let (describe, invalid, focus) = field_marks(error, name, Some(hint_id.clone()));
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id type="datetime-local" name=name value=typed.value(name)
                aria-describedby=describe aria-invalid=invalid autofocus=focus />
            <p class="hint" id=hint_id>{hint}</p>
            <FieldError error field=name />
        </div>
    }
}
