//! Every environment variable Opsdeck reads, with its default and meaning
//! (`--help` prints them; the README documents each).

pub struct Variable {
    pub name: &'static str,
    pub default: &'static str,
    pub meaning: &'static str,
}

pub const VARIABLES: &[Variable] = &[
    Variable {
        name: "DATABASE_URL",
        default: "postgres://postgres@127.0.0.1:5432/opsdeck",
        meaning: "Postgres connection URL",
    },
    Variable {
        name: "REDIS_URL",
        default: "redis://127.0.0.1:6379",
        meaning: "Redis connection URL",
    },
    Variable {
        name: "OPSDECK_ADDR",
        default: "127.0.0.1:3000",
        meaning: "Address and port to listen on",
    },
    Variable {
        name: "OPSDECK_MAX_CONNECTIONS",
        default: "auto",
        meaning: "Most client connections open at once (more wait until one closes); auto: three quarters of the open-files limit",
    },
    Variable {
        name: "OPSDECK_HEADER_TIMEOUT_SECS",
        default: "30",
        meaning: "A request's head must arrive within this many seconds of the connection opening or the previous response (so it is also the idle timeout of a kept-alive connection)",
    },
    Variable {
        name: "OPSDECK_BODY_TIMEOUT_SECS",
        default: "30",
        meaning: "Longest wait for the next part of a request body before the request is dropped",
    },
    Variable {
        name: "OPSDECK_LIVE_STREAMS_PER_USER",
        default: "20",
        meaning: "Live streams (GET /api/v1/live) one user may hold open on one instance; more are refused with 429",
    },
    Variable {
        name: "OPSDECK_SITE_ROOT",
        default: "target/site",
        meaning: "Directory with the built site (wasm, JS, CSS, assets)",
    },
    Variable {
        name: "OPSDECK_HASH_FILE",
        default: "hash.txt",
        meaning: "cargo-leptos's list of the content-hashed names of the JS, wasm and CSS (`hash-files`); a relative path is beside the opsdeck binary; without it the plain names are served, not cached for long",
    },
    Variable {
        name: "OPSDECK_LOG",
        default: "info",
        meaning: "Log filter (tracing EnvFilter syntax, e.g. info,opsdeck=debug)",
    },
    Variable {
        name: "OPSDECK_LOG_FORMAT",
        default: "text",
        meaning: "Log format: text (human-readable) or json",
    },
    Variable {
        name: "OPSDECK_SECURE_COOKIES",
        default: "false",
        meaning: "Mark cookies Secure and accept posts only from https:// pages; set true whenever Opsdeck is served over HTTPS",
    },
    Variable {
        name: "OPSDECK_DEGRADED_MS",
        default: "1000",
        meaning: "A health check slower than this many ms reports degraded",
    },
    Variable {
        name: "OPSDECK_CHECK_TIMEOUT_MS",
        default: "3000",
        meaning: "A health check with no answer after this many ms reports down",
    },
    Variable {
        name: "OPSDECK_DB_MAX_CONNECTIONS",
        default: "10",
        meaning: "Size of the Postgres connection pool",
    },
    Variable {
        name: "OPSDECK_REDIS_PREFIX",
        default: "opsdeck:",
        meaning: "Prefix of every Redis key Opsdeck writes",
    },
    Variable {
        name: "OPSDECK_AUDIT_KEY",
        default: "",
        meaning: "Required. Key of the audit log's HMAC chain, at least 32 bytes as hex (e.g. `openssl rand -hex 32`); kept outside the database. When unset, `.data/audit.key` in the working directory or an ancestor (the key the README's scripts create) is used",
    },
    Variable {
        name: "OPSDECK_SECRETS_KEY",
        default: "",
        meaning: "Required. Key the secrets stored in Postgres (backup targets' connection URLs, notification channels' addresses and signing secrets) are encrypted with (XChaCha20-Poly1305): exactly 32 bytes as hex (`openssl rand -hex 32`); kept outside the database. When unset, `.data/secrets.key` in the working directory or an ancestor (the key the README's scripts create) is used",
    },
    Variable {
        name: "OPSDECK_SECRETS_OLD_KEYS",
        default: "",
        meaning: "Earlier secrets keys, comma-separated hex, still accepted for reading while `opsdeck secrets rotate` encrypts every stored secret with OPSDECK_SECRETS_KEY; remove them after it",
    },
    Variable {
        name: "OPSDECK_SIGN_IN_MAX_FAILURES",
        default: "5",
        meaning: "Failed sign-ins for one email within the window before it is locked (HTTP 429)",
    },
    Variable {
        name: "OPSDECK_SIGN_IN_MAX_FAILURES_PER_IP",
        default: "20",
        meaning: "Failed sign-ins from one client IP within the window before it is locked",
    },
    Variable {
        name: "OPSDECK_SIGN_IN_WINDOW_SECS",
        default: "300",
        meaning: "Window of the sign-in failure limits, in seconds",
    },
    Variable {
        name: "OPSDECK_SESSION_IDLE_MINUTES",
        default: "30",
        meaning: "A session unused for this long ends",
    },
    Variable {
        name: "OPSDECK_SESSION_MAX_HOURS",
        default: "12",
        meaning: "A session ends this long after sign-in, however active",
    },
    Variable {
        name: "OPSDECK_INGEST_MAX_BYTES",
        default: "5242880",
        meaning: "Largest ingest request body in bytes (5 MiB); larger ones are refused with 413",
    },
    Variable {
        name: "OPSDECK_INGEST_RATE_PER_MIN",
        default: "600",
        meaning: "Ingest requests one API key may send per minute before 429 with Retry-After",
    },
    Variable {
        name: "OPSDECK_RETENTION_RAW_DAYS",
        default: "7",
        meaning: "Days raw request events and metric samples are kept (whole daily partitions are dropped after)",
    },
    Variable {
        name: "OPSDECK_RETENTION_ROLLUP_DAYS",
        default: "90",
        meaning: "Days the rollups (per minute and per hour) are kept (whole daily partitions are dropped after); finished notifications are kept as long",
    },
    Variable {
        name: "OPSDECK_LOGS_MAX_BYTES",
        default: "10485760",
        meaning: "Largest log request body (POST /v1/logs, POST /api/v1/logs) in bytes (10 MiB), after gzip decompression; larger ones are refused with 413",
    },
    Variable {
        name: "OPSDECK_LOGS_COUNT_TIMEOUT_MS",
        default: "3000",
        meaning: "Longest the Logs page spends counting a search's matches for its histogram, in milliseconds; past it the newest lines are shown without the histogram",
    },
    Variable {
        name: "OPSDECK_LOG_RETENTION_DAYS",
        default: "7",
        meaning: "Days log lines are kept (whole daily partitions are dropped after); older timestamps are refused",
    },
    Variable {
        name: "OPSDECK_ERROR_MAX_EVENT_BYTES",
        default: "1048576",
        meaning: "Largest error event (an envelope's event item, or a store body) in bytes (1 MiB), after decompression; larger ones are refused with 413",
    },
    Variable {
        name: "OPSDECK_ERROR_MAX_ENVELOPE_BYTES",
        default: "20971520",
        meaning: "Largest Sentry envelope (POST /api/<project>/envelope/) in bytes (20 MiB), after decompression; larger ones are refused with 413",
    },
    Variable {
        name: "OPSDECK_ERROR_RETENTION_DAYS",
        default: "30",
        meaning: "Days error events and their per-minute counts are kept (whole daily partitions are dropped after); older event times are stored as the time of receipt",
    },
    Variable {
        name: "OPSDECK_TRACE_RETENTION_DAYS",
        default: "3",
        meaning: "Days trace spans (POST /v1/traces) are kept (whole daily partitions are dropped after); older spans are refused at ingest",
    },
    Variable {
        name: "OPSDECK_ERROR_GROUP_ENVELOPES",
        default: "1",
        meaning: "Most Sentry envelopes (or JSON batches without an Idempotency-Key) stored in one transaction when they arrive together, each still answered after the commit; 1 (the default, faster with few senders) stores each in its own",
    },
    Variable {
        name: "OPSDECK_ERROR_SCRUB_KEYS",
        default: "",
        meaning: "Comma-separated keys scrubbed from error events besides the built-in password, passwd, authorization, cookie, token, secret, api_key, apikey (matched case-insensitively as parts of a key)",
    },
    Variable {
        name: "OPSDECK_OWN_LOGS",
        default: "on",
        meaning: "on: Opsdeck's own log events at info and above are stored as log lines of service opsdeck (through a bounded buffer that drops, and counts drops, rather than wait); off: only stderr",
    },
    Variable {
        name: "OPSDECK_AUDIT_REFUSAL_WINDOW_SECS",
        default: "60",
        meaning: "Refused requests are audited once per distinct refusal per source in this many seconds: the first at once, the rest as one entry with their count when the window ends",
    },
    Variable {
        name: "OPSDECK_ANONYMOUS_REFUSALS_PER_MIN",
        default: "300",
        meaning: "Refused requests (and pages asked for without a session) one address without a session may make per minute before it is answered 429 with Retry-After",
    },
    Variable {
        name: "OPSDECK_SELF_MONITOR_SECS",
        default: "15",
        meaning: "How often Opsdeck samples its own health checks into the metrics pipeline (its request timings are flushed at least every 5 s); 0 turns self-monitoring off",
    },
    Variable {
        name: "OPSDECK_COLLECT_SECS",
        default: "30",
        meaning: "How often one instance reads Opsdeck's own Postgres and Redis in depth (sessions, transactions, locks, sizes, replication; memory, hit ratio, clients, slow log) into the metrics pipeline, and the data stores admins added (on their own intervals, services pg:<name> and redis:<name>); 0 turns both off",
    },
    Variable {
        name: "OPSDECK_AUDIT_ANCHOR_SECS",
        default: "60",
        meaning: "How often every instance records the audit chain's head (newest entry id and hash) in Redis and in its log, so entries cut off the end are detected; 0 turns it off",
    },
    Variable {
        name: "OPSDECK_ALERT_EVAL_SECS",
        default: "15",
        meaning: "How often the alert evaluator (one instance at a time) evaluates every enabled rule; backtests evaluate at the same rhythm",
    },
    Variable {
        name: "OPSDECK_PUBLIC_URL",
        default: "",
        meaning: "Opsdeck's address as its users reach it (https://ops.example.com), for links in notifications; empty: http://OPSDECK_ADDR",
    },
    Variable {
        name: "OPSDECK_NOTIFY_RETRY_MS",
        default: "10000",
        meaning: "Wait before retrying a failed notification; it doubles per attempt, up to an hour",
    },
    Variable {
        name: "OPSDECK_NOTIFY_MAX_ATTEMPTS",
        default: "12",
        meaning: "Attempts at one notification before it is given up (and shown as failed in its delivery log)",
    },
    Variable {
        name: "OPSDECK_LIVE_RECHECK_SECS",
        default: "30",
        meaning: "How often an open live stream re-checks its viewer's session; a signed-out or disabled user's streams end within this time",
    },
    Variable {
        name: "OPSDECK_BACKUP_DIR",
        default: ".data/backups",
        meaning: "Directory backup files are written to (created when missing); with several Opsdeck instances it must be storage they share",
    },
    Variable {
        name: "OPSDECK_SHUTDOWN_GRACE_SECS",
        default: "30",
        meaning: "On SIGTERM/Ctrl-C, how long in-flight requests may take to finish",
    },
];

/// The variables table as `--help` shows it.
pub fn variables_help() -> String {
    let mut text = String::from("Environment variables:\n");
    for v in VARIABLES {
        text.push_str(&format!("  {:<28} {} [default: {}]\n", v.name, v.meaning, v.default));
    }
    text
}
