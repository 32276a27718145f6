use std::process::ExitCode;

use clap::Parser;
use opsdeck::cli::{self, Cli, Command};
use opsdeck::{Config, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("opsdeck: configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    if let Err(error) = telemetry::init(&config.log_filter, config.log_format) {
        eprintln!("opsdeck: configuration error: {error}");
        return ExitCode::from(2);
    }
    match cli::run(cli.command.unwrap_or(Command::Serve), config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("opsdeck: {error:#}");
            ExitCode::FAILURE
        }
    }
}
