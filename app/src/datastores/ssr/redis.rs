//! A Redis server's statistics from `INFO` (memory, hits and misses,
//! evictions, expirations, clients, commands, persistence, replication,
//! keys per database) and how many slow-log entries are new since the
//! previous reading (`SLOWLOG GET`, never `SLOWLOG RESET`).

use std::collections::HashMap;

use redis::aio::ConnectionLike;

use super::{Ratio, Reading, Value};

/// Slow-log entries looked at per reading (Redis keeps 128 by default).
pub const SLOWLOG_LENGTH: usize = 128;

/// `INFO`'s `field:value` lines (sections and comments left out).
pub fn parse_info(text: &str) -> HashMap<&str, &str> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.trim_end().split_once(':'))
        .collect()
}

/// The keys of each database from `db0:keys=12,expires=0,avg_ttl=0`.
fn keys_per_db<'a>(info: &HashMap<&'a str, &'a str>) -> Vec<(&'a str, f64)> {
    let mut dbs: Vec<(&str, f64)> = info
        .iter()
        .filter(|(field, _)| field.starts_with("db") && field[2..].parse::<u32>().is_ok())
        .filter_map(|(db, value)| {
            let keys = value.split(',').find_map(|part| part.strip_prefix("keys="))?;
            Some((*db, keys.parse().ok()?))
        })
        .collect();
    dbs.sort_by(|a, b| a.0.cmp(b.0));
    dbs
}

/// The reading of an `INFO all` answer taken at unix time `now`.
pub fn reading_of(info: &HashMap<&str, &str>, now: i64) -> Reading {
    let number = |field: &str| info.get(field).and_then(|v| v.parse::<f64>().ok());
    let mut reading = Reading::default();
    let mut gauge = |name: &'static str, field: &str| {
        if let Some(value) = number(field) {
            reading.gauges.push(Value::new(name, value));
        }
    };
    gauge("redis.memory.used_bytes", "used_memory");
    gauge("redis.memory.max_bytes", "maxmemory");
    gauge("redis.memory.fragmentation_ratio", "mem_fragmentation_ratio");
    gauge("redis.clients.connected", "connected_clients");
    gauge("redis.clients.blocked", "blocked_clients");
    gauge("redis.replicas", "connected_slaves");
    if let (Some(used), Some(max)) = (number("used_memory"), number("maxmemory"))
        && max > 0.0
    {
        reading
            .gauges
            .push(Value::new("redis.memory.used_pct", used / max * 100.0));
    }
    if let Some(saved) = number("rdb_last_save_time") {
        reading
            .gauges
            .push(Value::new("redis.last_save_age_s", (now as f64 - saved).max(0.0)));
    }
    let replica = info.get("role").is_some_and(|role| *role == "slave");
    reading
        .gauges
        .push(Value::new("redis.is_replica", if replica { 1.0 } else { 0.0 }));
    if replica && let Some(up) = info.get("master_link_status") {
        let link = if *up == "up" { 1.0 } else { 0.0 };
        reading.gauges.push(Value::new("redis.master_link_up", link));
    }
    for (db, keys) in keys_per_db(info) {
        reading.gauges.push(Value::labelled("redis.keys", "db", db, keys));
    }
    let counters = [
        ("redis.ops_per_s", "total_commands_processed"),
        ("redis.hits_per_s", "keyspace_hits"),
        ("redis.misses_per_s", "keyspace_misses"),
        ("redis.evictions_per_s", "evicted_keys"),
        ("redis.expired_per_s", "expired_keys"),
        ("redis.rejected_connections_per_s", "rejected_connections"),
    ];
    for (name, field) in counters {
        if let Some(value) = number(field) {
            reading.counters.push(Value::new(name, value));
        }
    }
    reading.ratios.push(Ratio {
        name: "redis.hit_ratio",
        part: "redis.hits_per_s",
        rest: "redis.misses_per_s",
    });
    reading.gauges.push(Value::new("redis.up", 1.0));
    reading
}

/// One slow-log entry: its id, when, how long (µs), the command and its
/// arguments (each cut to 64 characters, at most 8).
#[derive(Clone, Debug, PartialEq)]
pub struct SlowEntry {
    pub id: i64,
    pub at: i64,
    pub micros: i64,
    pub command: String,
}

