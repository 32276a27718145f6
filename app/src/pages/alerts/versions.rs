//! A rule's saved versions: the list with Restore, and the difference
//! between two of them.

use leptos::prelude::*;

use super::badges::when;
use super::deliveries::DeliveryTable;
use super::history::EventTable;
use crate::alerts::api::RestoreRuleVersion;
use crate::alerts::form::RuleForm;
use crate::alerts::rule::StoredVersion;
use crate::alerts::views::RuleDetail;
use crate::components::field::{Field, FieldMarks};
use crate::components::form::FormError;

/// Saved versions (restore, compare) and the rule's state changes.
#[component]
pub fn RuleHistory(detail: RuleDetail, diff: Option<(i32, i32)>) -> impl IntoView {
    let restore = ServerAction::<RestoreRuleVersion>::new();
    Effect::new(move |_| {
        if let Some(Ok(id)) = restore.value().get() {
            // Show the restored version (a full load, so every part is fresh).
            let _ = window().location().set_href(&format!("/alerts/rules/{id}"));
        }
    });
    let error = Signal::derive(move || restore.value().get().and_then(Result::err));
    let id = detail.rule.id;
    let current = detail.rule.version;
    let versions = detail.versions.clone();
    let compare = diff.and_then(|(a, b)| {
        let find = |v: i32| versions.iter().find(|x| x.version == v).cloned();
        find(a).zip(find(b))
    });
    let numbers: Vec<i32> = detail.versions.iter().map(|v| v.version).collect();
    let (a, b) = diff.unwrap_or((current - 1, current));
    view! {
        <section class="panel" aria-labelledby="versions-heading">
            <h2 id="versions-heading">"Versions"</h2>
            <FormError error />
            <table class="audit-table" data-testid="rule-versions">
                <thead><tr><th scope="col">"Version"</th><th scope="col">"Saved by"</th><th scope="col">"Saved at"</th><th scope="col"></th></tr></thead>
                <tbody>
                    {detail.versions.into_iter().map(|v| view! {
                        <tr>
                            <td>{v.version.to_string()}</td>
                            <td>{v.saved_by.clone().unwrap_or_else(|| "Opsdeck".into())}</td>
                            <td>{when(v.saved_at)}</td>
                            <td>
                                {(detail.can_edit && v.version != current).then(|| view! {
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
            {(numbers.len() > 1).then(|| view! {
                <form method="get" action=format!("/alerts/rules/{id}") class="filter-grid">
                    <Field id="diff-a" name="a" label="Compare version" control={
                        let numbers = numbers.clone();
                        move |m: FieldMarks| view! {
                            <select id=m.id name=m.name>{numbers.iter().map(|n| view! { <option value=n.to_string() selected=*n == a>{n.to_string()}</option> }).collect_view()}</select>
                        }
                    } />
                    <Field id="diff-b" name="b" label="with version" control={
                        let numbers = numbers.clone();
                        move |m: FieldMarks| view! {
                            <select id=m.id name=m.name>{numbers.iter().map(|n| view! { <option value=n.to_string() selected=*n == b>{n.to_string()}</option> }).collect_view()}</select>
                        }
                    } />
                    <div class="filter-buttons"><button type="submit">"Compare"</button></div>
                </form>
            })}
            {compare.map(|(a, b)| view! { <VersionDiff a b /> })}
        </section>
        <section class="panel" aria-labelledby="rule-events-heading">
            <h2 id="rule-events-heading">"State changes"</h2>
            <EventTable events=detail.events show_rule=false audit_links=detail.can_read_audit />
        </section>
        <section class="panel" id="notifications" aria-labelledby="rule-deliveries-heading">
            <h2 id="rule-deliveries-heading">"Notifications"</h2>
            <DeliveryTable deliveries=detail.deliveries />
        </section>
    }
}

#[component]
fn VersionDiff(a: StoredVersion, b: StoredVersion) -> impl IntoView {
    let left = RuleForm::from_draft(&a.definition).fields();
    let right = RuleForm::from_draft(&b.definition).fields();
    let changed: Vec<_> = left
        .into_iter()
        .zip(right)
        .filter(|((_, x), (_, y))| x != y)
        .map(|((field, x), (_, y))| (field, x, y))
        .collect();
    if changed.is_empty() {
        return view! { <p data-testid="version-diff">{format!("Versions {} and {} are the same.", a.version, b.version)}</p> }.into_any();
    }
    view! {
        <table class="audit-table diff" data-testid="version-diff">
            <thead><tr><th scope="col">"Field"</th><th scope="col">{format!("Version {}", a.version)}</th><th scope="col">{format!("Version {}", b.version)}</th></tr></thead>
            <tbody>
                {changed.into_iter().map(|(field, x, y)| view! { <tr><th scope="row">{field}</th><td>{shown(x)}</td><td>{shown(y)}</td></tr> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// A field's value for a table cell; "—" when empty.
fn shown(value: String) -> String {
    if value.is_empty() { "—".to_string() } else { value }
}
