//! The sealed columns as stored: checked and brought up to date at start-up
//! (values stored unencrypted, from before encryption, are sealed then) and
//! re-sealed under the current key by `opsdeck secrets rotate`.

use sqlx::PgConnection;

use super::{COLUMNS, Column, Keyring, OpenError, sealed_parts};

/// What `reseal` does with a value sealed under an old key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reseal {
    /// Start-up: seal plaintext, leave old-key values (they still open).
    PlaintextOnly,
    /// Rotation: every value not under the current key is sealed anew.
    All,
}

/// How many values `reseal` found and changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resealed {
    /// Values found in every sealed column.
    pub values: u64,
    /// Plaintext values now sealed.
    pub were_plaintext: u64,
    /// Values under an old key now sealed under the current one.
    pub were_old_key: u64,
    /// Values still under an old key (`PlaintextOnly` leaves them).
    pub old_key_left: u64,
}

/// A stored value that no configured key opens.
#[derive(Debug, thiserror::Error)]
pub enum ResealError {
    #[error("{table}.{column} of row {id}: {problem}")]
    Unreadable {
        table: &'static str,
        column: &'static str,
        id: i64,
        problem: OpenError,
    },
    #[error("reading or writing the stored secrets: {0}")]
    Database(#[from] sqlx::Error),
}

/// Checks that every stored value opens with `keys`, and seals anew what
/// `mode` says, in the caller's transaction (rows locked, so two instances
/// starting at once do not both seal a row). A value no key opens stops
/// it: Opsdeck would fail later, at a backup or a notification.
pub async fn reseal(conn: &mut PgConnection, keys: &Keyring, mode: Reseal) -> Result<Resealed, ResealError> {
    let mut done = Resealed::default();
    for column in COLUMNS {
        for (id, stored) in rows(conn, column).await? {
            done.values += 1;
            let plain = match keys.open(column, &stored) {
                Ok(plain) => plain,
                Err(OpenError::Plaintext) if sealed_parts(&stored).is_none() => {
                    done.were_plaintext += 1;
                    write(conn, column, id, &keys.seal(column, &stored)).await?;
                    continue;
                }
                Err(problem) => {
                    return Err(ResealError::Unreadable {
                        table: column.table,
                        column: column.column,
                        id,
                        problem,
                    });
                }
            };
            if keys.is_current(&stored) {
                continue;
            }
            match mode {
                Reseal::All => {
                    done.were_old_key += 1;
                    write(conn, column, id, &keys.seal(column, &plain)).await?;
                }
                Reseal::PlaintextOnly => done.old_key_left += 1,
            }
        }
    }
    Ok(done)
}

async fn rows(conn: &mut PgConnection, column: Column) -> sqlx::Result<Vec<(i64, String)>> {
    // Table and column names come from `COLUMNS`, never from input.
    let sql = format!(
        "SELECT id, {c} FROM {t} WHERE {c} IS NOT NULL ORDER BY id FOR UPDATE",
        c = column.column,
        t = column.table
    );
    sqlx::query_as(&sql).fetch_all(conn).await
}

async fn write(conn: &mut PgConnection, column: Column, id: i64, sealed: &str) -> sqlx::Result<()> {
    let sql = format!("UPDATE {} SET {} = $2 WHERE id = $1", column.table, column.column);
    sqlx::query(&sql).bind(id).bind(sealed).execute(conn).await?;
    Ok(())
}
