//! Error events as a Sentry SDK (`@sentry/node`) sends them, for the error
//! tracking benchmarks: an exception with a 20–40 frame stack trace (two
//! source context lines either side on the in-app frames), breadcrumbs, a user,
//! tags, contexts, the request (with headers the scrubber removes), the SDK's
//! description and the loaded modules: 5–20 KB of JSON each.
//!
//! An event belongs to one of `ISSUES` kinds; a kind fixes the in-app
//! frames (modules and functions), so the grouping makes one issue per kind.
//! Everything else (line numbers, values, user, breadcrumbs, time) varies
//! per event.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::Rng;

/// Distinct kinds (and so issues) the generator makes.
pub const ISSUES: u64 = 200;
/// Source lines before and after the line of an in-app frame (the SDK's
/// `ContextLines` sends up to 7; fewer keep events within 5–20 KB).
const CONTEXT_LINES: usize = 2;
/// Packages in the event's `modules`.
const MODULES_LOADED: usize = 20;

const MODULES: [&str; 24] = [
    "checkout",
    "cart",
    "billing",
    "inventory",
    "auth",
    "search",
    "shipping",
    "payments",
    "orders",
    "users",
    "catalog",
    "reviews",
    "notifications",
    "pricing",
    "tax",
    "coupons",
    "wishlist",
    "sessions",
    "reports",
    "webhooks",
    "accounts",
    "exports",
    "imports",
    "recommendations",
];
const FUNCTIONS: [&str; 24] = [
    "load",
    "save",
    "validate",
    "render",
    "fetch",
    "apply",
    "compute",
    "refresh",
    "lookup",
    "resolve",
    "handle",
    "parse",
    "serialize",
    "authorize",
    "charge",
    "reserve",
    "notify",
    "schedule",
    "merge",
    "split",
    "retry",
    "finalize",
    "prepare",
    "sync",
];
const LIBRARIES: [(&str, &str); 8] = [
    ("express/lib/router/layer", "Layer.handle [as handle_request]"),
    ("express/lib/router/index", "next"),
    ("express/lib/router/route", "Route.dispatch"),
    ("pg/lib/client", "Client._handleReadyForQuery"),
    ("pg-pool/index", "Pool._acquireClient"),
    ("ioredis/built/Redis", "Redis.sendCommand"),
    ("node:internal/process/task_queues", "processTicksAndRejections"),
    ("node:events", "EventEmitter.emit"),
];
const ERRORS: [(&str, &str); 6] = [
    (
        "TypeError",
        "Cannot read properties of undefined (reading 'id') in order",
    ),
    ("RangeError", "Invalid array length for batch"),
    ("Error", "connect ECONNREFUSED 10.0.3.17:5432 after attempt"),
    ("ValidationError", "quantity must be positive for line"),
    ("TimeoutError", "operation timed out after 30000 ms for request"),
    ("SyntaxError", "Unexpected token < in JSON at position"),
];
const CRUMBS: [(&str, &str); 5] = [
    ("http", "GET https://api.example.com/v2/prices?sku="),
    (
        "query",
        "SELECT id, total, currency FROM orders WHERE customer_id = $1 AND state = $2 LIMIT",
    ),
    ("console", "cache miss for key cart:"),
    ("navigation", "/account/orders/"),
    ("redis", "HGETALL session:"),
];

/// What is fixed per kind: the in-app frames and the exception.
struct Kind {
    in_app: Vec<(String, String)>,
    error: usize,
    transaction: String,
}

fn kind(k: u64) -> Kind {
    let mut rng = Rng::new(1_000 + k);
    let n = 4 + rng.below(5) as usize;
    let in_app = (0..n)
        .map(|_| {
            let module = MODULES[rng.below(MODULES.len() as u64) as usize];
            let function = FUNCTIONS[rng.below(FUNCTIONS.len() as u64) as usize];
            (format!("src/{module}/service"), format!("{module}Service.{function}"))
        })
        .collect::<Vec<_>>();
    let transaction = format!(
        "POST /api/{}/{}",
        MODULES[(k % 24) as usize],
        FUNCTIONS[(k / 24 % 24) as usize]
    );
    Kind {
        in_app,
        error: (k % ERRORS.len() as u64) as usize,
        transaction,
    }
}

