//! `opsdeck backup run|verify|restore-test` and `opsdeck migrate --backup`:
//! what the Backups page's buttons do, for scripts. Each prints the
//! resulting record on stdout (its id first; JSON with `--json`), is
//! audited as a CLI action, and fails (exit status 1) when the backup, the
//! verification or the restore test did.

use anyhow::{Context, bail};
use sqlx::PgPool;

use app::backups::ssr::{Starter, checks, dump, queries};
use app::backups::{BackupCheck, BackupRun, CheckKind, CheckOutcome, RunStatus, RunTrigger};
use app::state::AppState;

use crate::config::Config;
use crate::startup::{self, Application};

/// `opsdeck backup run [--target NAME]`: Opsdeck's own database by default.
pub async fn run(config: Config, target: Option<String>, json: bool) -> anyhow::Result<()> {
    let state = Application::state_for_cli(config).await?;
    let target_id = target_id(&state, target.as_deref()).await?;
    let run = backup(
        &state,
        target_id,
        RunTrigger::Manual,
        Starter::cli("opsdeck backup run"),
    )
    .await?;
    print_run(&run, json)?;
    run_outcome(&run)
}

/// `opsdeck backup verify ID`.
pub async fn verify(config: Config, run_id: i64, json: bool) -> anyhow::Result<()> {
    let state = Application::state_for_cli(config).await?;
    let check = checks::verify(&state, run_id, &Starter::cli("opsdeck backup verify"))
        .await
        .map_err(|error| anyhow::anyhow!("backup {run_id}: {error}"))?;
    print_check(&check, json)?;
    check_outcome(&check)
}

/// `opsdeck backup restore-test ID`.
pub async fn restore_test(config: Config, run_id: i64, json: bool) -> anyhow::Result<()> {
    let state = Application::state_for_cli(config).await?;
    let starter = Starter::cli("opsdeck backup restore-test");
    let check = checks::start_restore(&state, run_id, CheckKind::RestoreTest, None, &starter)
        .await
        .map_err(|error| anyhow::anyhow!("backup {run_id}: {error}"))?;
    let check = checks::perform_restore(&state, &check, &starter)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    print_check(&check, json)?;
    check_outcome(&check)
}

/// `opsdeck migrate --backup`: backs up Opsdeck's own database, then applies
/// pending migrations; stops before migrating when the backup fails.
///
/// A database without the backup tables cannot record a backup yet: an empty
/// one has nothing to back up (all migrations are applied); an older one
/// first gets the migrations up to the one creating those tables, then the
/// backup, then the rest.
pub async fn migrate_with_backup(config: Config, json: bool) -> anyhow::Result<()> {
    let db = startup::connect_database(&config)?;
    let tables: (bool, bool) =
        sqlx::query_as("SELECT to_regclass('_sqlx_migrations') IS NOT NULL, to_regclass('backup_runs') IS NOT NULL")
            .fetch_one(&db)
            .await
            .with_context(|| format!("connecting to {} (DATABASE_URL)", config.database_url_for_logs()))?;
    match tables {
        (false, _) => {
            eprintln!("a new database: nothing to back up yet; applying the migrations");
        }
        (true, false) => {
            eprintln!("the backup tables do not exist yet: applying the migrations up to the one creating them first");
            apply_up_to_backups(&db).await?;
            backup_before_migrating(&config, json).await?;
        }
        (true, true) => backup_before_migrating(&config, json).await?,
    }
    startup::migrate(&db, &config).await?;
    eprintln!("migrations applied");
    Ok(())
}

async fn backup_before_migrating(config: &Config, json: bool) -> anyhow::Result<()> {
    let state = Application::state_without_migrating(config.clone()).await?;
    let target_id = target_id(&state, None).await?;
    let run = backup(
        &state,
        target_id,
        RunTrigger::BeforeMigration,
        Starter::cli("opsdeck migrate --backup"),
    )
    .await?;
    print_run(&run, json)?;
    run_outcome(&run).context("no migration was applied")
}

