//! A Postgres server's statistics, as pgMonitor and pgwatch read them:
//! sessions by state and their longest transactions, lock waits, the
//! connected database's transactions, blocks, rows, deadlocks and temp
//! bytes (counters), its size, transaction-ID wraparound, replication and
//! slots, checkpoints. Every query reads a `pg_stat_*` view or a catalog:
//! nothing is ever reset, and the collector's own session is left out.
//!
//! Counters are the connected database's (`pg_stat_database` of
//! `current_database()`): summed over a server's databases they would go
//! down whenever one is dropped. Wraparound and sessions are the server's.

use sqlx::PgConnection;

use super::{Ratio, Reading, Value};

/// Sessions by state, their longest transaction and idle-in-transaction
/// times, and the sessions blocked by another's lock.
const SESSIONS: &str = "SELECT \
     count(*) FILTER (WHERE state = 'active' AND wait_event_type IS DISTINCT FROM 'Lock')::float8, \
     count(*) FILTER (WHERE state = 'idle')::float8, \
     count(*) FILTER (WHERE state LIKE 'idle in transaction%')::float8, \
     count(*) FILTER (WHERE wait_event_type = 'Lock')::float8, \
     count(*)::float8, \
     current_setting('max_connections')::float8, \
     coalesce(max(extract(epoch FROM now() - xact_start)), 0)::float8, \
     coalesce(max(extract(epoch FROM now() - state_change)) FILTER (WHERE state LIKE 'idle in transaction%'), 0)::float8, \
     count(*) FILTER (WHERE cardinality(pg_blocking_pids(pid)) > 0)::float8 \
   FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()";

const DATABASE: &str = "SELECT datname::text, xact_commit::float8, xact_rollback::float8, blks_hit::float8, \
     blks_read::float8, deadlocks::float8, temp_bytes::float8, tup_fetched::float8, tup_inserted::float8, \
     tup_updated::float8, tup_deleted::float8, pg_database_size(datname)::float8 \
   FROM pg_stat_database WHERE datname = current_database()";

/// The oldest unfrozen transaction ID's age as a percentage of the 2^31 limit.
const WRAPAROUND: &str =
    "SELECT coalesce(max(age(datfrozenxid))::float8 / 2147483647 * 100, 0) FROM pg_database WHERE datallowconn";

const REPLICAS: &str = "SELECT coalesce(nullif(application_name, ''), 'replica') || '@' || coalesce(client_addr::text, 'local'), \
     coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::float8, \
     coalesce(extract(epoch FROM replay_lag), 0)::float8 \
   FROM pg_stat_replication";

const SLOTS: &str = "SELECT slot_name::text, active, coalesce(pg_wal_lsn_diff( \
     CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END, restart_lsn), 0)::float8 \
   FROM pg_replication_slots";

type Sessions = (f64, f64, f64, f64, f64, f64, f64, f64, f64);
type Database = (String, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64);

/// Reads the server `conn` is connected to (within the caller's timeout).
pub async fn read(conn: &mut PgConnection) -> sqlx::Result<Reading> {
    let mut reading = Reading::default();
    read_sessions(conn, &mut reading).await?;
    read_database(conn, &mut reading).await?;
    let wraparound: f64 = sqlx::query_scalar(WRAPAROUND).fetch_one(&mut *conn).await?;
    reading.gauges.push(Value::new("pg.wraparound_pct", wraparound));
    read_replication(conn, &mut reading).await?;
    read_checkpoints(conn, &mut reading).await?;
    reading.gauges.push(Value::new("pg.up", 1.0));
    Ok(reading)
}

async fn read_sessions(conn: &mut PgConnection, reading: &mut Reading) -> sqlx::Result<()> {
    let (active, idle, idle_tx, waiting, total, max, longest, longest_idle_tx, blocked): Sessions =
        sqlx::query_as(SESSIONS).fetch_one(&mut *conn).await?;
    let by_state = [
        ("active", active),
        ("idle", idle),
        ("idle_in_transaction", idle_tx),
        ("waiting", waiting),
    ];
    for (state, count) in by_state {
        reading
            .gauges
            .push(Value::labelled("pg.connections", "state", state, count));
    }
    // The collector's own session counts against max_connections too.
    let used = total + 1.0;
    reading.gauges.extend([
        Value::new("pg.connections.total", used),
        Value::new("pg.connections.max", max),
        Value::new(
            "pg.connections.used_pct",
            if max > 0.0 { used / max * 100.0 } else { 0.0 },
        ),
        Value::new("pg.transaction.longest_s", longest),
        Value::new("pg.idle_in_transaction.longest_s", longest_idle_tx),
        Value::new("pg.sessions.blocked", blocked),
    ]);
    let waiting_locks: f64 = sqlx::query_scalar("SELECT count(*)::float8 FROM pg_locks WHERE NOT granted")
        .fetch_one(&mut *conn)
        .await?;
    reading.gauges.push(Value::new("pg.locks.waiting", waiting_locks));
    Ok(())
}

