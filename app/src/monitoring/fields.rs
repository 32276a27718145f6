//! Every value of Settings › Monitoring: its section, label, environment
//! variable and default, and the check its text must pass (the same on the
//! page and on the server).

use serde::{Deserialize, Serialize};

use super::parse::{keys, percent, whole};

/// The page's sections, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Section {
    Retention,
    Tiles,
    Health,
    Collector,
    Errors,
}

impl Section {
    pub const ALL: [Section; 5] = [
        Section::Retention,
        Section::Tiles,
        Section::Health,
        Section::Collector,
        Section::Errors,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Retention => "Retention",
            Section::Tiles => "Overview tiles",
            Section::Health => "Health checks",
            Section::Collector => "Data stores collector",
            Section::Errors => "Error events",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Section::Retention => "retention",
            Section::Tiles => "tiles",
            Section::Health => "health",
            Section::Collector => "collector",
            Section::Errors => "errors",
        }
    }
}

/// What a field's text must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Whole days, 1 to 3650.
    Days,
    /// Whole milliseconds within `min..=600000`.
    Millis { min: u64 },
    /// Whole seconds, 0 (off) to 86400.
    Seconds,
    /// A percentage above 0 and at most 100.
    Percent,
    /// Per-service tile thresholds, one service a line (`thresholds.rs`).
    Overrides,
    /// Keys separated by commas or lines.
    Keys,
}

/// One value of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// The form's (and the stored map's) name for it.
    pub name: &'static str,
    pub section: Section,
    pub label: &'static str,
    pub hint: &'static str,
    /// The environment variable giving its value on a fresh install.
    pub env: Option<&'static str>,
    /// Its default, as text (empty: none, as the hint says).
    pub default: &'static str,
    pub kind: Kind,
    /// Whether an empty text is a value of its own (no default applies).
    pub optional: bool,
}

const fn field(
    name: &'static str,
    section: Section,
    label: &'static str,
    hint: &'static str,
    env: Option<&'static str>,
    default: &'static str,
    kind: Kind,
) -> FieldSpec {
    FieldSpec {
        name,
        section,
        label,
        hint,
        env,
        default,
        kind,
        optional: false,
    }
}

const fn optional(spec: FieldSpec) -> FieldSpec {
    FieldSpec { optional: true, ..spec }
}

