//! One backup (`/backups/runs/:id`): its facts, the row counts recorded at
//! backup time, the buttons (verify, restore test; restore into a new
//! database and download for admins) and every check with its evidence.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::badges::{RunStatusBadge, when};
use super::notices::Notices;
use super::{BackupActions, follow_running, use_actions};
use crate::backups::{BackupCheck, BackupRun, CheckOutcome, RunDetail, get_backup_run, human_bytes};
use crate::components::field::{Field, FieldMarks};
use crate::components::table_head::TableHead;
use crate::error::AppError;

#[component]
pub fn BackupRunPage() -> impl IntoView {
    let actions = BackupActions::new();
    provide_context(actions);
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get_str("id").and_then(|id| id.parse::<i64>().ok()));
    let tick = RwSignal::new(0u32);
    let detail = Resource::new(
        move || (id.get(), actions.versions(), tick.get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => get_backup_run(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    follow_running(tick, detail, |detail: &RunDetail| detail.busy);
    view! {
        <Title text=move || id.get().map(|id| format!("Backup #{id}")).unwrap_or_else(|| "Backup".into()) />
        <p class="breadcrumb"><a href="/backups">"Backups"</a>" › backup"</p>
        <Notices />
        <Transition fallback=|| view! { <p class="muted">"Loading the backup…"</p> }>
            {move || detail.get().map(|result| match result {
                Ok(detail) => view! { <Detail detail /> }.into_any(),
                Err(AppError::NotFound) => view! {
                    <h1>"Backup"</h1>
                    <div class="empty-state"><p class="empty-title">"There is no backup with this number"</p></div>
                }.into_any(),
                Err(error) => view! {
                    <h1>"Backup"</h1>
                    <p class="error" role="alert">{format!("Could not load the backup: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Detail(detail: RunDetail) -> impl IntoView {
    let run = detail.run.clone();
    let facts = view! { <Facts run=run.clone() location=detail.target.location.clone() /> }.into_any();
    let buttons = (run.is_available() && (detail.may_run || detail.may_manage)).then(|| {
        view! { <RunButtons run=run.clone() may_run=detail.may_run may_manage=detail.may_manage /> }.into_any()
    });
    let checks = view! { <Checks checks=detail.checks.clone() /> }.into_any();
    let counts = view! { <Counts run=run.clone() /> }.into_any();
    view! {
        <h1>{format!("Backup #{} of {}", run.id, run.target_name)}</h1>
        {detail.busy.then(|| view! {
            <p class="muted" role="status">"Work is running; this page follows it. "<a href=format!("/backups/runs/{}", run.id)>"Refresh"</a></p>
        })}
        {facts}
        {buttons}
        {checks}
        {counts}
    }
}

#[component]
fn Facts(run: BackupRun, location: String) -> impl IntoView {
    let or_dash = |value: Option<String>| value.unwrap_or_else(|| "—".to_string());
    view! {
        <section class="panel">
            <dl class="entry-facts">
                <dt>"Status"</dt>
                <dd><RunStatusBadge run=run.clone() /></dd>
                <dt>"Target"</dt>
                <dd>{run.target_name.clone()}" "<code>{location}</code></dd>
                <dt>"Started"</dt>
                <dd>{format!("{} — {} by {}", when(Some(run.started_at)), run.trigger.as_str(), run.started_by)}</dd>
                <dt>"Finished"</dt>
                <dd>{when(run.finished_at)}{run.duration_secs().map(|secs| format!(" ({secs:.1} s)"))}</dd>
                <dt>"Size"</dt>
                <dd>{run.size_bytes.map(|size| format!("{} ({size} bytes)", human_bytes(size))).unwrap_or_else(|| "—".into())}</dd>
                <dt>"SHA-256"</dt>
                <dd><code data-testid="sha256">{or_dash(run.sha256.clone())}</code></dd>
                <dt>"File"</dt>
                <dd><code>{or_dash(run.location.clone())}</code>{run.pruned_at.map(|at| format!(" — pruned {}", when(Some(at))))}</dd>
                <dt>"Server version"</dt>
                <dd>{or_dash(run.server_version.clone())}</dd>
                {run.error.clone().map(|error| view! {
                    <dt>"Error"</dt>
                    <dd class="error" role="alert">{error}</dd>
                })}
            </dl>
        </section>
    }
}

#[component]
fn RunButtons(run: BackupRun, may_run: bool, may_manage: bool) -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let id = run.id;
    let verify = actions.verify;
    let restore_test = actions.restore_test;
    let restore_into = actions.restore_into;
    view! {
        <section class="panel backup-actions" aria-label="Backup actions">
            {may_run.then(|| view! {
                <ActionForm action=verify attr:class="inline-form">
                    <input type="hidden" name="run_id" value=id />
                    <button type="submit" disabled=move || verify.pending().get()>
                        {move || if verify.pending().get() { "Verifying…" } else { "Verify" }}
                    </button>
                </ActionForm>
                <ActionForm action=restore_test attr:class="inline-form">
                    <input type="hidden" name="run_id" value=id />
                    <button type="submit" disabled=move || restore_test.pending().get()>"Restore test"</button>
                </ActionForm>
            })}
            {may_manage.then(|| view! {
                <a class="button" href=format!("/api/v1/backups/download?run={id}") download rel="external">"Download"</a>
                <details class="confirm">
                    <summary>"Restore into new database"</summary>
                    <div class="confirm-body">
                        <p>"Restores this backup into a new database on the target's server. An existing database is never overwritten."</p>
                        <ActionForm action=restore_into>
                            <input type="hidden" name="run_id" value=id />
                            <Field id="restore-database" name="database" label="New database name" control=|m: FieldMarks| view! {
                                <input id=m.id name=m.name type="text" required maxlength="63" pattern="[a-z_][a-z0-9_]*" />
                            } />
                            <button type="submit" class="danger">"Restore into new database"</button>
                        </ActionForm>
                    </div>
                </details>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn Checks(checks: Vec<BackupCheck>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="checks-heading">
            <h2 id="checks-heading">"Checks"</h2>
            {if checks.is_empty() {
                view! { <p class="muted">"Not verified or restore-tested yet."</p> }.into_any()
            } else {
                checks.into_iter().map(|check| view! { <CheckView check /> }).collect_view().into_any()
            }}
        </section>
    }
}

#[component]
fn CheckView(check: BackupCheck) -> impl IntoView {
    let (label, class) = match check.outcome {
        None => ("running", "badge badge-degraded"),
        Some(CheckOutcome::Pass) => ("pass", "badge badge-up"),
        Some(CheckOutcome::Fail) => ("fail", "badge badge-down"),
    };
    let evidence = check.evidence.clone();
    let mut facts: Vec<(&'static str, String)> = Vec::new();
    if let Some(ms) = evidence.duration_ms {
        facts.push(("Duration", format!("{:.1} s", ms as f64 / 1000.0)));
    }
    if let (Some(want), Some(got)) = (&evidence.expected_sha256, &evidence.actual_sha256) {
        let verdict = if want == got { "matches" } else { "DIFFERS" };
        facts.push(("Checksum", format!("{verdict}: recorded {want}, file {got}")));
    }
    if let (Some(want), Some(got)) = (evidence.expected_size, evidence.actual_size) {
        facts.push(("Size", format!("recorded {want} bytes, file {got} bytes")));
    }
    if let Some(entries) = evidence.toc_entries {
        facts.push(("Archive contents", format!("{entries} entries (pg_restore --list)")));
    }
    if !evidence.missing_table_data.is_empty() {
        facts.push((
            "Tables missing from the archive",
            evidence.missing_table_data.join(", "),
        ));
    }
    if let Some(database) = &evidence.database {
        let fate = match evidence.dropped {
            Some(true) => " (dropped afterwards)",
            Some(false) => " (could not be dropped)",
            None => "",
        };
        facts.push(("Restored into", format!("{database}{fate}")));
    }
    if let (Some(tables), Some(rows)) = (evidence.tables_compared, evidence.rows_compared) {
        let differing = evidence.differences.len();
        facts.push((
            "Row counts",
            format!("{tables} tables ({rows} rows) compared; {differing} differ"),
        ));
    }
    if let Some(error) = &evidence.error {
        facts.push(("Error", error.clone()));
    }
    let differences = evidence.differences.clone();
    let count = |n: Option<i64>| n.map_or_else(|| "(missing)".to_string(), |n| n.to_string());
    view! {
        <article class="check" data-testid=format!("check-{}", check.kind.as_str())>
            <h3>
                {check.kind.label()}" "<span class=class>{label}</span>
                <span class="muted">{format!(" — {} by {}", when(Some(check.started_at)), check.started_by)}</span>
            </h3>
            <dl class="entry-facts">
                {facts.into_iter().map(|(name, value)| view! { <dt>{name}</dt><dd>{value}</dd> }).collect_view()}
            </dl>
            {(!differences.is_empty()).then(|| view! {
                <table class="diff-table">
                    <TableHead columns=&["Table", "At backup", "Restored"] />
                    <tbody>
                        {differences.into_iter().map(|d| view! {
                            <tr class="changed"><th scope="row">{d.table}</th><td>{count(d.expected)}</td><td>{count(d.actual)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </article>
    }
}

#[component]
fn Counts(run: BackupRun) -> impl IntoView {
    let Some(counts) = run.table_counts.filter(|counts| !counts.is_empty()) else {
        return ().into_any();
    };
    let total: i64 = counts.values().sum();
    view! {
        <section class="panel" aria-labelledby="counts-heading">
            <h2 id="counts-heading">"Row counts at backup time"</h2>
            <p class="muted">{format!("{} tables, {total} rows, counted in the dump's own snapshot.", counts.len())}</p>
            <table class="users-table counts-table">
                <TableHead columns=&["Table", "Rows"] />
                <tbody>
                    {counts.into_iter().map(|(table, rows)| view! { <tr><td>{table}</td><td class="num">{rows}</td></tr> }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}
