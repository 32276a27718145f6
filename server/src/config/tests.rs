use std::collections::HashMap;

use super::*;

const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const SECRETS_KEY: &str = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";

fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let mut vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    vars.entry("OPSDECK_AUDIT_KEY".into()).or_insert_with(|| KEY.into());
    vars.entry("OPSDECK_SECRETS_KEY".into())
        .or_insert_with(|| SECRETS_KEY.into());
    Config::from_lookup(|name| vars.get(name).cloned())
}

#[test]
fn defaults_are_valid() {
    let config = config(&[]).expect("defaults parse");
    assert_eq!(config.addr.to_string(), "127.0.0.1:3000");
    assert_eq!(config.log_format, LogFormat::Text);
    assert_eq!(config.degraded_after, Duration::from_millis(1000));
    assert!(!config.secure_cookies);
}

#[test]
fn a_bad_address_names_the_variable() {
    let error = config(&[("OPSDECK_ADDR", "localhost")]).expect_err("refused");
    assert_eq!(
        error.to_string(),
        "OPSDECK_ADDR: 'localhost' is not an address and port such as 127.0.0.1:3000"
    );
}

#[test]
fn a_url_with_the_wrong_scheme_is_refused_without_echoing_it() {
    let error = config(&[("DATABASE_URL", "mysql://root:hunter2@db/x")]).expect_err("refused");
    assert_eq!(error.name, "DATABASE_URL");
    assert!(!error.to_string().contains("hunter2"));
}

#[test]
fn log_format_must_be_text_or_json() {
    assert_eq!(
        config(&[("OPSDECK_LOG_FORMAT", "json")]).expect("json ok").log_format,
        LogFormat::Json
    );
    assert_eq!(
        config(&[("OPSDECK_LOG_FORMAT", "xml")]).expect_err("refused").name,
        "OPSDECK_LOG_FORMAT"
    );
}

#[test]
fn zero_and_negative_numbers_are_refused() {
    assert_eq!(
        config(&[("OPSDECK_DB_MAX_CONNECTIONS", "0")])
            .expect_err("zero")
            .problem,
        "must be greater than zero"
    );
    assert_eq!(
        config(&[("OPSDECK_DEGRADED_MS", "-5")]).expect_err("negative").name,
        "OPSDECK_DEGRADED_MS"
    );
    assert_eq!(
        config(&[("OPSDECK_CHECK_TIMEOUT_MS", "0")]).expect_err("zero").name,
        "OPSDECK_CHECK_TIMEOUT_MS"
    );
}

#[test]
fn timeout_must_exceed_the_degraded_threshold() {
    let error = config(&[("OPSDECK_DEGRADED_MS", "5000"), ("OPSDECK_CHECK_TIMEOUT_MS", "3000")]).expect_err("refused");
    assert_eq!(error.name, "OPSDECK_CHECK_TIMEOUT_MS");
}

#[test]
fn the_audit_key_is_required_and_long_enough() {
    assert!(
        config(&[("OPSDECK_AUDIT_KEY", "")])
            .expect_err("missing")
            .problem
            .contains("is not set")
    );
    assert!(
        config(&[("OPSDECK_AUDIT_KEY", "abcd")])
            .expect_err("short")
            .problem
            .contains("at least 32")
    );
    let error = config(&[("OPSDECK_AUDIT_KEY", "zz")]).expect_err("not hex");
    assert_eq!(error.to_string(), "OPSDECK_AUDIT_KEY: is not hexadecimal");
}

#[test]
fn passwords_are_redacted_for_logs() {
    assert_eq!(
        redact_password("postgres://app:s3cret@db:5432/x"),
        "postgres://app:***@db:5432/x"
    );
    assert_eq!(
        redact_password("postgres://postgres@127.0.0.1/x"),
        "postgres://postgres@127.0.0.1/x"
    );
}

#[test]
fn the_readme_documents_every_variable() {
    let readme = include_str!("../../../README.md");
    for v in VARIABLES {
        assert!(
            readme.contains(&format!("`{}`", v.name)),
            "README.md does not document {}",
            v.name
        );
    }
}

