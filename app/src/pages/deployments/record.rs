//! "Record a deployment" (operators and admins): each field's error beside
//! it. Rendered outside the listing so a reload of the list after a submit
//! keeps what was typed.

use leptos::prelude::*;

use super::use_actions;
use crate::auth::permissions::{Permission, allows};
use crate::auth::use_current_user;
use crate::components::field::{Field, choices};
use crate::components::form::{FormError, Typed};
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
    let statuses = DeploymentStatus::ALL
        .into_iter()
        .map(|s| (s.as_str(), s.label()))
        .collect();
    view! {
        <section class="panel narrow" id="record-deployment" aria-labelledby="record-deployment-heading">
            <h2 id="record-deployment-heading">"Record a deployment"</h2>
            <ActionForm action=record>
                <Field id="record-service" name="service" label="Service" error required=true maxlength=200 autocomplete="off"
                    value=typed.value("service") hint="As the service sends its metrics, e.g. checkout." />
                <Field id="record-version" name="version" label="Version" error required=true maxlength=100 autocomplete="off"
                    value=typed.value("version") />
                <Field id="record-environment" name="environment" label="Environment" error maxlength=50 autocomplete="off"
                    placeholder=DEFAULT_ENVIRONMENT value=typed.value("environment") hint="Empty: production." />
                <Field id="record-commit" name="commit" label="Commit" error maxlength=100 autocomplete="off"
                    value=typed.value("commit") />
                <Field id="record-status" name="status" label="Status" error control=choices(statuses, Some(status)) />
                <Field id="record-started_at" name="started_at" label="Started at (UTC)" error kind="datetime-local"
                    value=typed.value("started_at") hint="Empty: now." />
                <Field id="record-finished_at" name="finished_at" label="Finished at (UTC)" error kind="datetime-local"
                    value=typed.value("finished_at") hint="Empty: now, unless the status is Started." />
                <Field id="record-deployed_by" name="deployed_by" label="Deployed by" error maxlength=200 autocomplete="off"
                    value=typed.value("deployed_by") hint="Empty: you." />
                <Field id="record-notes_url" name="notes_url" label="Notes link" error maxlength=2000 autocomplete="off"
                    value=typed.value("notes_url") hint="An http(s) link to release notes or the CI run." />
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
