//! The list of backups: status (with bytes written while running), size,
//! duration, checksum, and whether each was verified and restore-tested.

use leptos::prelude::*;

use super::badges::{CheckBadge, RunStatusBadge, when};
use crate::backups::{BackupRun, human_bytes};
use crate::components::table_head::TableHead;

#[component]
pub fn RunsTable(runs: Vec<BackupRun>) -> impl IntoView {
    if runs.is_empty() {
        return view! {
            <div class="empty-state">
                <p class="empty-title">"No backups yet"</p>
                <p>"Run one with “Run backup now” above, or " <code>"opsdeck backup run"</code> "."</p>
            </div>
        }
        .into_any();
    }
    view! {
        <table class="users-table backups-table">
            <TableHead columns=&["Backup", "Target", "Started", "Status", "Size", "Duration", "SHA-256", "Verified", "Restore-tested"] />
            <tbody>{runs.into_iter().map(|run| view! { <RunRow run /> }).collect_view()}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn RunRow(run: BackupRun) -> impl IntoView {
    let size = run.size_bytes.map(human_bytes).unwrap_or_else(|| "—".to_string());
    let duration = run
        .duration_secs()
        .map(|secs| format!("{secs:.1} s"))
        .unwrap_or_else(|| "—".to_string());
    let sha = run.short_sha().unwrap_or_else(|| "—".to_string());
    let by = format!("{} by {}", run.trigger.as_str(), run.started_by);
    view! {
        <tr data-testid="backup-row">
            <td><a href=format!("/backups/runs/{}", run.id)>{format!("#{}", run.id)}</a></td>
            <td>{run.target_name.clone()}</td>
            <td class="num">{when(Some(run.started_at))}<br /><span class="muted">{by}</span></td>
            <td><RunStatusBadge run=run.clone() /></td>
            <td class="num">{size}</td>
            <td class="num">{duration}</td>
            <td><code title=run.sha256.clone().unwrap_or_default()>{sha}</code></td>
            <td><CheckBadge check=run.last_verify.clone() what="verified" /></td>
            <td><CheckBadge check=run.last_restore_test.clone() what="restored" /></td>
        </tr>
    }
}