#[test]
fn an_unset_audit_key_comes_from_the_checkouts_key_file() {
    let checkout = std::env::temp_dir().join(format!("opsdeck-key-{}", std::process::id()));
    let nested = checkout.join("server").join("src");
    std::fs::create_dir_all(checkout.join(".data")).expect("temp dir");
    std::fs::create_dir_all(&nested).expect("temp dir");
    std::fs::write(checkout.join(CHECKOUT_KEY_FILE), format!("{KEY}\n")).expect("key file");
    std::fs::write(checkout.join(CHECKOUT_SECRETS_KEY_FILE), format!("{SECRETS_KEY}\n")).expect("key file");
    let no_key = |_: &str| None::<String>;
    let lookup = with_checkout_key(no_key, &nested);
    assert_eq!(
        lookup("OPSDECK_AUDIT_KEY").as_deref(),
        Some(KEY),
        "found from a subdirectory"
    );
    assert_eq!(lookup("OPSDECK_SECRETS_KEY").as_deref(), Some(SECRETS_KEY));
    assert_eq!(lookup("DATABASE_URL"), None, "only the keys");
    let config = Config::from_lookup(lookup).expect("the key files' keys are valid");
    assert_eq!(hex::encode(config.audit_key.expose_secret()), KEY);
    let secrets_key = hex::decode(SECRETS_KEY).expect("hex");
    assert_eq!(config.secrets.current_id(), app::secrets::key_id(&secrets_key));
    // The environment wins over the file.
    let other = "ff".repeat(32);
    let from_env = with_checkout_key(
        |name: &str| (name == "OPSDECK_AUDIT_KEY").then(|| other.clone()),
        &nested,
    );
    assert_eq!(from_env("OPSDECK_AUDIT_KEY"), Some(other.clone()));
    std::fs::remove_dir_all(&checkout).ok();
}

#[test]
fn the_secrets_key_is_required_and_exactly_32_bytes() {
    let error = config(&[("OPSDECK_SECRETS_KEY", "")]).expect_err("required");
    assert_eq!(error.name, "OPSDECK_SECRETS_KEY");
    assert!(error.problem.contains("is not set"), "{}", error.problem);
    let error = config(&[("OPSDECK_SECRETS_KEY", &"ab".repeat(33))]).expect_err("too long");
    assert_eq!(
        error.to_string(),
        "OPSDECK_SECRETS_KEY: is 33 bytes; a key is exactly 32 bytes (64 hex digits, e.g. `openssl rand -hex 32`)"
    );
    let error = config(&[("OPSDECK_SECRETS_KEY", "ab")]).expect_err("too short");
    assert_eq!(
        error.to_string(),
        "OPSDECK_SECRETS_KEY: is 1 bytes; at least 32 are required"
    );
}

#[test]
fn old_secrets_keys_are_read_too() {
    let old = "cd".repeat(32);
    let both = format!("{old}, {}", "ef".repeat(32));
    let configured = config(&[("OPSDECK_SECRETS_OLD_KEYS", &both)]).expect("valid");
    let sealed = app::secrets::Keyring::new(&hex::decode(&old).expect("hex"), &[])
        .expect("key")
        .seal(app::secrets::BACKUP_URL, "postgres://u:p@h/db");
    assert_eq!(
        configured.secrets.open(app::secrets::BACKUP_URL, &sealed).as_deref(),
        Ok("postgres://u:p@h/db")
    );
    let error = config(&[("OPSDECK_SECRETS_OLD_KEYS", "zz")]).expect_err("not hex");
    assert_eq!(error.to_string(), "OPSDECK_SECRETS_OLD_KEYS: key 1 is not hexadecimal");
    let error = config(&[("OPSDECK_SECRETS_OLD_KEYS", "abcd")]).expect_err("short");
    assert!(
        error
            .to_string()
            .starts_with("OPSDECK_SECRETS_OLD_KEYS: a key is 2 bytes"),
        "{error}"
    );
}

#[test]
fn the_monitoring_settings_defaults_are_the_variables_defaults() {
    for field in app::monitoring::fields::FIELDS {
        if let Some(name) = field.env {
            let variable = VARIABLES
                .iter()
                .find(|v| v.name == name)
                .expect("a documented variable");
            assert_eq!(field.default, variable.default, "{name}");
        }
    }
    let configured = config(&[("OPSDECK_RETENTION_RAW_DAYS", "3")]).expect("valid");
    assert_eq!(
        configured.monitoring.0.get("raw_days").map(String::as_str),
        Some("3"),
        "set in the environment"
    );
    assert_eq!(configured.monitoring.0.get("log_days"), None, "left to its default");
    let error = config(&[("OPSDECK_RETENTION_RAW_DAYS", "5000")]).expect_err("past the page's bound");
    assert_eq!(
        error.to_string(),
        "OPSDECK_RETENTION_RAW_DAYS: Enter between 1 and 3650 days."
    );
}
