//! TLS to Opsdeck's own data stores: `sslmode` in DATABASE_URL and
//! `rediss://` in REDIS_URL (sqlx's and redis's rustls features). The
//! Postgres half follows whatever the test server offers (`SHOW ssl`); the
//! Redis half starts a TLS-only Redis with a certificate from a test CA.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::helpers::{TEST_AUDIT_KEY, TEST_SECRETS_KEY, TestApp, closed_port, database_server_url, fresh_database};

async fn server_offers_tls() -> bool {
    let mut conn = PgConnection::connect(&format!("{}/postgres", database_server_url()))
        .await
        .expect("Postgres reachable");
    let ssl: String = sqlx::query_scalar("SHOW ssl")
        .fetch_one(&mut conn)
        .await
        .expect("ssl setting");
    ssl == "on"
}

/// `base` with `?sslmode=` (or `&sslmode=`) appended.
fn with_sslmode(base: &str, mode: &str) -> String {
    let joiner = if base.contains('?') { '&' } else { '?' };
    format!("{base}{joiner}sslmode={mode}")
}

/// Whether the app's own connections to database `name` use TLS: (any, all).
async fn app_connections_tls(app: &TestApp) -> (bool, bool) {
    sqlx::query_as(
        "SELECT coalesce(bool_or(s.ssl), false), coalesce(bool_and(s.ssl), false) \
         FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) \
         WHERE a.datname = $1 AND a.application_name = 'opsdeck'",
    )
    .bind(&app.db_name)
    .fetch_one(&app.db)
    .await
    .expect("pg_stat_ssl")
}

async fn ready(address: &str) -> serde_json::Value {
    reqwest::get(format!("{address}/ready"))
        .await
        .expect("ready answers")
        .json()
        .await
        .expect("JSON")
}

#[tokio::test]
async fn sslmode_disable_and_prefer_connect_and_require_needs_tls() {
    let config = TestApp::configure().await;
    let url = config.var("DATABASE_URL").expect("set").to_string();
    let app = config.set("DATABASE_URL", with_sslmode(&url, "disable")).spawn().await;
    assert_eq!(ready(&app.address).await["services"]["database"]["status"], "up");
    assert_eq!(
        app_connections_tls(&app).await,
        (false, false),
        "sslmode=disable: no TLS"
    );

    let prefer = app
        .sibling()
        .set("DATABASE_URL", with_sslmode(&url, "prefer"))
        .spawn()
        .await;
    assert_eq!(ready(&prefer.address).await["services"]["database"]["status"], "up");

    let require = app
        .sibling()
        .set("DATABASE_URL", with_sslmode(&url, "require"))
        .config();
    if server_offers_tls().await {
        let secure = app
            .sibling()
            .set("DATABASE_URL", with_sslmode(&url, "require"))
            .spawn()
            .await;
        assert_eq!(ready(&secure.address).await["services"]["database"]["status"], "up");
        let (any, _) = app_connections_tls(&secure).await;
        assert!(any, "sslmode=require: the app's connections use TLS");
        // verify-full checks the certificate, which the test server's (self-signed) is not trusted for.
        let verify = app
            .sibling()
            .set("DATABASE_URL", with_sslmode(&url, "verify-full"))
            .config();
        let error = format!(
            "{:#}",
            opsdeck::Application::build(verify).await.err().expect("refused")
        );
        assert!(error.contains("invalid peer certificate"), "{error}");
    } else {
        let error = format!(
            "{:#}",
            opsdeck::Application::build(require).await.err().expect("refused")
        );
        assert!(error.contains("TLS"), "names TLS: {error}");
    }
}

