//! The Backups area: `/backups` lists the targets and the runs with, per
//! backup, whether it was verified and restore-tested (and when);
//! `/backups/runs/:id` shows one run's row counts and its checks' evidence.
//!
//! Both follow running work: with JavaScript they reload themselves every
//! second while something runs (the bytes written so far come from the
//! run's record, which the worker updates twice a second); without it a
//! Refresh link does the same by hand. Every form is an `ActionForm`, so
//! buttons work either way.

mod badges;
mod notices;
mod run_page;
mod runs;
mod target_form;
mod targets;

pub use run_page::BackupRunPage;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::backups::{
    BackupsOverview, DeleteBackupTarget, RestoreBackupInto, RestoreTestBackup, RunBackup, SaveBackupTarget,
    VerifyBackup, get_backups,
};
use notices::Notices;
use runs::RunsTable;
use targets::TargetsPanel;

/// Every server action of the Backups pages, shared through context.
#[derive(Clone, Copy)]
pub(super) struct BackupActions {
    pub run: ServerAction<RunBackup>,
    pub verify: ServerAction<VerifyBackup>,
    pub restore_test: ServerAction<RestoreTestBackup>,
    pub restore_into: ServerAction<RestoreBackupInto>,
    pub save_target: ServerAction<SaveBackupTarget>,
    pub delete_target: ServerAction<DeleteBackupTarget>,
}

impl BackupActions {
    fn new() -> Self {
        BackupActions {
            run: ServerAction::new(),
            verify: ServerAction::new(),
            restore_test: ServerAction::new(),
            restore_into: ServerAction::new(),
            save_target: ServerAction::new(),
            delete_target: ServerAction::new(),
        }
    }

    /// Changes whenever any action completes (lists reload on it).
    fn versions(&self) -> [usize; 6] {
        [
            self.run.version().get(),
            self.verify.version().get(),
            self.restore_test.version().get(),
            self.restore_into.version().get(),
            self.save_target.version().get(),
            self.delete_target.version().get(),
        ]
    }
}

pub(super) fn use_actions() -> Option<BackupActions> {
    use_context::<BackupActions>()
}

/// Bumps `tick` a second after each load of `loaded` that reported running
/// work, so a resource keyed on `tick` follows that work until it ends.
pub(super) fn follow_running<T: Clone + Send + Sync + 'static>(
    tick: RwSignal<u32>,
    loaded: Resource<Result<T, crate::error::AppError>>,
    busy: fn(&T) -> bool,
) {
    Effect::new(move |_| {
        let running = loaded.get().and_then(Result::ok).is_some_and(|value| busy(&value));
        #[cfg(feature = "hydrate")]
        if running {
            set_timeout(
                move || {
                    tick.try_update(|tick| *tick += 1);
                },
                std::time::Duration::from_secs(1),
            );
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (running, tick);
    });
}

#[component]
pub fn Backups() -> impl IntoView {
    let actions = BackupActions::new();
    provide_context(actions);
    let query = use_query_map();
    let page = Memo::new(move |_| {
        let read = query.read();
        let number = |name: &str| read.get(name).and_then(|value| value.parse::<i64>().ok());
        (number("target"), number("before"))
    });
    let tick = RwSignal::new(0u32);
    let overview = Resource::new(
        move || (page.get(), actions.versions(), tick.get()),
        |((target, before), _, _)| get_backups(target, before),
    );
    follow_running(tick, overview, |overview: &BackupsOverview| overview.busy);

    view! {
        <Title text="Backups" />
        <h1>"Backups"</h1>
        <p class="muted">
            "Each backup is a pg_dump archive with its SHA-256 and the row count of every table at backup time. "
            "Verify recomputes the checksum and lists the archive; a restore test restores it into a temporary "
            "database and compares every table's rows."
        </p>
        <Notices />
        <Transition fallback=|| view! { <p class="muted">"Loading backups…"</p> }>
            {move || overview.get().map(|result| match result {
                Ok(overview) => view! { <Overview overview /> }.into_any(),
                Err(error) => view! {
                    <p class="error" role="alert">{format!("Could not load the backups: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Overview(overview: BackupsOverview) -> impl IntoView {
    let targets = view! {
        <TargetsPanel targets=overview.targets.clone() may_run=overview.may_run may_manage=overview.may_manage />
    }
    .into_any();
    let older = overview.older.map(|before| {
        view! { <p class="pager"><a href=format!("/backups?before={before}")>"Older backups →"</a></p> }
    });
    view! {
        {targets}
        <section class="panel" aria-labelledby="runs-heading">
            <div class="panel-head">
                <h2 id="runs-heading">"Backups taken"</h2>
                {overview.busy.then(|| view! {
                    <span class="muted" role="status">"Work is running; this list follows it. " <a href="/backups">"Refresh"</a></span>
                })}
            </div>
            <RunsTable runs=overview.runs />
            {older}
        </section>
    }
}
