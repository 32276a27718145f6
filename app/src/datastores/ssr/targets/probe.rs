//! Connecting to a target and saying exactly what failed: the name did not
//! resolve, nothing listens, the password or role is wrong, TLS, no answer
//! in time, or the role may not read the statistics (Postgres without
//! `pg_monitor`, a Redis ACL or a renamed command). "Test connection" and
//! the collector both go through here.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, PgConnection};

use super::url::{RedisUrl, TargetUrl};
use crate::backups::ssr::connection::ConnectionUrl;
use crate::datastores::targets::Failure;

/// The most a test or one reading of a target may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// What failed, in words that start with it ([`Failure::message`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub failure: Failure,
    pub message: String,
}

impl Problem {
    pub fn new(failure: Failure, detail: &str) -> Problem {
        Problem {
            failure,
            message: failure.message(detail),
        }
    }

    pub fn timeout(within: Duration) -> Problem {
        Problem::new(
            Failure::Timeout,
            &format!("no answer within {} s", within.as_secs_f64()),
        )
    }
}

/// What an error's words say failed, when its type does not.
pub fn classify_text(text: &str) -> Failure {
    let t = text.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if has(&[
        "failed to lookup address",
        "name or service not known",
        "nodename nor servname",
        "no such host",
        "name resolution",
    ]) {
        Failure::Dns
    } else if has(&["connection refused"]) {
        Failure::Refused
    } else if has(&["timed out", "timeout"]) {
        Failure::Timeout
    } else if has(&[
        "password authentication failed",
        "wrongpass",
        "noauth",
        "authentication",
        "no pg_hba.conf entry",
    ]) || (t.contains("role \"") && t.contains("does not exist"))
    {
        Failure::Authentication
    } else if has(&["noperm", "permission denied", "unknown command", "must be superuser"]) {
        Failure::Permission
    } else if has(&["tls", "ssl", "certificate", "handshake"]) {
        Failure::Tls
    } else if t.contains("database \"") && t.contains("does not exist") {
        Failure::NoDatabase
    } else {
        Failure::Other
    }
}

/// What a Postgres error says failed: its SQLSTATE or I/O kind first.
pub fn classify_pg(error: &sqlx::Error) -> Failure {
    match error {
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01" | "28000") => Failure::Authentication,
            Some("3D000") => Failure::NoDatabase,
            Some("42501") => Failure::Permission,
            _ => classify_text(db.message()),
        },
        sqlx::Error::Tls(_) => Failure::Tls,
        sqlx::Error::PoolTimedOut => Failure::Timeout,
        sqlx::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => Failure::Refused,
            std::io::ErrorKind::TimedOut => Failure::Timeout,
            _ => classify_text(&io.to_string()),
        },
        other => classify_text(&other.to_string()),
    }
}

/// What a Redis error says failed.
pub fn classify_redis(error: &redis::RedisError) -> Failure {
    if error.is_connection_refusal() {
        return Failure::Refused;
    }
    if error.is_timeout() {
        return Failure::Timeout;
    }
    match error.code() {
        Some("WRONGPASS" | "NOAUTH") => Failure::Authentication,
        Some("NOPERM") => Failure::Permission,
        _ => classify_text(&error.to_string()),
    }
}

pub(super) fn pg_problem(url: &TargetUrl, error: &sqlx::Error) -> Problem {
    Problem::new(classify_pg(error), &url.redact(&error.to_string()))
}

pub(super) fn redis_problem(url: &TargetUrl, error: &redis::RedisError) -> Problem {
    Problem::new(classify_redis(error), &url.redact(&error.to_string()))
}

/// A connection to a monitored Redis. Over TLS, a connection that fails
/// for no reason the words give (a plain port answers rustls with bytes
/// that are no TLS record) or gets no answer is a TLS failure.
pub async fn connect_redis(
    url: &TargetUrl,
    redis_url: &RedisUrl,
) -> Result<redis::aio::MultiplexedConnection, Problem> {
    let failed = |error: redis::RedisError| {
        let problem = redis_problem(url, &error);
        match problem.failure {
            Failure::Other if redis_url.uses_tls() => Problem::new(Failure::Tls, &url.redact(&error.to_string())),
            // A plain port reads the ClientHello as a command and waits for the rest.
            Failure::Timeout if redis_url.uses_tls() => Problem::new(
                Failure::Tls,
                &format!(
                    "no TLS handshake answer from {} (not a TLS port?)",
                    redis_url.location()
                ),
            ),
            _ => problem,
        }
    };
    let client = redis::Client::open(redis_url.expose()).map_err(failed)?;
    client.get_multiplexed_async_connection().await.map_err(failed)
}