/// A test CA and a certificate for 127.0.0.1 signed by it, made with openssl.
fn make_certificates(dir: &Path) {
    let run = |args: &[&str]| {
        let output = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs");
        assert!(
            output.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &["-keyout", "ca.key", "-out", "ca.pem", "-days", "2"],
        &[
            "-subj",
            "/CN=Opsdeck test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    ]
    .concat());
    run(&[
        &["req"][..],
        &ec,
        &["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
    ]
    .concat());
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("extensions");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
}

/// An `opsdeck serve` child with `REDIS_URL` and the CA file it trusts.
fn serve(database: &str, redis_url: &str, ca: Option<&Path>, port: u16) -> tokio::process::Child {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_opsdeck"));
    command
        .arg("serve")
        .env("DATABASE_URL", format!("{}/{database}", database_server_url()))
        .env("REDIS_URL", redis_url)
        .env("OPSDECK_ADDR", format!("127.0.0.1:{port}"))
        .env("OPSDECK_REDIS_PREFIX", format!("test:{}:", Uuid::new_v4()))
        .env("OPSDECK_AUDIT_KEY", TEST_AUDIT_KEY)
        .env("OPSDECK_SECRETS_KEY", TEST_SECRETS_KEY)
        .env("OPSDECK_LOG", "warn")
        .env("OPSDECK_SELF_MONITOR_SECS", "0")
        .env("OPSDECK_OWN_LOGS", "off")
        .env_remove("SSL_CERT_DIR")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    match ca {
        // rustls-native-certs, which both drivers use for their roots, reads it.
        Some(ca) => command.env("SSL_CERT_FILE", ca),
        None => command.env_remove("SSL_CERT_FILE"),
    };
    command.spawn().expect("opsdeck serve starts")
}

/// The Redis check of `/ready` once the server answers.
async fn redis_check(port: u16) -> serde_json::Value {
    let address = format!("http://127.0.0.1:{port}");
    for _ in 0..300 {
        if let Ok(response) = reqwest::get(format!("{address}/ready")).await {
            let body: serde_json::Value = response.json().await.expect("JSON");
            return body["services"]["redis"].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("opsdeck did not answer on port {port}");
}

#[tokio::test]
async fn rediss_urls_connect_over_tls_and_verify_the_certificate() {
    let dir = std::env::temp_dir().join(format!("opsdeck-tls-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    make_certificates(&dir);
    let redis_port = closed_port();
    let _redis = tokio::process::Command::new("redis-server")
        .args([
            "--port",
            "0",
            "--tls-port",
            &redis_port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .args([
            "--tls-cert-file",
            "server.pem",
            "--tls-key-file",
            "server.key",
            "--tls-ca-cert-file",
            "ca.pem",
        ])
        .args(["--tls-auth-clients", "no", "--save", "", "--appendonly", "no"])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("redis-server (with TLS) starts");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", redis_port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let database = fresh_database().await;
    let url = format!("rediss://127.0.0.1:{redis_port}");

    let port = closed_port();
    let _trusting = serve(&database.name, &url, Some(&dir.join("ca.pem")), port);
    let check = redis_check(port).await;
    assert_eq!(check["status"], "up", "TLS with the CA trusted: {check}");

    // The same server without its CA among the roots: the certificate is refused.
    let port = closed_port();
    let _untrusting = serve(&database.name, &url, None, port);
    let check = redis_check(port).await;
    assert_eq!(check["status"], "down", "an untrusted certificate is refused: {check}");

    // rediss:// to a Redis that does not speak TLS is not silently plain.
    let plain = crate::helpers::redis_url().replacen("redis://", "rediss://", 1);
    let app = TestApp::configure().await.set("REDIS_URL", plain).spawn().await;
    assert_eq!(ready(&app.address).await["services"]["redis"]["status"], "down");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_backup_targets_sslmode_is_honoured_by_the_backup() {
    use crate::backups::{post_ok, run_backup};
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(app::auth::permissions::Role::Admin).await;
    let source = fresh_database().await;
    let url = format!("{}/{}", database_server_url(), source.name);
    let mut outcomes = Vec::new();
    for mode in ["disable", "require"] {
        let target = post_ok(
            &admin,
            "/api/backups/save-target",
            &[
                ("name", &format!("tls-{mode}")),
                ("connection_url", &with_sslmode(&url, mode)),
            ],
        )
        .await;
        let run = run_backup(&admin, target["id"].as_i64().expect("id")).await;
        outcomes.push((run["status"].clone(), run["error"].clone()));
    }
    assert_eq!(outcomes[0].0, "succeeded", "sslmode=disable: {:?}", outcomes[0]);
    if server_offers_tls().await {
        assert_eq!(
            outcomes[1].0, "succeeded",
            "sslmode=require over TLS: {:?}",
            outcomes[1]
        );
    } else {
        assert_eq!(outcomes[1].0, "failed");
        let error = outcomes[1].1.as_str().unwrap_or_default();
        assert!(error.contains("TLS") || error.contains("SSL"), "names TLS: {error}");
    }
}
