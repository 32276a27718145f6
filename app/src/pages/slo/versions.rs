//! An SLO's saved versions, each with what it promised, and Restore.

use leptos::prelude::*;

use super::list::promise;
use crate::components::form::FormError;
use crate::components::short_time::ShortTime;
use crate::slo::SloVersion;
use crate::slo::api::RestoreSloVersion;

#[component]
pub fn SloVersions(id: i64, current: i32, versions: Vec<SloVersion>, can_edit: bool) -> impl IntoView {
    let restore = ServerAction::<RestoreSloVersion>::new();
    Effect::new(move |_| {
        if let Some(Ok(id)) = restore.value().get() {
            let _ = window().location().set_href(&format!("/slos/{id}"));
        }
    });
    let error = Signal::derive(move || restore.value().get().and_then(Result::err));
    view! {
        <section class="panel" aria-labelledby="versions-heading">
            <h2 id="versions-heading">"Versions"</h2>
            <FormError error />
            <table class="audit-table" data-testid="slo-versions">
                <thead><tr><th scope="col">"Version"</th><th scope="col">"Name"</th><th scope="col">"Promise"</th><th scope="col">"Saved by"</th><th scope="col">"Saved at"</th><th scope="col"></th></tr></thead>
                <tbody>
                    {versions.into_iter().map(|v| view! {
                        <tr>
                            <td>{v.version.to_string()}</td>
                            <td>{v.definition.name.clone()}</td>
                            <td>{promise(&v.definition)}</td>
                            <td>{v.saved_by.clone().unwrap_or_else(|| "Opsdeck".into())}</td>
                            <td><ShortTime at=v.saved_at /></td>
                            <td>
                                {(can_edit && v.version != current).then(|| view! {
                                    <ActionForm action=restore>
                                        <input type="hidden" name="id" value=id.to_string() />
                                        <input type="hidden" name="version" value=v.version.to_string() />
                                        <button type="submit">{format!("Restore version {}", v.version)}</button>
                                    </ActionForm>
                                })}
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