/// A connection to a monitored Postgres whose statements stop at [`TIMEOUT`].
pub async fn connect_pg(url: &ConnectionUrl) -> Result<PgConnection, sqlx::Error> {
    let options = PgConnectOptions::from_str(url.expose())?
        .application_name("opsdeck collector")
        .options([("statement_timeout", TIMEOUT.as_millis().to_string())]);
    options.connect().await
}

/// Whether the connected role may read other sessions' statistics: a
/// superuser or a member of `pg_monitor`. `Some(why not)` when it may not.
pub async fn pg_monitor_missing(conn: &mut PgConnection) -> sqlx::Result<Option<String>> {
    let (role, allowed): (String, bool) = sqlx::query_as(
        "SELECT current_user::text, rolsuper OR pg_has_role(current_user, 'pg_monitor', 'USAGE') \
         FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(conn)
    .await?;
    Ok((!allowed).then(|| {
        Failure::Permission.message(&format!(
            "role \"{role}\" is not a member of pg_monitor, so other sessions' queries and parts of pg_stat_* \
             are hidden from it (GRANT pg_monitor TO \"{role}\")"
        ))
    }))
}

/// "Test connection": connects, reads the statistics as the collector
/// would, and says what it found (`Ok`) or exactly what failed.
pub async fn test(url: &TargetUrl) -> Result<String, Problem> {
    match tokio::time::timeout(TIMEOUT, attempt(url)).await {
        Ok(result) => result,
        Err(_) => Err(Problem::timeout(TIMEOUT)),
    }
}

async fn attempt(url: &TargetUrl) -> Result<String, Problem> {
    let location = url.location();
    match url {
        TargetUrl::Postgres(pg) => {
            let mut conn = connect_pg(pg).await.map_err(|e| pg_problem(url, &e))?;
            crate::datastores::ssr::postgres::read(&mut conn)
                .await
                .map_err(|e| pg_problem(url, &e))?;
            if let Some(why) = pg_monitor_missing(&mut conn).await.map_err(|e| pg_problem(url, &e))? {
                return Err(Problem {
                    failure: Failure::Permission,
                    message: why,
                });
            }
            Ok(format!("Connected to {location}: its statistics are readable."))
        }
        TargetUrl::Redis(redis_url) => {
            let mut conn = connect_redis(url, redis_url).await?;
            let mut seen = None;
            crate::datastores::ssr::redis::read(&mut conn, &mut seen, chrono::Utc::now().timestamp())
                .await
                .map_err(|e| redis_problem(url, &e))?;
            Ok(format!("Connected to {location}: INFO and SLOWLOG are readable."))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_say_what_failed() {
        let cases = [
            (
                "error communicating with database: failed to lookup address information: Name or service not known",
                Failure::Dns,
            ),
            (
                "error communicating with database: Connection refused (os error 111)",
                Failure::Refused,
            ),
            (
                "password authentication failed for user \"app\"",
                Failure::Authentication,
            ),
            ("role \"nobody\" does not exist", Failure::Authentication),
            ("WRONGPASS invalid username-password pair", Failure::Authentication),
            ("NOAUTH Authentication required.", Failure::Authentication),
            (
                "NOPERM this user has no permissions to run the 'info' command",
                Failure::Permission,
            ),
            ("ERR unknown command 'INFO'", Failure::Permission),
            ("permission denied for table pg_authid", Failure::Permission),
            (
                "error occurred while attempting to establish a TLS connection: invalid peer certificate",
                Failure::Tls,
            ),
            ("server does not support SSL, but SSL was required", Failure::Tls),
            ("database \"gone\" does not exist", Failure::NoDatabase),
            ("connection timed out", Failure::Timeout),
            ("something else", Failure::Other),
        ];
        for (text, failure) in cases {
            assert_eq!(classify_text(text), failure, "{text}");
        }
    }

    #[test]
    fn io_kinds_and_sqlstates_come_first() {
        let refused = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(classify_pg(&refused), Failure::Refused);
        let timed_out = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::TimedOut));
        assert_eq!(classify_pg(&timed_out), Failure::Timeout);
        assert_eq!(classify_pg(&sqlx::Error::Tls("bad certificate".into())), Failure::Tls);
        assert_eq!(classify_pg(&sqlx::Error::PoolTimedOut), Failure::Timeout);
    }

    #[test]
    fn messages_start_with_what_failed() {
        let problem = Problem::new(Failure::Refused, "127.0.0.1:1");
        assert_eq!(problem.message, "Connection refused: 127.0.0.1:1");
        assert_eq!(Problem::timeout(TIMEOUT).message, "Timeout: no answer within 10 s");
    }
}
