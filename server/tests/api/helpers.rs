//! `TestApp`: starts Opsdeck the way `opsdeck serve` does, on port 0, against
//! a fresh database copied from a migrated template.
//!
//! The template is built once per set of migrations (its name carries their
//! checksum) under a Postgres advisory lock, so parallel test processes
//! (nextest runs each test in its own) never race to create it. Each test's
//! database is dropped when the test is done with it ([`TestDatabase`]), so a
//! run leaves none behind.

use std::collections::HashMap;
use std::sync::Arc;

use app::alerts::rule::RuleDraft;
use app::alerts::{Aggregation, Comparator, NoDataPolicy, Severity};
use app::auth::permissions::Role;
use app::metrics::ssr::store::store_batch;
use app::metrics::{IngestBatch, RequestEvent};
use opsdeck::startup::MIGRATOR;
use opsdeck::{Application, Config};
use sqlx::{Connection, Executor, PgConnection, PgPool};
use uuid::Uuid;

#[path = "../support/postgres.rs"]
mod postgres;
use postgres::admin_connection;
pub use postgres::{database_server_url, redis_url};

/// The audit HMAC key every test app uses (tests verify chains with it).
pub const TEST_AUDIT_KEY: &str = "6f70736465636b2d746573742d61756469742d6b65792d333262797465732121";

/// The audit key every test app signs its chain with.
pub fn audit_key() -> app::audit::ssr::AuditKey {
    app::audit::ssr::AuditKey::new(&hex::decode(TEST_AUDIT_KEY).expect("test key is hex"))
}
/// The secrets key every test app uses (tests open stored secrets with it).
pub const TEST_SECRETS_KEY: &str = "6f70736465636b2d746573742d736563726574732d6b65792d33326279746573";

/// The keyring test apps seal stored secrets with.
pub fn test_keys() -> app::secrets::Keyring {
    app::secrets::Keyring::new(&hex::decode(TEST_SECRETS_KEY).expect("hex"), &[]).expect("32 bytes")
}

pub struct TestApp {
    pub address: String,
    pub db: PgPool,
    pub db_name: String,
    pub redis_prefix: String,
    pub client: reqwest::Client,
    /// The environment it was started with, for `spawn_sibling`.
    vars: HashMap<String, String>,
    /// The test's database, shared with siblings; dropped after the last of them.
    database: Option<Arc<TestDatabase>>,
}

/// A builder for the environment the app under test reads.
pub struct TestConfig {
    vars: HashMap<String, String>,
    database: Option<Arc<TestDatabase>>,
}

impl TestConfig {
    pub fn set(mut self, name: &str, value: impl Into<String>) -> Self {
        self.vars.insert(name.to_string(), value.into());
        self
    }

    pub async fn spawn(self) -> TestApp {
        self.spawn_until(std::future::pending()).await.0
    }

    /// A variable of this environment.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The configuration this environment gives, for what the CLI calls.
    pub fn config(&self) -> Config {
        let vars = &self.vars;
        Config::from_lookup(|name| vars.get(name).cloned()).expect("test configuration is valid")
    }

    /// Starts the app, which stops gracefully when `shutdown` completes;
    /// the handle resolves when `run_until_stopped` returns.
    pub async fn spawn_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> (TestApp, tokio::task::JoinHandle<anyhow::Result<()>>) {
        let db_name = self.vars.get("OPSDECK_TEST_DB").cloned().unwrap_or_default();
        let redis_prefix = self.vars.get("OPSDECK_REDIS_PREFIX").cloned().unwrap_or_default();
        let (vars, database) = (self.vars, self.database);
        let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("test configuration is valid");
        // `TEST_LOG=debug cargo nextest run …` shows the app's logs for a failing test.
        if let Ok(filter) = std::env::var("TEST_LOG") {
            let _ = opsdeck::telemetry::init(&filter, opsdeck::config::LogFormat::Text);
        }
        let database_url = format!("{}/{db_name}", database_server_url());
        let app = Application::build(config).await.expect("application starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let running = tokio::spawn(app.run_until_stopped(shutdown));
        let app = TestApp {
            address,
            db: PgPool::connect(&database_url).await.expect("test database reachable"),
            db_name,
            redis_prefix,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("HTTP client"),
            vars,
            database,
        };
        (app, running)
    }
}

impl TestApp {
    /// A second instance of the same installation: the same database and
    /// Redis prefix, its own port (as behind a load balancer).
    pub async fn spawn_sibling(&self) -> TestApp {
        self.sibling().spawn().await
    }

