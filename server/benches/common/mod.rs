//! What every benchmark shares: the real app started in-process (as the
//! integration tests start it) against a fresh `opsdeck_bench_*` database and
//! a private Redis prefix, an ingest API key, signed-in HTTP clients, the
//! machine's load, generated traffic and percentiles.
//!
//! Benchmarks print tables; they assert nothing about time (this machine is
//! shared, so only ratios measured within one run mean much).

// Each benchmark binary uses a different part of this module.
#![allow(dead_code)]

pub mod errors;
pub mod lines;
pub mod sse;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use app::api_keys::Scope;
use app::api_keys::ssr::NewApiKey;
use app::audit::ssr::{Actor, ClientInfo};
use app::auth::permissions::Role;
use app::metrics::RequestEvent;
use app::state::AppState;
use chrono::{DateTime, Utc};
use opsdeck::startup::MIGRATOR;
use opsdeck::{Application, Config};
use sqlx::{Connection, Executor, PgConnection, PgPool};
use tokio::sync::oneshot;
use uuid::Uuid;

#[path = "../../tests/support/postgres.rs"]
mod postgres;
pub use postgres::database_server_url;
use postgres::{admin_connection, env_or, redis_url};

/// The password of every user a benchmark creates.
const PASSWORD: &str = "a benchmark password that is long";

/// One running Opsdeck and its private database and Redis prefix.
pub struct BenchApp {
    pub address: String,
    /// The app's own state (its pool, Redis handle, audit key), for calling
    /// the app's functions directly.
    pub state: AppState,
    pub db_name: String,
    pub database_url: String,
    redis_prefix: String,
    stop: Option<oneshot::Sender<()>>,
    running: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// Starts Opsdeck on port 0 with its defaults, except for `overrides`.
///
/// The defaults are production's (pool of 10, self-monitoring on, rate limit
/// 600 requests/min per key…), so a benchmark that changes one says so.
pub async fn start(overrides: &[(&str, &str)]) -> BenchApp {
    let db_name = format!("opsdeck_bench_{}", Uuid::new_v4().simple());
    let database_url = format!("{}/{db_name}", database_server_url());
    let mut admin = admin_connection().await;
    admin
        .execute(format!(r#"CREATE DATABASE "{db_name}""#).as_str())
        .await
        .expect("benchmark database created");
    admin.close().await.expect("close admin connection");
    let mut conn = PgConnection::connect(&database_url).await.expect("connect");
    MIGRATOR
        .run(&mut conn)
        .await
        .expect("migrations apply to an empty database");
    conn.close().await.expect("close");

    let redis_prefix = format!("bench:{}:", Uuid::new_v4().simple());
    let audit_key = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    let mut vars: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), database_url.clone()),
        ("REDIS_URL".into(), redis_url()),
        ("OPSDECK_ADDR".into(), "127.0.0.1:0".into()),
        ("OPSDECK_REDIS_PREFIX".into(), redis_prefix.clone()),
        ("OPSDECK_AUDIT_KEY".into(), audit_key),
        ("OPSDECK_SECRETS_KEY".into(), "ab".repeat(32)),
        ("OPSDECK_SHUTDOWN_GRACE_SECS".into(), "1".into()),
    ]);
    for (name, value) in overrides {
        vars.insert((*name).to_string(), (*value).to_string());
    }
    let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("benchmark configuration is valid");
    // Warnings and errors only (`BENCH_LOG=info` for more): a log line per request would be measured too.
    // sqlx's "slow statement" warnings are left out: under load they would be most of the output.
    let filter = env_or("BENCH_LOG", "warn,sqlx::query=error");
    let _ = opsdeck::telemetry::init(&filter, opsdeck::config::LogFormat::Text);
    let state = Application::state_for_cli(config.clone()).await.expect("state");
    let app = Application::build(config).await.expect("application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    BenchApp {
        address,
        state,
        db_name,
        database_url,
        redis_prefix,
        stop: Some(stop),
        running,
    }
}

impl BenchApp {
    pub fn db(&self) -> &PgPool {
        &self.state.db
    }

    /// A pool of its own (not the app's), for loading data and timing SQL.
    pub async fn pool(&self, size: u32) -> PgPool {
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(size)
            .connect(&self.database_url)
            .await
            .expect("benchmark pool")
    }

    /// A new API key with the logs scope, created the way the admin page does.
    pub async fn logs_key(&self) -> String {
        let new = NewApiKey::parse("logs benchmark", vec![Scope::Logs], 0, Utc::now()).expect("valid key request");
        app::api_keys::ssr::manage::create(&self.state, actor(), client_info(), new)
            .await
            .expect("API key created")
            .secret
    }

    /// A new API key with the ingest scope, created the way the admin page does.
    pub async fn ingest_key(&self) -> String {
        let new = NewApiKey::parse("benchmark", vec![Scope::Ingest], 0, Utc::now()).expect("valid key request");
        app::api_keys::ssr::manage::create(&self.state, actor(), client_info(), new)
            .await
            .expect("API key created")
            .secret
    }

