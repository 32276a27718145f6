//! The Postgres client tools (`pg_dump`, `pg_restore`) and what the workers
//! ask of a database directly: its version and the row count of each table.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;

use sqlx::{Connection, PgConnection};
use tokio::io::AsyncReadExt;
use tokio::process::{ChildStderr, Command};

use super::connection::ConnectionUrl;

/// Runs a tool to the end: (exit status, stdout, last words of stderr).
pub async fn output(mut command: Command) -> std::io::Result<(std::process::ExitStatus, String, String)> {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let mut stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let read_stdout = async {
        let mut text = String::new();
        if let Some(stdout) = stdout.as_mut() {
            stdout.read_to_string(&mut text).await?;
        }
        Ok::<_, std::io::Error>(text)
    };
    let (text, errors) = tokio::join!(read_stdout, read_stderr(stderr));
    let status = child.wait().await?;
    Ok((status, text?, errors))
}

/// Keeps this much of a tool's stderr (its last words matter most).
const STDERR_KEEP: usize = 4000;

/// `name` on PATH, else the newest `/usr/lib/postgresql/<version>/bin/<name>`
/// (Debian installs the versioned tools there).
pub fn locate(name: &str) -> Option<PathBuf> {
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let path = entry.path().join("bin").join(name);
            path.is_file().then_some((version, path))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, path)| path)
}

/// A tool command with the password in the environment, never on the command line.
pub fn command(tool: &str, url: Option<&ConnectionUrl>) -> Result<Command, String> {
    let path = locate(tool).ok_or_else(|| {
        format!("{tool} was not found; install the PostgreSQL client tools (Debian: apt-get install postgresql-client)")
    })?;
    let mut command = Command::new(path);
    command
        .env_remove("PGPASSWORD")
        .env("PGAPPNAME", format!("opsdeck {tool}"))
        .stdin(Stdio::null())
        .kill_on_drop(true);
    if let Some(password) = url.and_then(ConnectionUrl::password) {
        command.env("PGPASSWORD", password);
    }
    Ok(command)
}

/// Reads a child's stderr to the end, keeping its last `STDERR_KEEP` bytes.
pub async fn read_stderr(stderr: Option<ChildStderr>) -> String {
    let Some(mut stderr) = stderr else {
        return String::new();
    };
    let mut kept: Vec<u8> = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stderr.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                kept.extend_from_slice(&buffer[..n]);
                if kept.len() > STDERR_KEEP * 2 {
                    kept.drain(..kept.len() - STDERR_KEEP);
                }
            }
        }
    }
    let start = kept.len().saturating_sub(STDERR_KEEP);
    String::from_utf8_lossy(&kept[start..]).trim().to_string()
}

/// "exited with status 1: <stderr>", with any password hidden.
pub fn failure(tool: &str, status: std::process::ExitStatus, stderr: &str, url: &ConnectionUrl) -> String {
    let how = match status.code() {
        Some(code) => format!("{tool} exited with status {code}"),
        None => format!("{tool} was killed ({status})"),
    };
    if stderr.is_empty() {
        how
    } else {
        url.redact(&format!("{how}: {stderr}"))
    }
}

pub async fn connect(url: &ConnectionUrl) -> Result<PgConnection, String> {
    let options: sqlx::postgres::PgConnectOptions = url
        .expose()
        .parse()
        .map_err(|_| format!("the connection URL of {} is not usable", url.location()))?;
    PgConnection::connect_with(&options.application_name("opsdeck backups"))
        .await
        .map_err(|error| url.redact(&format!("cannot connect to {}: {error}", url.location())))
}

pub async fn server_version(conn: &mut PgConnection) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT current_setting('server_version')")
        .fetch_one(conn)
        .await
}

/// `"schema"."table"`, quoted for SQL.
fn quoted(schema: &str, table: &str) -> String {
    format!("\"{}\".\"{}\"", schema.replace('"', "\"\""), table.replace('"', "\"\""))
}

/// The exact row count of every ordinary table outside the system schemas
/// (each partition of a partitioned table counts on its own), keyed
/// `schema.table`.
pub async fn table_counts(conn: &mut PgConnection) -> sqlx::Result<BTreeMap<String, i64>> {
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT n.nspname::text, c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
         AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' ORDER BY 1, 2",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = BTreeMap::new();
    for (schema, table) in tables {
        let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {}", quoted(&schema, &table)))
            .fetch_one(&mut *conn)
            .await?;
        counts.insert(format!("{schema}.{table}"), count);
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_safely() {
        assert_eq!(quoted("public", "a\"b"), "\"public\".\"a\"\"b\"");
    }
}
