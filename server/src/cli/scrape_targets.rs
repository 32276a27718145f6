//! `opsdeck scrape-target add`: a Prometheus scrape target from scripts
//! (the run command adds the local node exporter this way). Audited as a
//! CLI action; prints `created <id>` or, with `--if-absent` and a target of
//! that URL stored already, `exists <id>`.

use app::audit::ssr::{Actor, Audited, ClientInfo};
use app::scrape::ssr::targets::draft::Draft;
use app::scrape::ssr::targets::save;
use app::scrape::targets::{DEFAULT_INTERVAL_SECS, DEFAULT_TIMEOUT_SECS, TargetForm};

use crate::config::Config;
use crate::startup::Application;

pub struct AddTarget {
    pub service: String,
    pub url: String,
    pub interval_secs: Option<i32>,
    /// `name=value` pairs.
    pub labels: Vec<String>,
    pub if_absent: bool,
}

pub async fn add(config: Config, args: AddTarget) -> anyhow::Result<()> {
    let form = TargetForm {
        service: args.service,
        url: args.url,
        interval_secs: args.interval_secs.unwrap_or(DEFAULT_INTERVAL_SECS).to_string(),
        timeout_secs: DEFAULT_TIMEOUT_SECS.to_string(),
        labels: args.labels.join("\n"),
        enabled: Some("on".into()),
        ..TargetForm::default()
    };
    let draft = Draft::parse(&form).map_err(|error| anyhow::anyhow!("{error}"))?;
    let state = Application::state_for_cli(config).await?;
    if args.if_absent {
        let stored: Option<i64> = sqlx::query_scalar("SELECT id FROM scrape_targets WHERE url = $1")
            .bind(&draft.url)
            .fetch_optional(&state.db)
            .await?;
        if let Some(id) = stored {
            println!("exists {id}");
            return Ok(());
        }
    }
    let change = Audited::begin(
        &state,
        Actor::cli(),
        ClientInfo::cli("opsdeck scrape-target add"),
        "scrape: begin",
    )
    .await
    .map_err(|error| anyhow::anyhow!("{error}"))?;
    let target = save(change, &state, None, draft)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    eprintln!(
        "scraping {} every {} s as service {}",
        target.url, target.interval_secs, target.service
    );
    println!("created {}", target.id);
    Ok(())
}
