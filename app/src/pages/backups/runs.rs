//! The list of backups: status (with bytes written while running), size and
//! duration, checksum, and whether each was verified and restore-tested.
//!
//! Seven columns, so the table fits a laptop screen: secondary facts stand
//! under the main one (the checksum under the backup's number, who started
//! it under the target, the duration under the size) and dates are short
//! (the whole date in their `title`).

use leptos::prelude::*;

use super::badges::{CheckBadge, RunStatusBadge};
use crate::backups::{BackupRun, human_bytes};
use crate::components::short_time::ShortTime;
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
            <TableHead columns=&["Backup", "Target", "Started", "Status", "Size", "Verified", "Restore-tested"] />
            <tbody>{runs.into_iter().map(|run| view! { <RunRow run /> }).collect_view()}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn RunRow(run: BackupRun) -> impl IntoView {
    let size = run.size_bytes.map(human_bytes).unwrap_or_else(|| "—".to_string());
    let duration = run.duration_secs().map(|secs| format!("in {secs:.1} s"));
    // The whole checksum is on hover and on the backup's page.
    let sha = run.short_sha().map(|short| {
        let title = format!("SHA-256 {}", run.sha256.clone().unwrap_or_default());
        view! { <br /><code class="muted" title=title>{short}</code> }
    });
    let by = format!("{} by {}", run.trigger.as_str(), run.started_by);
    view! {
        <tr data-testid="backup-row">
            <td><a href=format!("/backups/runs/{}", run.id)>{format!("#{}", run.id)}</a>{sha}</td>
            <td>{run.target_name.clone()}<br /><span class="muted">{by}</span></td>
            <td class="num"><ShortTime at=run.started_at /></td>
            <td><RunStatusBadge run=run.clone() /></td>
            <td class="num">{size}{duration.map(|duration| view! { <br /><span class="muted">{duration}</span> })}</td>
            <td><CheckBadge check=run.last_verify.clone() what="verified" /></td>
            <td><CheckBadge check=run.last_restore_test.clone() what="restored" /></td>
        </tr>
    }
}
