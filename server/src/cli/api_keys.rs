//! `opsdeck api-key create`: API keys for automation (CI, provisioning).
//! The key goes to stdout, once; what was created goes to stderr.

use app::api_keys::ssr::NewApiKey;
use app::api_keys::ssr::manage::create as create_key_as;
use app::api_keys::{CreatedApiKey, Scope};
use app::audit::ssr::{Actor, ClientInfo};

use crate::config::Config;
use crate::startup::Application;

pub struct CreateApiKey {
    pub name: String,
    pub scopes: Vec<String>,
    /// The error project's service, for a key with the `errors` scope.
    pub service: String,
    pub expires_in_days: u32,
}

pub async fn create(config: Config, args: CreateApiKey) -> anyhow::Result<()> {
    let created = create_key(config, args, "opsdeck api-key create").await?;
    describe(&created);
    if let Some(dsn) = &created.dsn {
        eprintln!("its Sentry DSN (holds the key too): {dsn}");
    }
    println!("{}", created.secret);
    Ok(())
}

/// Creates the key `args` describe, audited as the CLI's `command`.
pub async fn create_key(config: Config, args: CreateApiKey, command: &str) -> anyhow::Result<CreatedApiKey> {
    let scopes = args
        .scopes
        .iter()
        .map(|name| {
            Scope::parse(name).ok_or_else(|| {
                let known: Vec<&str> = Scope::ALL.iter().map(|scope| scope.as_str()).collect();
                anyhow::anyhow!("unknown scope '{name}'; choose from {}", known.join(", "))
            })
        })
        .collect::<anyhow::Result<Vec<Scope>>>()?;
    let new = NewApiKey::parse(&args.name, scopes, args.expires_in_days, chrono::Utc::now())
        .and_then(|new| new.for_errors_service(&args.service))
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let state = Application::state_for_cli(config).await?;
    let actor = Actor::cli();
    let client = ClientInfo::cli(command);
    create_key_as(&state, actor, client, new)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))
}

/// What was created, on stderr (stdout holds only the secret or DSN).
pub fn describe(created: &CreatedApiKey) {
    let scopes: Vec<&str> = created.key.scopes.iter().map(|scope| scope.as_str()).collect();
    let expiry = created.key.expires_at.map_or_else(
        || "never expires".to_string(),
        |at| format!("expires {}", at.to_rfc3339()),
    );
    eprintln!(
        "created API key {} \"{}\" (scopes: {}; {expiry}); it is shown only this once",
        created.key.masked(),
        created.key.name,
        scopes.join(", ")
    );
}