/// The slow log's newest entries, newest first.
pub async fn slowlog(conn: &mut impl ConnectionLike) -> redis::RedisResult<Vec<SlowEntry>> {
    let raw: Vec<(i64, i64, i64, Vec<Vec<u8>>)> = redis::cmd("SLOWLOG")
        .arg("GET")
        .arg(SLOWLOG_LENGTH)
        .query_async::<Vec<redis::Value>>(conn)
        .await?
        .into_iter()
        .filter_map(|entry| match entry {
            redis::Value::Array(fields) if fields.len() >= 4 => {
                let mut fields = fields.into_iter();
                let id = redis::from_redis_value(fields.next()?).ok()?;
                let at = redis::from_redis_value(fields.next()?).ok()?;
                let micros = redis::from_redis_value(fields.next()?).ok()?;
                let args = redis::from_redis_value(fields.next()?).ok()?;
                Some((id, at, micros, args))
            }
            _ => None,
        })
        .collect();
    Ok(raw
        .into_iter()
        .map(|(id, at, micros, args)| SlowEntry {
            id,
            at,
            micros,
            command: args
                .iter()
                .take(8)
                .map(|arg| String::from_utf8_lossy(arg).chars().take(64).collect::<String>())
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect())
}

/// Reads `INFO all` and the slow log; `seen` is the newest slow-log id
/// already counted (updated), `now` the unix time.
pub async fn read(conn: &mut impl ConnectionLike, seen: &mut Option<i64>, now: i64) -> redis::RedisResult<Reading> {
    let text: String = redis::cmd("INFO").arg("all").query_async(conn).await?;
    let mut reading = reading_of(&parse_info(&text), now);
    let entries = slowlog(conn).await?;
    let newest = entries.iter().map(|entry| entry.id).max();
    // The first reading only notes where the log stands.
    if let Some(before) = *seen {
        let new = entries.iter().filter(|entry| entry.id > before).count();
        reading.gauges.push(Value::new("redis.slowlog.new", new as f64));
    }
    if newest.is_some() {
        *seen = newest.max(*seen);
    } else if seen.is_none() {
        *seen = Some(-1);
    }
    Ok(reading)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: &str = "# Memory\r\nused_memory:1000\r\nmaxmemory:4000\r\nmem_fragmentation_ratio:1.5\r\n\
        # Clients\r\nconnected_clients:7\r\nblocked_clients:1\r\n# Stats\r\ntotal_commands_processed:500\r\n\
        keyspace_hits:90\r\nkeyspace_misses:10\r\nrejected_connections:0\r\n# Persistence\r\nrdb_last_save_time:1000\r\n\
        # Replication\r\nrole:master\r\nconnected_slaves:0\r\n# Keyspace\r\ndb0:keys=12,expires=1,avg_ttl=0\r\n\
        db3:keys=4,expires=0,avg_ttl=0\r\n";

    fn gauge(reading: &Reading, name: &str) -> Option<f64> {
        reading.gauges.iter().find(|g| g.name == name).map(|g| g.value)
    }

    #[test]
    fn info_becomes_gauges_and_counters() {
        let reading = reading_of(&parse_info(INFO), 1060);
        assert_eq!(gauge(&reading, "redis.memory.used_pct"), Some(25.0));
        assert_eq!(gauge(&reading, "redis.clients.connected"), Some(7.0));
        assert_eq!(gauge(&reading, "redis.last_save_age_s"), Some(60.0));
        assert_eq!(gauge(&reading, "redis.is_replica"), Some(0.0));
        let keys: Vec<(String, f64)> = reading
            .gauges
            .iter()
            .filter(|g| g.name == "redis.keys")
            .map(|g| (g.labels["db"].clone(), g.value))
            .collect();
        assert_eq!(keys, vec![("db0".to_string(), 12.0), ("db3".to_string(), 4.0)]);
        assert!(
            reading
                .counters
                .iter()
                .any(|c| c.name == "redis.hits_per_s" && c.value == 90.0)
        );
    }

    #[test]
    fn no_maxmemory_means_no_percentage() {
        let info = INFO.replace("maxmemory:4000", "maxmemory:0");
        let reading = reading_of(&parse_info(&info), 1060);
        assert_eq!(gauge(&reading, "redis.memory.used_pct"), None);
        assert_eq!(gauge(&reading, "redis.memory.max_bytes"), Some(0.0));
    }
}