    /// A new DSN key (scope `errors`) for `service`, created the way the
    /// admin page does: (its project's id, its secret, the DSN).
    pub async fn errors_key(&self, service: &str) -> (i32, String, String) {
        let new = NewApiKey::parse("errors benchmark", vec![Scope::Errors], 0, Utc::now())
            .and_then(|new| new.for_errors_service(service))
            .expect("valid key request");
        let created = app::api_keys::ssr::manage::create(&self.state, actor(), client_info(), new)
            .await
            .expect("API key created");
        let project = created.key.error_project.expect("an errors key has a project");
        (
            project.id,
            created.secret,
            created.dsn.expect("an errors key has a DSN"),
        )
    }

    /// A new user of `role`, signed in over HTTP: a client holding its session cookie.
    pub async fn signed_in(&self, role: Role) -> reqwest::Client {
        self.sign_in(role).await.0
    }

    /// A new user of `role`, signed in over HTTP: the `Cookie` header its browser would send.
    pub async fn session_cookie(&self, role: Role) -> String {
        use reqwest::cookie::CookieStore;
        let (_, jar) = self.sign_in(role).await;
        let url = self.address.parse().expect("the app's address is a URL");
        jar.cookies(&url)
            .and_then(|value| value.to_str().ok().map(str::to_string))
            .expect("signing in set a session cookie")
    }

    async fn sign_in(&self, role: Role) -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
        let email = format!("bench-{}@example.com", Uuid::new_v4().simple());
        let new = app::users::ssr::NewUser::parse(&email, "Benchmark user", role.as_str(), PASSWORD.to_string())
            .expect("valid user");
        app::users::ssr::create_user(&self.state, actor(), client_info(), new)
            .await
            .expect("user created");
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client");
        let response = client
            .post(format!("{}/api/auth/sign-in", self.address))
            .header("Accept", "application/json")
            .form(&[("email", email.as_str()), ("password", PASSWORD)])
            .send()
            .await
            .expect("sign-in sent");
        assert_eq!(response.status().as_u16(), 200, "sign-in succeeds");
        (client, jar)
    }

    /// Stops the app, drops its database and deletes its Redis keys.
    pub async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), &mut self.running).await;
        self.state.db.close().await;
        postgres::drop_database(&self.db_name)
            .await
            .expect("benchmark database dropped");
        if let Err(error) = delete_redis_keys(&self.redis_prefix).await {
            eprintln!("could not delete Redis keys {}*: {error}", self.redis_prefix);
        }
    }
}

async fn delete_redis_keys(prefix: &str) -> redis::RedisResult<()> {
    let client = redis::Client::open(redis_url())?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await?;
    if !keys.is_empty() {
        redis::cmd("DEL").arg(&keys).query_async::<()>(&mut conn).await?;
    }
    Ok(())
}

fn actor() -> Actor {
    Actor {
        id: None,
        email: Some("benchmark".into()),
        role: None,
    }
}

fn client_info() -> ClientInfo {
    ClientInfo {
        ip: None,
        user_agent: Some("opsdeck benchmark".into()),
        request_id: None,
    }
}

/// `uptime`'s line (load averages), to print next to every result.
pub fn machine_load() -> String {
    std::process::Command::new("uptime")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|line| line.trim().to_string())
        .or_else(|| std::fs::read_to_string("/proc/loadavg").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// The nearest-rank `q`-quantile of ascending `sorted` (0 when empty).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// The median of `values` (any order).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    percentile(&sorted, 0.5)
}

/// A small deterministic generator (SplitMix64): the same data every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    pub fn next_f64(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// A request duration in ms: log-normal around 40 ms, with one request
    /// in a hundred ten times slower (a heavy tail, as real services have).
    pub fn latency_ms(&mut self) -> f64 {
        let normal = (-2.0 * self.next_f64().ln()).sqrt() * (std::f64::consts::TAU * self.next_f64()).cos();
        let base = (40f64.ln() + 0.8 * normal).exp();
        let slow = if self.below(100) == 0 { 10.0 } else { 1.0 };
        // Milliseconds with microsecond precision, like the emitters send.
        (base * slow * 1000.0).round() / 1000.0
    }
}

/// One generated request of `service` at `ts`.
pub fn request_event(rng: &mut Rng, service: &str, endpoints: u64, ts: DateTime<Utc>) -> RequestEvent {
    let endpoint = rng.below(endpoints);
    RequestEvent {
        service: service.to_string(),
        endpoint: format!("/api/endpoint-{endpoint}"),
        method: if endpoint.is_multiple_of(3) { "POST" } else { "GET" }.to_string(),
        status: if rng.below(100) == 0 { 503 } else { 200 },
        duration_ms: rng.latency_ms(),
        ts,
    }
}

/// Prints a table: a header row and rows, columns padded to fit.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(width) = widths.get_mut(i) {
                *width = (*width).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = widths.get(i).copied().unwrap_or(0)))
            .collect();
        println!("| {} |", padded.join(" | "));
    };
    line(header.iter().map(|h| h.to_string()).collect());
    println!(
        "|{}|",
        widths.iter().map(|w| "-".repeat(w + 2)).collect::<Vec<_>>().join("|")
    );
    for row in rows {
        line(row.clone());
    }
}