fn hex_id(rng: &mut Rng, bytes: usize) -> String {
    (0..bytes).map(|_| format!("{:02x}", rng.below(256))).collect()
}

fn source_line(rng: &mut Rng, function: &str) -> String {
    format!(
        "    const result{} = await this.{}(request.body.items[{}], {{ retries: {} }});",
        rng.below(100),
        function.rsplit('.').next().unwrap_or(function),
        rng.below(10),
        rng.below(5)
    )
}

fn frame(rng: &mut Rng, module: &str, function: &str, in_app: bool, context: bool) -> Value {
    let path = if in_app {
        format!("/srv/shop/{module}.js")
    } else {
        format!("/srv/shop/node_modules/{module}.js")
    };
    let filename = if in_app {
        format!("app:///{module}.js")
    } else {
        format!("app:///node_modules/{module}.js")
    };
    let mut frame = json!({
        "filename": filename,
        "abs_path": path,
        "module": module.replace('/', ":"),
        "function": function,
        "lineno": 10 + rng.below(900),
        "colno": 1 + rng.below(80),
        "in_app": in_app,
    });
    if context {
        frame["pre_context"] = (0..CONTEXT_LINES)
            .map(|_| Value::String(source_line(rng, function)))
            .collect();
        frame["context_line"] = Value::String(source_line(rng, function));
        frame["post_context"] = (0..CONTEXT_LINES)
            .map(|_| Value::String(source_line(rng, function)))
            .collect();
    }
    frame
}

/// The stack trace: library frames around the kind's in-app ones, 20–40 in all, outermost first.
fn frames(rng: &mut Rng, kind: &Kind) -> Vec<Value> {
    let total = 20 + rng.below(21) as usize;
    let library = total - kind.in_app.len();
    let mut out = Vec::with_capacity(total);
    for i in 0..library {
        let (module, function) = LIBRARIES[(i + rng.below(3) as usize) % LIBRARIES.len()];
        out.push(frame(rng, module, function, false, false));
        // The in-app frames sit in the middle of the trace, in the kind's order.
        if i == library / 2 {
            for (module, function) in &kind.in_app {
                out.push(frame(rng, module, function, true, true));
            }
        }
    }
    out
}

