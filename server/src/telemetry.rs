//! Structured logs: human-readable by default, one JSON object per line
//! with `OPSDECK_LOG_FORMAT=json`.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{ConfigError, LogFormat};

pub fn init(filter: &str, format: LogFormat) -> Result<(), ConfigError> {
    let filter = EnvFilter::try_new(filter).map_err(|error| ConfigError {
        name: "OPSDECK_LOG",
        problem: format!("'{filter}' is not a valid log filter: {error}"),
    })?;
    let registry = tracing_subscriber::registry().with(filter);
    // A subscriber may already be installed (tests start several apps in one process).
    let _ = match format {
        // Logs go to stderr: stdout belongs to the CLI's output (keys, passwords,
        // reports) that scripts capture.
        LogFormat::Text => registry
            .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
            .try_init(),
        LogFormat::Json => registry
            .with(tracing_subscriber::fmt::layer().json().with_writer(std::io::stderr))
            .try_init(),
    };
    Ok(())
}
