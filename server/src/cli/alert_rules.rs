//! `opsdeck alert-rules export` and `opsdeck alert-rules import`: alert rules
//! as a YAML file for version control. Export writes the file to stdout;
//! import prints the plan and, with `--apply`, applies it (audited as the CLI).

use anyhow::Context;

use app::alerts::files::{Change, ImportPlan};
use app::alerts::ssr::import::{Selection, apply, export, preview};
use app::audit::ssr::{Actor, Audited, ClientInfo};

use crate::config::Config;
use crate::startup::Application;

pub async fn export_command(config: Config, rule: Option<String>) -> anyhow::Result<()> {
    let state = Application::state_for_cli(config).await?;
    let mut conn = state.db.acquire().await.context("connecting to the database")?;
    let selection = rule.map_or(Selection::All, Selection::Name);
    let yaml = export(&mut conn, &selection).await.map_err(|error| match error {
        app::error::AppError::NotFound => anyhow::anyhow!("no rule is named {selection:?}"),
        other => anyhow::anyhow!("{other}"),
    })?;
    print!("{yaml}");
    Ok(())
}

pub async fn import_command(config: Config, file: std::path::PathBuf, apply_it: bool) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let state = Application::state_for_cli(config).await?;
    let mut conn = state.db.acquire().await.context("connecting to the database")?;
    let plan = preview(&mut conn, &text).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    drop(conn);
    print!("{}", describe(&plan));
    if !plan.problems.is_empty() {
        anyhow::bail!(
            "{} problem(s) in {}; nothing imported",
            plan.problems.len(),
            file.display()
        );
    }
    if !apply_it {
        if plan.can_apply() {
            println!("nothing applied; run again with --apply to import");
        }
        return Ok(());
    }
    let tx = state.db.begin().await.context("connecting to the database")?;
    let change = Audited::new(
        tx,
        &state.audit_key,
        Actor::cli(),
        ClientInfo::cli("opsdeck alert-rules import"),
    );
    let counts = apply(change, &text).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("applied: {counts}");
    Ok(())
}

/// The plan as lines: `create NAME`, `update NAME` with `  field: old -> new`,
/// `unchanged NAME`, `kept NAME (not in the file)`, then the problems.
pub fn describe(plan: &ImportPlan) -> String {
    let mut out = String::new();
    for rule in &plan.rules {
        out.push_str(&format!("{} {}\n", rule.change.word(), rule.name));
        if let Change::Update(fields) = &rule.change {
            for field in fields {
                out.push_str(&format!("  {}: {} -> {}\n", field.field, field.old, field.new));
            }
        }
    }
    for (_, name) in &plan.kept {
        out.push_str(&format!("kept {name} (not in the file)\n"));
    }
    for problem in &plan.problems {
        out.push_str(&format!("error {problem}\n"));
    }
    if plan.problems.is_empty() {
        out.push_str(&format!("plan: {}\n", plan.counts()));
    }
    out
}
