//! "Record a deployment" (operators and admins): each field's error beside
//! it. Rendered outside the listing so a reload of the list after a submit
//! keeps what was typed.

use leptos::prelude::*;

use super::use_actions;
use crate::auth::permissions::{Permission, allows};
use crate::auth::use_current_user;
use crate::components::form::{FieldError, FormError};
use crate::deployments::DeploymentStatus;
use crate::deployments::draft::DEFAULT_ENVIRONMENT;

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
    view! {
        <section class="panel narrow" id="record-deployment" aria-labelledby="record-deployment-heading">
            <h2 id="record-deployment-heading">"Record a deployment"</h2>
            <ActionForm action=record>
                <Text name="service" label="Service" required=true max=200 error hint="As the service sends its metrics, e.g. checkout." />
                <Text name="version" label="Version" required=true max=100 error hint="" />
                <Text name="environment" label="Environment" required=false max=50 error hint="Empty: production." />
                <Text name="commit" label="Commit" required=false max=100 error hint="" />
                <div class="field">
                    <label for="record-status">"Status"</label>
                    <select id="record-status" name="status">
                        {DeploymentStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=s == DeploymentStatus::Succeeded>{s.label()}</option>
                        }).collect_view()}
                    </select>
                    <FieldError error field="status" />
                </div>
                <Time name="started_at" label="Started at (UTC)" error hint="Empty: now." />
                <Time name="finished_at" label="Finished at (UTC)" error hint="Empty: now, unless the status is Started." />
                <Text name="deployed_by" label="Deployed by" required=false max=200 error hint="Empty: you." />
                <Text name="notes_url" label="Notes link" required=false max=2000 error hint="An http(s) link to release notes or the CI run." />
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
    hint: &'static str,
) -> impl IntoView {
    let id = format!("record-{name}");
    let hint_id = format!("{id}-hint");
    let placeholder = if name == "environment" { DEFAULT_ENVIRONMENT } else { "" };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id type="text" name=name required=required maxlength=max.to_string() autocomplete="off"
                placeholder=placeholder aria-describedby=(!hint.is_empty()).then(|| hint_id.clone())
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
    hint: &'static str,
) -> impl IntoView {
    let id = format!("record-{name}");
    let hint_id = format!("{id}-hint");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id type="datetime-local" name=name aria-describedby=hint_id.clone() />
            <p class="hint" id=hint_id>{hint}</p>
            <FieldError error field=name />
        </div>
    }
}
