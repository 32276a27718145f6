//! The targets: what is backed up, when, how long backups are kept, and
//! the buttons for each (run now; edit and delete for admins).
//!
//! Five columns, so the table fits a laptop screen: a target's database
//! stands under its name, both schedules share a column, and dates are
//! short (the whole date in their `title`).

use leptos::prelude::*;

use super::target_form::TargetForm;
use super::use_actions;
use crate::backups::BackupTarget;
use crate::components::row_form::pending_for;
use crate::components::short_time::ShortTime;
use crate::components::table_head::TableHead;

#[component]
pub fn TargetsPanel(targets: Vec<BackupTarget>, may_run: bool, may_manage: bool) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="targets-heading">
            <div class="panel-head"><h2 id="targets-heading">"Targets"</h2></div>
            <table class="users-table targets-table">
                <TableHead columns=&["Target", "Schedules (cron, UTC)", "Retention", "Last success", "~Actions"] />
                <tbody>
                    {targets.into_iter().map(|target| view! { <TargetRow target may_run may_manage /> }).collect_view()}
                </tbody>
            </table>
            {may_manage.then(|| view! {
                <details class="confirm add-target">
                    <summary>"Add target"</summary>
                    <div class="confirm-body"><TargetForm target=None /></div>
                </details>
            })}
        </section>
    }
}

/// One schedule: what it runs and its cron expression, its next run below.
#[component]
fn Schedule(
    what: &'static str,
    expression: Option<String>,
    next: Option<chrono::DateTime<chrono::Utc>>,
) -> impl IntoView {
    let Some(expression) = expression else {
        return view! {
            <div class="schedule"><span class="schedule-what">{what}</span>" "<span class="muted">"by hand only"</span></div>
        }
        .into_any();
    };
    view! {
        <div class="schedule">
            <span class="schedule-what">{what}</span>" "<code>{expression}</code>
            {next.map(|next| view! { <br /><span class="muted">"next "<ShortTime at=next /></span> })}
        </div>
    }
    .into_any()
}

#[component]
fn TargetRow(target: BackupTarget, may_run: bool, may_manage: bool) -> impl IntoView {
    view! {
        <tr data-testid="target-row">
            <td class="target-name">
                <strong>{target.name.clone()}</strong>
                {target.is_self.then(|| view! { " "<span class="muted">"(Opsdeck's own)"</span> })}
                <br />
                <code class="target-location" title="Database">{target.location.clone()}</code>
            </td>
            <td>
                <Schedule what="Backups" expression=target.schedule.clone() next=target.next_run_at />
                <Schedule what="Restore tests" expression=target.restore_schedule.clone() next=target.next_restore_test_at />
            </td>
            <td>{target.retention_text()}</td>
            <td class="num">{match target.last_success_at {
                Some(at) => view! { <ShortTime at /> }.into_any(),
                None => "—".into_any(),
            }}</td>
            <td class="user-actions">
                {may_run.then(|| view! { <RunNow target=target.clone() /> })}
                {may_manage.then(|| view! {
                    <details class="confirm">
                        <summary>"Edit"</summary>
                        <div class="confirm-body"><TargetForm target=Some(target.clone()) /></div>
                    </details>
                })}
                {(may_manage && !target.is_self).then(|| view! { <DeleteTarget target=target.clone() /> })}
            </td>
        </tr>
    }
}

#[component]
fn RunNow(target: BackupTarget) -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let action = actions.run;
    let id = target.id;
    let pending = pending_for(action, move |input| input.target_id == id);
    view! {
        <ActionForm action attr:class="inline-form">
            <input type="hidden" name="target_id" value=id />
            <button type="submit" class="primary" disabled=pending aria-label=format!("Run backup now: {}", target.name)>
                {move || if pending.get() { "Starting…" } else { "Run backup now" }}
            </button>
        </ActionForm>
    }
    .into_any()
}

#[component]
fn DeleteTarget(target: BackupTarget) -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let action = actions.delete_target;
    let id = target.id;
    view! {
        <details class="confirm">
            <summary>"Delete"</summary>
            <div class="confirm-body">
                <p>{format!("Delete target {}? Its backup records and backup files are deleted too.", target.name)}</p>
                <ActionForm action>
                    <input type="hidden" name="target_id" value=id />
                    <button type="submit" class="danger">"Yes, delete"</button>
                </ActionForm>
            </div>
        </details>
    }
    .into_any()
}
