//! The command line of the `opsdeck` binary: its clap definition and
//! `run`; one file per command group beside it.

pub mod alert_rules;
pub mod api_keys;
pub mod audit;
pub mod backups;
pub mod demo;
pub mod errors;
pub mod scrape_targets;
pub mod secrets;
pub mod users;

use clap::{Parser, Subcommand};

use crate::config::{Config, variables_help};
use crate::startup::{self, Application};

#[derive(Debug, Parser)]
#[command(
    name = "opsdeck",
    version,
    about = "Opsdeck: a self-hosted operations console",
    long_about = "Opsdeck: a self-hosted operations console.\n\nConfiguration comes from environment variables (listed below); \
                  each is checked at start-up and a bad value stops Opsdeck with a message naming the variable.",
    after_help = variables_help()
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve the web console and APIs on OPSDECK_ADDR (the default). Applies
    /// pending migrations first, stops gracefully on SIGTERM or Ctrl-C.
    Serve,
    /// Apply pending database migrations to DATABASE_URL and exit.
    Migrate {
        /// Back up Opsdeck's own database first (recorded, trigger
        /// before-migration); stop without migrating if the backup fails.
        #[arg(long)]
        backup: bool,
        /// With --backup: print the backup's record as JSON.
        #[arg(long, requires = "backup")]
        json: bool,
    },
    /// Back up, verify and restore-test from scripts (audited as CLI actions;
    /// a failure exits non-zero).
    Backup {
        #[command(subcommand)]
        command: BackupCommand,
    },
    /// Manage user accounts from scripts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Prometheus scrape targets from scripts.
    ScrapeTarget {
        #[command(subcommand)]
        command: ScrapeTargetCommand,
    },
    /// Manage API keys from scripts.
    ApiKey {
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// Send generated demo traffic (services named demo-…) to a running
    /// Opsdeck through the ingest API, until Ctrl-C.
    Demo {
        /// Where Opsdeck listens
        #[arg(long, default_value = "http://127.0.0.1:3000")]
        url: String,
        /// An ingest API key; without one, a key named "demo traffic" is created (needs DATABASE_URL)
        #[arg(long, env = "OPSDECK_DEMO_KEY", hide_env_values = true)]
        key: Option<String>,
        /// Days of past demo traffic stored first, once per database (0: none)
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(i64).range(0..=90))]
        backfill_days: i64,
    },
    /// Alert rules as a YAML file, for version control.
    AlertRules {
        #[command(subcommand)]
        command: AlertRulesCommand,
    },
    /// Work with the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Error tracking: DSNs for Sentry SDKs, and a test event.
    Errors {
        #[command(subcommand)]
        command: ErrorsCommand,
    },
    /// The secrets Opsdeck stores encrypted (connection URLs, channel secrets).
    Secrets {
        #[command(subcommand)]
        command: SecretsCommand,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum SecretsCommand {
    /// Re-encrypt every stored secret with OPSDECK_SECRETS_KEY, reading those
    /// under an old key with OPSDECK_SECRETS_OLD_KEYS (set both to rotate:
    /// the new key and the old one); afterwards the old key can go.
    Rotate,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ErrorsCommand {
    /// DSN keys (API keys with the `errors` scope).
    Dsn {
        #[command(subcommand)]
        command: DsnCommand,
    },
    /// Send one test exception to a DSN as a real Sentry envelope over HTTP;
    /// prints the event's id and its issue's page.
    SendTest {
        /// The DSN, http(s)://<key>@<host>/<project>
        #[arg(long, env = "OPSDECK_TEST_DSN", hide_env_values = true)]
        dsn: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum DsnCommand {
    /// Create a key with the `errors` scope for a service (as `opsdeck
    /// api-key create --scope errors --service S` does, audited alike) and
    /// print its DSN once on stdout.
    Create {
        /// The service whose errors the DSN sends
        #[arg(long)]
        service: String,
        /// The key's name (default: "<service> DSN")
        #[arg(long)]
        name: Option<String>,
        /// Days until the key expires (0, the default: never)
        #[arg(long, default_value_t = 0)]
        expires_in_days: u32,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum BackupCommand {
    /// Take a backup now and print its record (id first).
    Run {
        /// The target's name (default: Opsdeck's own database)
        #[arg(long)]
        target: Option<String>,
        /// Print the record as JSON
        #[arg(long)]
        json: bool,
    },
    /// Recompute a backup's checksum and list its contents (pg_restore --list).
    Verify {
        /// The backup's id
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Restore a backup into a temporary database, compare every table's row
    /// count with the backup's, drop the database.
    RestoreTest {
        /// The backup's id
        id: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum AlertRulesCommand {
    /// Print the stored rules (or one) as YAML: `opsdeck alert-rules export > rules.yaml`.
    Export {
        /// Only the rule of this name
        #[arg(long)]
        rule: Option<String>,
    },
    /// Check a YAML file and print what importing it would create, update
    /// and leave unchanged (rules are matched by name; none is deleted).
    Import {
        #[arg(long)]
        file: std::path::PathBuf,
        /// Apply the plan: every create and update in one transaction (audited).
        #[arg(long)]
        apply: bool,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain (with OPSDECK_AUDIT_KEY) against its
    /// anchor; exits non-zero and names the first broken entry when it does
    /// not hold.
    Verify {
        /// The anchor to check against, as `ID:HASH` from an
        /// `audit chain anchored` log line; by default the one in Redis.
        #[arg(long, value_name = "ID:HASH")]
        expect_head: Option<String>,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum ApiKeyCommand {
    /// Create an API key and print it once on stdout (nothing else goes to
    /// stdout, so `KEY=$(opsdeck api-key create …)` captures it). Audited.
    Create {
        /// What uses the key, e.g. "checkout service"
        #[arg(long)]
        name: String,
        /// ingest, deployments:write, logs or errors; repeat for several
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// The service whose errors a key with the `errors` scope sends (its
        /// DSN is printed on stderr)
        #[arg(long, default_value = "")]
        service: String,
        /// Days until the key expires (0, the default: never)
        #[arg(long, default_value_t = 0)]
        expires_in_days: u32,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from stdin; when stdin is empty a
    /// strong one is generated and printed once.
    Create {
        #[arg(long)]
        email: String,
        /// admin, operator, support, manager or viewer
        #[arg(long)]
        role: String,
        /// Display name (defaults to the part of the email before @)
        #[arg(long)]
        name: Option<String>,
        /// Succeed without change when the email is already taken.
        #[arg(long)]
        skip_if_exists: bool,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum ScrapeTargetCommand {
    /// Scrape a Prometheus endpoint; prints `created <id>` (or `exists <id>`
    /// with --if-absent when one with this URL is stored).
    Add {
        /// The service its samples are stored under
        #[arg(long)]
        service: String,
        /// The exposition's URL, such as http://127.0.0.1:9100/metrics
        #[arg(long)]
        url: String,
        /// Seconds between scrapes (5–3600; default 15)
        #[arg(long)]
        interval_secs: Option<i32>,
        /// A label added to every series, name=value (repeatable)
        #[arg(long = "label")]
        labels: Vec<String>,
        /// Do nothing when a target with this URL exists
        #[arg(long)]
        if_absent: bool,
    },
}

pub async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::ScrapeTarget {
            command:
                ScrapeTargetCommand::Add {
                    service,
                    url,
                    interval_secs,
                    labels,
                    if_absent,
                },
        } => {
            let args = scrape_targets::AddTarget {
                service,
                url,
                interval_secs,
                labels,
                if_absent,
            };
            scrape_targets::add(config, args).await
        }
        Command::ApiKey {
            command:
                ApiKeyCommand::Create {
                    name,
                    scopes,
                    service,
                    expires_in_days,
                },
        } => {
            api_keys::create(
                config,
                api_keys::CreateApiKey {
                    name,
                    scopes,
                    service,
                    expires_in_days,
                },
            )
            .await
        }
        Command::Errors { command } => match command {
            ErrorsCommand::Dsn {
                command:
                    DsnCommand::Create {
                        service,
                        name,
                        expires_in_days,
                    },
            } => errors::dsn_create(config, service, name, expires_in_days).await,
            ErrorsCommand::SendTest { dsn } => errors::send_test_command(&dsn).await,
        },
        Command::Secrets {
            command: SecretsCommand::Rotate,
        } => secrets::rotate(config).await,
        Command::Demo {
            url,
            key,
            backfill_days,
        } => {
            demo::run(
                config,
                demo::DemoArgs {
                    url,
                    key,
                    backfill_days,
                },
            )
            .await
        }
        Command::AlertRules { command } => match command {
            AlertRulesCommand::Export { rule } => alert_rules::export_command(config, rule).await,
            AlertRulesCommand::Import { file, apply } => alert_rules::import_command(config, file, apply).await,
        },
        Command::Audit {
            command: AuditCommand::Verify { expect_head },
        } => audit::verify_command(&config, expect_head.as_deref()).await,
        Command::Serve => {
            let app = Application::build(config).await?;
            app.run_until_stopped(startup::shutdown_signal()).await
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    role,
                    name,
                    skip_if_exists,
                },
        } => {
            users::create(
                config,
                users::CreateUser {
                    email,
                    role,
                    name,
                    skip_if_exists,
                },
            )
            .await
        }
        Command::Backup { command } => match command {
            BackupCommand::Run { target, json } => backups::run(config, target, json).await,
            BackupCommand::Verify { id, json } => backups::verify(config, id, json).await,
            BackupCommand::RestoreTest { id, json } => backups::restore_test(config, id, json).await,
        },
        Command::Migrate { backup: true, json } => backups::migrate_with_backup(config, json).await,
        Command::Migrate { backup: false, .. } => {
            let db = startup::connect_database(&config)?;
            startup::migrate(&db, &config).await?;
            let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&db)
                .await?;
            println!(
                "migrations applied; the database is at {applied} of {} migrations",
                startup::MIGRATOR.iter().count()
            );
            Ok(())
        }
    }
}