    /// A sibling's environment, to adjust before `spawn`.
    pub fn sibling(&self) -> TestConfig {
        TestConfig {
            vars: self.vars.clone(),
            database: self.database.clone(),
        }
    }

    /// The default app: a fresh database, a private Redis prefix.
    pub async fn spawn() -> TestApp {
        TestApp::configure().await.spawn().await
    }

    /// The default test environment, to adjust before `spawn`.
    pub async fn configure() -> TestConfig {
        let database = fresh_database().await;
        let db_name = database.name.clone();
        let redis_prefix = format!("test:{}:", Uuid::new_v4());
        let vars = HashMap::from([
            (
                "DATABASE_URL".to_string(),
                format!("{}/{db_name}", database_server_url()),
            ),
            ("REDIS_URL".to_string(), redis_url()),
            ("OPSDECK_ADDR".to_string(), "127.0.0.1:0".to_string()),
            ("OPSDECK_REDIS_PREFIX".to_string(), redis_prefix),
            ("OPSDECK_LOG".to_string(), "warn".to_string()),
            ("OPSDECK_SHUTDOWN_GRACE_SECS".to_string(), "1".to_string()),
            // Off unless a test turns it on: its rows would upset tests that count rows.
            ("OPSDECK_SELF_MONITOR_SECS".to_string(), "0".to_string()),
            // Likewise the data stores' collector, unless a test turns it on.
            ("OPSDECK_COLLECT_SECS".to_string(), "0".to_string()),
            // Likewise Opsdeck's own log lines (with TEST_LOG set they would land in every test's store).
            ("OPSDECK_OWN_LOGS".to_string(), "off".to_string()),
            ("OPSDECK_TEST_DB".to_string(), db_name),
            ("OPSDECK_AUDIT_KEY".to_string(), TEST_AUDIT_KEY.to_string()),
            ("OPSDECK_SECRETS_KEY".to_string(), TEST_SECRETS_KEY.to_string()),
            (
                "OPSDECK_BACKUP_DIR".to_string(),
                std::env::temp_dir()
                    .join(format!("opsdeck-test-backups-{}", Uuid::new_v4().simple()))
                    .to_string_lossy()
                    .into_owned(),
            ),
        ]);
        TestConfig {
            vars,
            database: Some(Arc::new(database)),
        }
    }

    /// An app whose Redis address has nothing listening (a Redis outage).
    pub async fn without_redis() -> TestApp {
        TestApp::configure()
            .await
            .set("REDIS_URL", format!("redis://127.0.0.1:{}", closed_port()))
            .spawn()
            .await
    }

    /// A variable of the environment the app was started with.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Where this app writes backup files (`OPSDECK_BACKUP_DIR`).
    pub fn backup_dir(&self) -> std::path::PathBuf {
        std::path::PathBuf::from(self.var("OPSDECK_BACKUP_DIR").unwrap_or_default())
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        get(&self.client, &self.address, path).await
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    pub async fn get_page(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("text body"))
    }

    /// Posts a form to a server function as a browser without JavaScript would.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("Accept", "text/html")
            .header("Referer", format!("{}/", self.address))
            .form(form)
            .send()
            .await
            .expect("request sent")
    }
}

/// A test's own database, `opsdeck_test_<uuid>`, dropped when this value is.
/// It reads as its name (`format!("{url}/{database}")`, `&database` as `&str`).
pub struct TestDatabase {
    pub name: String,
}

impl std::ops::Deref for TestDatabase {
    type Target = str;

    fn deref(&self) -> &str {
        &self.name
    }
}

impl std::fmt::Display for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

impl Drop for TestDatabase {
    /// Each database is a copy of the template (tens of MB); 400 tests' worth
    /// once filled the disk. Dropped on a thread of its own with its own
    /// runtime, since the test's runtime may be busy or shutting down; a
    /// failure to drop (Postgres gone, the test dropped it itself) is ignored.
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.name);
        let dropping = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            let _ = runtime.block_on(postgres::drop_database(&name));
        });
        let _ = dropping.join();
    }
}