/// The migrations up to (and including) the one that creates the backup tables.
async fn apply_up_to_backups(db: &PgPool) -> anyhow::Result<()> {
    const BACKUPS_MIGRATION: i64 = 20261124140000;
    let partial = sqlx::migrate::Migrator {
        migrations: startup::MIGRATOR
            .iter()
            .filter(|migration| migration.version <= BACKUPS_MIGRATION)
            .cloned()
            .collect::<Vec<_>>()
            .into(),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    partial
        .run(db)
        .await
        .context("applying the migrations up to the backup tables")?;
    Ok(())
}

async fn target_id(state: &AppState, name: Option<&str>) -> anyhow::Result<i64> {
    let mut conn = state.db.acquire().await?;
    let found = match name {
        Some(name) => queries::target_id_by_name(&mut conn, name.trim()).await?,
        None => queries::self_target_id(&mut conn).await?,
    };
    match (found, name) {
        (Some(id), _) => Ok(id),
        (None, Some(name)) => bail!("there is no backup target named '{name}'"),
        (None, None) => bail!("Opsdeck's own backup target is missing"),
    }
}

async fn backup(state: &AppState, target_id: i64, trigger: RunTrigger, starter: Starter) -> anyhow::Result<BackupRun> {
    let run_id = dump::start_run(state, target_id, trigger, &starter)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    dump::perform_run(state, run_id, &starter)
        .await
        .map_err(|error| anyhow::anyhow!("backup {run_id}: {error}"))
}

fn run_outcome(run: &BackupRun) -> anyhow::Result<()> {
    match run.status {
        RunStatus::Succeeded => Ok(()),
        _ => bail!(
            "backup {} failed: {}",
            run.id,
            run.error.as_deref().unwrap_or("no reason recorded")
        ),
    }
}

fn check_outcome(check: &BackupCheck) -> anyhow::Result<()> {
    match check.outcome {
        Some(CheckOutcome::Pass) => Ok(()),
        _ => bail!(
            "{} {} of backup {} failed{}",
            check.kind.label().to_lowercase(),
            check.id,
            check.run_id,
            check
                .evidence
                .error
                .as_deref()
                .map(|error| format!(": {error}"))
                .unwrap_or_default()
        ),
    }
}

fn print_run(run: &BackupRun, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(run)?);
        return Ok(());
    }
    let mut line = format!(
        "{} {} target={} trigger={}",
        run.id,
        run.status.as_str(),
        run.target_name,
        run.trigger.as_str()
    );
    if let Some(seconds) = run.duration_secs() {
        line.push_str(&format!(" duration={seconds:.1}s"));
    }
    if let (Some(size), Some(sha), Some(location)) = (run.size_bytes, &run.sha256, &run.location) {
        let tables = run.table_counts.as_ref().map_or(0, |counts| counts.len());
        line.push_str(&format!(
            " size={size} sha256={sha} tables={tables} location={location}"
        ));
    }
    if let Some(error) = &run.error {
        line.push_str(&format!(" error={error:?}"));
    }
    println!("{line}");
    Ok(())
}

fn print_check(check: &BackupCheck, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(check)?);
        return Ok(());
    }
    let outcome = check.outcome.map_or("running", |outcome| outcome.as_str());
    let evidence = &check.evidence;
    let mut line = format!(
        "{} {outcome} kind={} run={}",
        check.id,
        check.kind.as_str(),
        check.run_id
    );
    if let Some(ms) = evidence.duration_ms {
        line.push_str(&format!(" duration={ms}ms"));
    }
    if let Some(sha) = &evidence.actual_sha256 {
        line.push_str(&format!(" sha256={sha}"));
    }
    if let Some(entries) = evidence.toc_entries {
        line.push_str(&format!(" toc_entries={entries}"));
    }
    if let (Some(tables), Some(rows)) = (evidence.tables_compared, evidence.rows_compared) {
        line.push_str(&format!(" tables_compared={tables} rows_compared={rows}"));
    }
    if !evidence.differences.is_empty() {
        line.push_str(&format!(" differences={}", evidence.differences.len()));
    }
    if let Some(error) = &evidence.error {
        line.push_str(&format!(" error={error:?}"));
    }
    println!("{line}");
    Ok(())
}
