//! `/slos/files`: every SLO as one YAML file to copy into version control,
//! and, for admins and operators, importing one (all of it or nothing).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::auth::permissions::{Permission, allows};
use crate::auth::use_current_user;
use crate::components::form::TextArea;
use crate::slo::api::export_slos;

#[component]
pub fn SloFiles() -> impl IntoView {
    let yaml = Resource::new(|| (), |_| export_slos());
    let query = use_query_map();
    let outcome = move || {
        let q = query.read();
        if let Some(problem) = q.get("problem") {
            return Some(view! { <p class="error" role="alert" data-testid="import-outcome">{format!("Nothing was imported: {problem}")}</p> }.into_any());
        }
        let count = |key: &str| q.get(key).unwrap_or_default();
        q.get("created").map(|created| view! {
            <p role="status" data-testid="import-outcome">
                {format!("Imported: {created} created, {} updated, {} unchanged.", count("updated"), count("unchanged"))}
            </p>
        }.into_any())
    };
    let may_import = move || use_current_user().is_some_and(|u| allows(u.role, Permission::ManageSlos));
    view! {
        <Title text="SLO files" />
        <p class="breadcrumb"><a href="/slos">"SLOs"</a>" › Files"</p>
        <h1>"SLOs as YAML"</h1>
        {outcome}
        <section class="panel" aria-labelledby="export-heading">
            <h2 id="export-heading">"Export"</h2>
            <Transition fallback=|| view! { <p class="muted">"Writing the file…"</p> }>
                {move || yaml.get().map(|result| match result {
                    Ok(text) => view! {
                        <label for="slo-export">"Every SLO (OpenSLO-like field names), to keep in version control"</label>
                        <TextArea id="slo-export" name="export" value=text rows=12 />
                    }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{format!("Could not export the SLOs: {error}")}</p> }.into_any(),
                })}
            </Transition>
        </section>
        <Show when=may_import>
            <section class="panel" aria-labelledby="import-heading">
                <h2 id="import-heading">"Import"</h2>
                <form method="post" action="/api/slos/import" class="rule-form">
                    <label for="slo-import">"Paste a file: SLOs are created or updated by name, none is deleted; any problem imports nothing."</label>
                    <TextArea id="slo-import" name="yaml" value="" rows=12 />
                    <button type="submit" class="primary">"Import SLOs"</button>
                </form>
            </section>
        </Show>
    }
}