/// One event of kind `k` (0..`ISSUES`) at `ts`, from user `user`.
pub fn event(rng: &mut Rng, k: u64, ts: DateTime<Utc>, user: u64) -> Value {
    let kind = kind(k);
    let (error_type, error_text) = ERRORS[kind.error];
    let breadcrumbs: Vec<Value> = (0..5 + rng.below(11))
        .map(|i| {
            let (category, message) = CRUMBS[rng.below(CRUMBS.len() as u64) as usize];
            json!({
                "timestamp": ts.timestamp_millis() as f64 / 1000.0 - 30.0 + i as f64,
                "category": category,
                "type": if category == "http" { "http" } else { "default" },
                "level": "info",
                "message": format!("{message}{}", rng.below(100_000)),
                "data": { "status_code": 200, "duration_ms": rng.below(500) },
            })
        })
        .collect();
    let region = ["eu-west-1", "us-east-1", "ap-south-1"][rng.below(3) as usize];
    let tier = ["free", "pro", "enterprise"][rng.below(3) as usize];
    let flag = if rng.below(2) == 0 { "on" } else { "off" };
    let environment = if rng.below(10) == 0 { "staging" } else { "production" };
    let modules: serde_json::Map<String, Value> = (0..MODULES_LOADED)
        .map(|i| (format!("package-{i}"), json!(format!("{}.{}.{}", i % 7, i % 13, i % 5))))
        .collect();
    json!({
        "event_id": hex_id(rng, 16),
        "timestamp": ts.timestamp_micros() as f64 / 1e6,
        "platform": "node",
        "level": "error",
        "logger": "console",
        "server_name": format!("web-{}", rng.below(8)),
        "release": format!("shop@2.{}.0", rng.below(3)),
        "environment": environment,
        "transaction": kind.transaction,
        "exception": { "values": [{
            "type": error_type,
            "value": format!("{error_text} {}", rng.below(1_000_000)),
            "mechanism": { "type": "onuncaughtexception", "handled": false },
            "stacktrace": { "frames": frames(rng, &kind) },
        }] },
        "breadcrumbs": { "values": breadcrumbs },
        "user": {
            "id": format!("user-{user}"),
            "email": format!("customer{user}@example.com"),
            "ip_address": format!("203.0.113.{}", user % 250),
            "username": format!("customer{user}"),
        },
        "request": {
            "url": format!("https://shop.example.com{}", kind.transaction.trim_start_matches("POST ")),
            "method": "POST",
            "query_string": format!("page={}&sort=price", rng.below(20)),
            "headers": {
                "host": "shop.example.com",
                "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
                "accept": "application/json",
                "content-type": "application/json",
                "cookie": format!("session={}", hex_id(rng, 16)),
                "authorization": format!("Bearer {}", hex_id(rng, 16)),
                "x-request-id": hex_id(rng, 8),
            },
        },
        "tags": {
            "route": kind.transaction,
            "region": region,
            "customer_tier": tier,
            "feature_flag.new_checkout": flag,
            "http.status_code": "500",
            "runtime": "node",
        },
        "contexts": {
            "os": { "type": "os", "name": "Linux", "version": "6.1.0-28-amd64", "kernel_version": "6.1.119-1" },
            "runtime": { "type": "runtime", "name": "node", "version": "v22.12.0" },
            "app": { "type": "app", "app_start_time": "2026-12-06T08:00:00Z", "app_memory": 180_000_000 + rng.below(50_000_000) },
            "device": { "type": "device", "arch": "x64", "processor_count": 2, "memory_size": 4_000_000_000_u64, "free_memory": 1_000_000_000 + rng.below(1_000_000_000) },
            "culture": { "type": "culture", "locale": "en-US", "timezone": "UTC" },
            "trace": { "type": "trace", "trace_id": hex_id(rng, 16), "span_id": hex_id(rng, 8), "op": "http.server", "status": "internal_error" },
        },
        "sdk": {
            "name": "sentry.javascript.node",
            "version": "8.47.0",
            "integrations": ["InboundFilters", "FunctionToString", "LinkedErrors", "RequestData", "Console", "Http",
                "Undici", "OnUncaughtException", "OnUnhandledRejection", "ContextLines", "LocalVariables", "Context",
                "Modules", "Express", "Postgres", "Redis"],
            "packages": [{ "name": "npm:@sentry/node", "version": "8.47.0" }],
        },
        "modules": modules,
        "extra": { "cart_items": rng.below(12), "attempt": rng.below(3) },
    })
}

/// One event per envelope, as SDKs send it: the envelope header, the item header with its length, the event.
pub fn envelope(event: &Value, dsn: &str) -> Vec<u8> {
    let payload = event.to_string();
    let header = json!({
        "event_id": event["event_id"],
        "sent_at": Utc::now().to_rfc3339(),
        "dsn": dsn,
        "sdk": { "name": "sentry.javascript.node", "version": "8.47.0" },
    });
    let item = json!({ "type": "event", "length": payload.len(), "content_type": "application/json" });
    format!("{header}\n{item}\n{payload}\n").into_bytes()
}

/// `X-Sentry-Auth` as `@sentry/node` sends it.
pub fn sentry_auth(key: &str) -> String {
    format!("Sentry sentry_version=7, sentry_key={key}, sentry_client=sentry.javascript.node/8.47.0")
}