/// Every field, in the page's order. Only values something reads are here.
pub static FIELDS: [FieldSpec; 15] = [
    field(
        "raw_days",
        Section::Retention,
        "Raw request events and metric samples (days)",
        "Older daily partitions are dropped; older timestamps are refused at ingest.",
        Some("OPSDECK_RETENTION_RAW_DAYS"),
        "7",
        Kind::Days,
    ),
    field(
        "rollup_days",
        Section::Retention,
        "Rollups, per minute and per hour (days)",
        "What every chart beyond the raw window reads.",
        Some("OPSDECK_RETENTION_ROLLUP_DAYS"),
        "90",
        Kind::Days,
    ),
    field(
        "log_days",
        Section::Retention,
        "Log lines (days)",
        "Older daily partitions are dropped; older timestamps are refused at ingest.",
        Some("OPSDECK_LOG_RETENTION_DAYS"),
        "7",
        Kind::Days,
    ),
    field(
        "error_days",
        Section::Retention,
        "Error events and their counts (days)",
        "Older daily partitions of events and counts are dropped.",
        Some("OPSDECK_ERROR_RETENTION_DAYS"),
        "30",
        Kind::Days,
    ),
    field(
        "span_days",
        Section::Retention,
        "Trace spans (days)",
        "Older daily partitions are dropped; older spans are refused at ingest.",
        Some("OPSDECK_TRACE_RETENTION_DAYS"),
        "3",
        Kind::Days,
    ),
    optional(field(
        "notification_days",
        Section::Retention,
        "Notification history (days)",
        "Finished deliveries older than this are deleted. Empty: as long as the rollups.",
        None,
        "",
        Kind::Days,
    )),
    field(
        "tile_degraded_p95_ms",
        Section::Tiles,
        "P95 for degraded (ms)",
        "A service's tile is degraded when its P95 over the last 5 minutes reaches this.",
        None,
        "1000",
        Kind::Millis { min: 1 },
    ),
    optional(field(
        "tile_down_p95_ms",
        Section::Tiles,
        "P95 for down (ms)",
        "Empty: a slow service is never shown down for its P95 alone.",
        None,
        "",
        Kind::Millis { min: 1 },
    )),
    field(
        "tile_degraded_error_pct",
        Section::Tiles,
        "Error rate for degraded (%)",
        "Errors per request over the last 5 minutes.",
        None,
        "5",
        Kind::Percent,
    ),
    field(
        "tile_down_error_pct",
        Section::Tiles,
        "Error rate for down (%)",
        "At least the rate for degraded.",
        None,
        "20",
        Kind::Percent,
    ),
    optional(field(
        "tile_overrides",
        Section::Tiles,
        "Per-service thresholds",
        "One service a line: its name, then any of degraded_p95=ms down_p95=ms degraded_errors=% down_errors=%; \
         what a line leaves out comes from the values above. Example: checkout degraded_p95=400 down_errors=10",
        None,
        "",
        Kind::Overrides,
    )),
    field(
        "health_degraded_ms",
        Section::Health,
        "Degraded after (ms)",
        "A check of Postgres or Redis slower than this reports degraded (0: every check does).",
        Some("OPSDECK_DEGRADED_MS"),
        "1000",
        Kind::Millis { min: 0 },
    ),
    field(
        "health_timeout_ms",
        Section::Health,
        "Timeout (ms)",
        "A check with no answer after this reports down; more than “Degraded after”.",
        Some("OPSDECK_CHECK_TIMEOUT_MS"),
        "3000",
        Kind::Millis { min: 1 },
    ),
    field(
        "collect_secs",
        Section::Collector,
        "Interval (seconds)",
        "How often one instance reads Opsdeck's own Postgres and Redis in depth; 0 turns it off.",
        Some("OPSDECK_COLLECT_SECS"),
        "30",
        Kind::Seconds,
    ),
    optional(field(
        "scrub_keys",
        Section::Errors,
        "Extra scrubbed keys",
        "Keys scrubbed from error events besides the built-in password, passwd, authorization, cookie, token, \
         secret, api_key, apikey (matched case-insensitively as parts of a key); separated by commas or lines.",
        Some("OPSDECK_ERROR_SCRUB_KEYS"),
        "",
        Kind::Keys,
    )),
];

/// The field named `name`.
pub fn spec(name: &str) -> Option<&'static FieldSpec> {
    FIELDS.iter().find(|f| f.name == name)
}

/// Longest text a field takes (the overrides are the long one).
pub const MAX_TEXT: usize = 4000;

impl FieldSpec {
    /// Whether `text` is a value of this field; the message says why not.
    pub fn check(&self, text: &str) -> Result<(), String> {
        let text = text.trim();
        if text.chars().count() > MAX_TEXT {
            return Err(format!("Keep it under {MAX_TEXT} characters."));
        }
        if text.is_empty() {
            return if self.optional || self.kind == Kind::Keys {
                Ok(())
            } else {
                Err("Enter a value, or leave it empty to use the inherited one.".into())
            };
        }
        match self.kind {
            Kind::Days => whole(text, 1, 3650, "days").map(drop),
            Kind::Millis { min } => whole(text, min, 600_000, "milliseconds").map(drop),
            Kind::Seconds => whole(text, 0, 86_400, "seconds").map(drop),
            Kind::Percent => percent(text).map(drop),
            Kind::Overrides => super::thresholds::parse_overrides(text).map(drop),
            Kind::Keys => keys(text).map(drop),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_a_unique_name_and_a_valid_default() {
        for (i, f) in FIELDS.iter().enumerate() {
            assert!(FIELDS[..i].iter().all(|g| g.name != f.name), "{} twice", f.name);
            assert_eq!(f.check(f.default), Ok(()), "{}'s default", f.name);
        }
    }

    #[test]
    fn each_kind_says_what_is_wrong() {
        let days = spec("raw_days").expect("field");
        assert_eq!(days.check("0"), Err("Enter between 1 and 3650 days.".into()));
        assert_eq!(
            days.check("seven"),
            Err("Enter a whole number of days, such as 10.".into())
        );
        assert!(days.check("").is_err());
        assert_eq!(spec("notification_days").map(|f| f.check("")), Some(Ok(())));
        assert!(spec("tile_degraded_error_pct").expect("field").check("120").is_err());
        assert!(spec("collect_secs").expect("field").check("0").is_ok());
    }
}
