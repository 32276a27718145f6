//! Structured logs: human-readable by default, one JSON object per line
//! with `OPSDECK_LOG_FORMAT=json`, on stderr (filtered by `OPSDECK_LOG`);
//! and Opsdeck's own log lines: every event at info and above (warn and
//! above from other crates) is also handed to this process's log sinks
//! ([`own_logs`]), which the `own_logs` worker stores as service `opsdeck`.
//!
//! The hand-over never blocks the code that logs: each sink is a bounded
//! channel and a full one drops the event (counted in `/metrics`,
//! `opsdeck_own_logs_dropped_total`). The two layers have their own
//! filters, so a quiet stderr (`OPSDECK_LOG=warn`) still stores info lines.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{PoisonError, RwLock};

use serde_json::{Map, Value};
use tokio::sync::mpsc;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry};

use app::logs::NewLogLine;
use app::logs::ingest::MAX_BODY_BYTES;

use crate::config::{ConfigError, LogFormat};
use crate::prometheus::COUNTERS;

/// The service Opsdeck's own lines are stored under.
pub const SERVICE: &str = "opsdeck";

pub fn init(filter: &str, format: LogFormat) -> Result<(), ConfigError> {
    let filter = EnvFilter::try_new(filter).map_err(|error| ConfigError {
        name: "OPSDECK_LOG",
        problem: format!("'{filter}' is not a valid log filter: {error}"),
    })?;
    // Logs go to stderr: stdout belongs to the CLI's output (keys, passwords,
    // reports) that scripts capture.
    let stderr: Box<dyn Layer<Registry> + Send + Sync> = match format {
        LogFormat::Text => Box::new(tracing_subscriber::fmt::layer().with_writer(std::io::stderr)),
        LogFormat::Json => Box::new(tracing_subscriber::fmt::layer().json().with_writer(std::io::stderr)),
    };
    let own = Targets::new()
        .with_default(Level::WARN)
        .with_target("opsdeck", Level::INFO)
        .with_target("app", Level::INFO);
    // A subscriber may already be installed (tests start several apps in one process).
    let _ = tracing_subscriber::registry()
        .with(stderr.with_filter(filter))
        .with(OwnLogs.with_filter(own))
        .try_init();
    Ok(())
}

/// The channels own log lines are handed to: one per running instance
/// (tests run several in one process; each gets every event).
static SINKS: RwLock<Vec<mpsc::Sender<NewLogLine>>> = RwLock::new(Vec::new());
/// `SINKS.len()`, read without the lock on every event.
static OPEN_SINKS: AtomicUsize = AtomicUsize::new(0);

/// A new sink holding at most `capacity` lines; dropping the receiver closes it.
pub fn own_logs(capacity: usize) -> mpsc::Receiver<NewLogLine> {
    let (sender, receiver) = mpsc::channel(capacity);
    let mut sinks = SINKS.write().unwrap_or_else(PoisonError::into_inner);
    sinks.push(sender);
    OPEN_SINKS.store(sinks.len(), Ordering::Relaxed);
    receiver
}

/// Targets whose events are not stored: the storing of own lines itself
/// (a failure there would feed on its own log lines).
const NOT_STORED: [&str; 2] = ["opsdeck::workers::own_logs", "app::logs::ssr::store"];

struct OwnLogs;

impl<S: Subscriber> Layer<S> for OwnLogs {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if OPEN_SINKS.load(Ordering::Relaxed) == 0 {
            return;
        }
        let target = event.metadata().target();
        if NOT_STORED.iter().any(|skipped| target.starts_with(skipped)) {
            return;
        }
        let line = line_of(event);
        let mut closed = false;
        {
            let sinks = SINKS.read().unwrap_or_else(PoisonError::into_inner);
            for sink in sinks.iter() {
                match sink.try_send(line.clone()) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(_)) => COUNTERS.own_log_dropped(),
                    Err(mpsc::error::TrySendError::Closed(_)) => closed = true,
                }
            }
        }
        if closed {
            let mut sinks = SINKS.write().unwrap_or_else(PoisonError::into_inner);
            sinks.retain(|sink| !sink.is_closed());
            OPEN_SINKS.store(sinks.len(), Ordering::Relaxed);
        }
    }
}

/// The event as a line: its message as the body, its other fields and
/// its target as attributes. The host is the sink's to fill in.
fn line_of(event: &Event<'_>) -> NewLogLine {
    let mut fields = Fields::default();
    event.record(&mut fields);
    let level = *event.metadata().level();
    let severity = match level {
        Level::TRACE => app::logs::Level::Trace,
        Level::DEBUG => app::logs::Level::Debug,
        Level::INFO => app::logs::Level::Info,
        Level::WARN => app::logs::Level::Warn,
        Level::ERROR => app::logs::Level::Error,
    }
    .severity();
    fields
        .attributes
        .insert("target".into(), Value::String(event.metadata().target().to_string()));
    let now = chrono::Utc::now();
    NewLogLine {
        ts: now,
        observed_ts: now,
        service: SERVICE.to_string(),
        host: String::new(),
        severity,
        severity_text: level.as_str().to_string(),
        body: truncated(fields.message, MAX_BODY_BYTES),
        attributes: Value::Object(fields.attributes),
        trace_id: None,
        span_id: None,
    }
}

fn truncated(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

#[derive(Default)]
struct Fields {
    message: String,
    attributes: Map<String, Value>,
}

impl Fields {
    fn put(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = match value {
                Value::String(text) => text,
                other => other.to_string(),
            };
        } else {
            self.attributes.insert(field.name().to_string(), value);
        }
    }
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, Value::String(format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::String(value.to_string()));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::Bool(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, app::logs::ingest::float_value(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put(field, Value::String(value.to_string()));
    }
}