async fn read_database(conn: &mut PgConnection, reading: &mut Reading) -> sqlx::Result<()> {
    let Some(row): Option<Database> = sqlx::query_as(DATABASE).fetch_optional(&mut *conn).await? else {
        return Ok(());
    };
    let (name, commits, rollbacks, hit, read, deadlocks, temp, fetched, inserted, updated, deleted, size) = row;
    reading.counters.extend([
        Value::new("pg.commits_per_s", commits),
        Value::new("pg.rollbacks_per_s", rollbacks),
        Value::new("pg.blocks_hit_per_s", hit),
        Value::new("pg.blocks_read_per_s", read),
        Value::new("pg.deadlocks_per_s", deadlocks),
        Value::new("pg.temp_bytes_per_s", temp),
        Value::labelled("pg.rows_per_s", "op", "fetched", fetched),
        Value::labelled("pg.rows_per_s", "op", "inserted", inserted),
        Value::labelled("pg.rows_per_s", "op", "updated", updated),
        Value::labelled("pg.rows_per_s", "op", "deleted", deleted),
    ]);
    reading.ratios.push(Ratio {
        name: "pg.cache_hit_ratio",
        part: "pg.blocks_hit_per_s",
        rest: "pg.blocks_read_per_s",
    });
    reading
        .gauges
        .push(Value::labelled("pg.database.size_bytes", "database", &name, size));
    Ok(())
}

async fn read_replication(conn: &mut PgConnection, reading: &mut Reading) -> sqlx::Result<()> {
    let in_recovery: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
        .fetch_one(&mut *conn)
        .await?;
    if in_recovery {
        let delay: f64 = sqlx::query_scalar(
            "SELECT coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)::float8",
        )
        .fetch_one(&mut *conn)
        .await?;
        reading.gauges.push(Value::new("pg.replica.replay_delay_s", delay));
    } else {
        let replicas: Vec<(String, f64, f64)> = sqlx::query_as(REPLICAS).fetch_all(&mut *conn).await?;
        for (replica, bytes, seconds) in &replicas {
            reading
                .gauges
                .push(Value::labelled("pg.replication.lag_bytes", "replica", replica, *bytes));
            reading
                .gauges
                .push(Value::labelled("pg.replication.lag_s", "replica", replica, *seconds));
        }
        reading.gauges.push(Value::new("pg.replicas", replicas.len() as f64));
    }
    let slots: Vec<(String, bool, f64)> = sqlx::query_as(SLOTS).fetch_all(&mut *conn).await?;
    let inactive = slots.iter().filter(|(_, active, _)| !active).count();
    reading.gauges.push(Value::new("pg.slots.inactive", inactive as f64));
    for (slot, _, retained) in &slots {
        reading
            .gauges
            .push(Value::labelled("pg.slot.retained_bytes", "slot", slot, *retained));
    }
    Ok(())
}

async fn read_checkpoints(conn: &mut PgConnection, reading: &mut Reading) -> sqlx::Result<()> {
    let version: i32 = sqlx::query_scalar("SELECT current_setting('server_version_num')::int")
        .fetch_one(&mut *conn)
        .await?;
    // Postgres 17 moved the checkpoint counters to their own view.
    let query = if version >= 170_000 {
        "SELECT num_timed::float8, num_requested::float8 FROM pg_stat_checkpointer"
    } else {
        "SELECT checkpoints_timed::float8, checkpoints_req::float8 FROM pg_stat_bgwriter"
    };
    let (timed, requested): (f64, f64) = sqlx::query_as(query).fetch_one(&mut *conn).await?;
    reading.counters.extend([
        Value::labelled("pg.checkpoints_per_s", "kind", "timed", timed),
        Value::labelled("pg.checkpoints_per_s", "kind", "requested", requested),
    ]);
    Ok(())
}