/// Creates `opsdeck_test_<uuid>` from the migrated template.
pub async fn fresh_database() -> TestDatabase {
    let template = ensure_template().await;
    let name = format!("opsdeck_test_{}", Uuid::new_v4().simple());
    let mut admin = admin_connection().await;
    admin
        .execute(format!(r#"CREATE DATABASE "{name}" TEMPLATE "{template}""#).as_str())
        .await
        .expect("test database created from template");
    // The template may have been migrated hours ago: the schedules start
    // looking from now, as they do on a freshly migrated database, so no
    // test meets a backup the scheduler owed since the template was built.
    let mut conn = PgConnection::connect(&format!("{}/{name}", database_server_url()))
        .await
        .expect("connect test database");
    conn.execute("UPDATE backup_targets SET schedule_checked_at = now(), restore_checked_at = now()")
        .await
        .expect("schedules start from now");
    conn.close().await.expect("close test database connection");
    TestDatabase { name }
}

async fn ensure_template() -> String {
    let name = format!("opsdeck_template_{:016x}", migrations_fingerprint());
    let mut admin = admin_connection().await;
    // One builder at a time across all test processes.
    sqlx::query("SELECT pg_advisory_lock(7202611240)")
        .execute(&mut admin)
        .await
        .expect("lock");
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(&name)
        .fetch_one(&mut admin)
        .await
        .expect("query pg_database");
    if !exists {
        let building = format!("{name}_building");
        admin
            .execute(format!(r#"DROP DATABASE IF EXISTS "{building}""#).as_str())
            .await
            .expect("drop stale");
        admin
            .execute(format!(r#"CREATE DATABASE "{building}""#).as_str())
            .await
            .expect("create template");
        let mut conn = PgConnection::connect(&format!("{}/{building}", database_server_url()))
            .await
            .expect("connect template");
        MIGRATOR
            .run(&mut conn)
            .await
            .expect("migrations apply to an empty database");
        conn.close().await.expect("close template connection");
        // Renamed only once complete, so a crash mid-build never leaves a half-migrated template.
        admin
            .execute(format!(r#"ALTER DATABASE "{building}" RENAME TO "{name}""#).as_str())
            .await
            .expect("rename template");
    }
    sqlx::query("SELECT pg_advisory_unlock(7202611240)")
        .execute(&mut admin)
        .await
        .expect("unlock");
    name
}

/// FNV-1a over every migration's version and checksum.
fn migrations_fingerprint() -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for migration in MIGRATOR.iter() {
        for byte in migration.version.to_le_bytes().iter().chain(migration.checksum.iter()) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// `GET {address}{path}` with `client` (its cookies, no redirects followed).
async fn get(client: &reqwest::Client, address: &str, path: &str) -> reqwest::Response {
    client
        .get(format!("{address}{path}"))
        .send()
        .await
        .expect("request sent")
}

/// `response`'s header `name` as text (`None`: absent or not text).
pub fn header<'r>(response: &'r reqwest::Response, name: &str) -> Option<&'r str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A local port with nothing listening on it.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// A user created for a test, with the password it signs in with.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub password: String,
}

/// A browser: its own cookie jar, pointed at the app.
pub struct Browser {
    pub client: reqwest::Client,
    pub address: String,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

pub const TEST_PASSWORD: &str = "a test password that is long";

impl TestApp {
    /// Inserts a user directly (hashing like the app does).
    pub async fn create_user(&self, role: Role) -> TestUser {
        let email = format!("{}-{}@example.com", role.as_str(), Uuid::new_v4().simple());
        let hash = app::auth::ssr::hashing::hash(TEST_PASSWORD.to_string())
            .await
            .expect("hash");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, role, password_hash) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&email)
        .bind(format!("Test {}", role.as_str()))
        .bind(role.as_str())
        .bind(hash)
        .fetch_one(&self.db)
        .await
        .expect("insert user");
        TestUser {
            id,
            email,
            password: TEST_PASSWORD.to_string(),
        }
    }

    pub fn browser(&self) -> Browser {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        Browser {
            client: reqwest::Client::builder()
                .cookie_provider(jar.clone())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("HTTP client"),
            address: self.address.clone(),
            jar,
        }
    }

    /// A browser signed in as a new user of `role`.
    pub async fn signed_in(&self, role: Role) -> (Browser, TestUser) {
        let user = self.create_user(role).await;
        let browser = self.browser();
        let response = browser.sign_in(&user.email, &user.password).await;
        assert_eq!(response.status().as_u16(), 200, "sign-in as {role:?} succeeds");
        (browser, user)
    }

    /// Audit entries with `action`, oldest first: (outcome, actor_email, target_id).
    pub async fn audit_entries(&self, action: &str) -> Vec<(String, Option<String>, Option<String>)> {
        sqlx::query_as("SELECT outcome, actor_email, target_id FROM audit_log WHERE action = $1 ORDER BY id")
            .bind(action)
            .fetch_all(&self.db)
            .await
            .expect("audit_log readable")
    }

    pub async fn redis(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(redis_url())
            .expect("REDIS_URL")
            .get_multiplexed_async_connection()
            .await
            .expect("Redis reachable")
    }
}

impl Browser {
    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_fn("/api/auth/sign-in", &[("email", email), ("password", password)])
            .await
    }

    /// Posts a form as a browser without JavaScript from the page `from`:
    /// the answer must redirect; returns where to (a path).
    pub async fn post_without_js(&self, path: &str, from: &str, form: &[(&str, &str)]) -> String {
        let response = self
            .client
            .post(format!("{}{path}", self.address))
            .header("Accept", "text/html")
            .header("Referer", format!("{}{from}", self.address))
            .form(form)
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status().as_u16(), 302, "a plain form post is redirected back");
        let location = response.headers()["location"].to_str().expect("ascii").to_string();
        location.strip_prefix(&self.address).unwrap_or(&location).to_string()
    }

    /// Calls a server function the way the hydrated app does.
    pub async fn post_fn(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        get(&self.client, &self.address, path).await
    }

    /// The `Cookie` header this browser would send now.
    pub fn cookie_header(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url: reqwest::Url = self.address.parse().expect("url");
        self.jar
            .cookies(&url)
            .and_then(|value| value.to_str().ok().map(str::to_string))
    }

    /// The session id in this browser's session cookie.
    pub fn session_id(&self) -> Option<String> {
        self.cookie_header()?
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == "opsdeck_session")
            .map(|(_, value)| value.to_string())
    }

    /// Who the app says is signed in for this browser.
    pub async fn whoami(&self) -> Option<serde_json::Value> {
        let value: serde_json::Value = self.post_fn("/api/auth/whoami", &[]).await.json().await.expect("JSON");
        (!value.is_null()).then_some(value)
    }
}

/// Sends a request with a fixed `Cookie` header, as an attacker replaying a stolen cookie would.
pub async fn replay(address: &str, path: &str, cookie: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{address}{path}"))
        .header("Cookie", cookie)
        .header("Accept", "application/json")
        .send()
        .await
        .expect("request sent")
}

/// A P95 rule on `shop` (window 2 min, fires over 300 ms after 1 min,
/// resolves under 150 ms), enabled, notifying nobody.
pub fn p95_rule(name: &str) -> RuleDraft {
    RuleDraft {
        name: name.into(),
        description: String::new(),
        service: "shop".into(),
        endpoint: None,
        metric: None,
        matchers: Default::default(),
        log_query: None,
        error_issue: None,
        aggregation: Aggregation::P95,
        window_secs: 120,
        comparator: Comparator::Gt,
        threshold: 300.0,
        recovery_threshold: Some(150.0),
        for_secs: 60,
        no_data: NoDataPolicy::Keep,
        severity: Severity::Warning,
        labels: Default::default(),
        summary: String::new(),
        channels: Vec::new(),
        enabled: true,
    }
}

/// A critical rule on `service` that fires at its first evaluation:
/// throughput is never below zero.
pub fn always_firing_rule(service: &str) -> RuleDraft {
    RuleDraft {
        name: "Always firing".into(),
        service: service.into(),
        aggregation: Aggregation::Throughput,
        window_secs: 60,
        comparator: Comparator::Ge,
        threshold: 0.0,
        recovery_threshold: None,
        for_secs: 0,
        severity: Severity::Critical,
        ..p95_rule("Always firing")
    }
}

/// A pool on a fresh, migrated database (no application running on it),
/// and the database, which is dropped with the value: keep it while the pool is used.
pub async fn fresh_pool() -> (TestDatabase, PgPool) {
    let database = fresh_database().await;
    let pool = PgPool::connect(&format!("{}/{database}", database_server_url()))
        .await
        .expect("test database reachable");
    (database, pool)
}

/// Stores `requests` through the ingest path's storage step (raw rows and
/// rollups), committed.
pub async fn store_requests(pool: &PgPool, requests: Vec<RequestEvent>) {
    let mut tx = pool.begin().await.expect("begin");
    store_batch(
        &mut tx,
        &IngestBatch {
            requests,
            samples: Vec::new(),
        },
    )
    .await
    .expect("requests stored");
    tx.commit().await.expect("commit");
}
