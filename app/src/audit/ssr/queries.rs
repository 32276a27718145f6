//! Reading the audit log: the filtered newest-first list with keyset paging
//! on `id`, one entry, and the query the CSV export streams.
//!
//! Paging never uses OFFSET: a page is `id < cursor ORDER BY id DESC LIMIT 51`
//! (or `id > cursor ORDER BY id ASC` going back towards the newest), which an
//! index answers in the same time on page 1 and page 20,000. The 51st row only
//! says whether another page exists. With a time range the order is
//! `(at, id)` instead and the cursor entry's `at` is looked up, so the
//! `(at DESC, id DESC)` index starts at the range's end (or the cursor)
//! rather than walking every newer id: a range deep in history reads only
//! its own page.

use sqlx::{PgConnection, Postgres, QueryBuilder};

use crate::audit::{AuditEntry, AuditPage, AuditQuery, Cursor, EntryDetails, Outcome};

pub const PAGE_SIZE: usize = 50;

/// The text free-text search looks in. Must stay identical to the expression
/// of `audit_log_search_idx` (migration `…_audit_log_search.sql`), or the
/// trigram index goes unused.
pub const SEARCH_TEXT: &str = "(action || ' ' || coalesce(actor_email, '') || ' ' || coalesce(target_id, '') || ' ' \
                               || coalesce(before::text, '') || ' ' || coalesce(after::text, ''))";

const COLUMNS: &str = "id, at, actor_id, actor_email, actor_role, action, target_type, target_id, outcome, \
                       client_ip, user_agent, request_id, before, after, prev_hash, hash";

/// Rows are read as stored (the chain's own type), then shaped for the page.
pub use super::StoredEntry as EntryRow;

impl super::StoredEntry {
    pub fn into_entry(self) -> Result<AuditEntry, sqlx::Error> {
        // The table's CHECK constraint makes this unreachable short of a schema change.
        let outcome = Outcome::parse(&self.outcome)
            .ok_or_else(|| sqlx::Error::Decode(format!("audit_log.outcome {:?} is not known", self.outcome).into()))?;
        Ok(AuditEntry {
            head: self.head,
            outcome,
            request_id: self.request_id,
            details: Some(EntryDetails {
                client_ip: self.client_ip,
                user_agent: self.user_agent,
                before: self.before,
                after: self.after,
            }),
        })
    }
}

/// One page of entries matching `query`, newest first.
#[tracing::instrument(skip(conn), err)]
pub async fn list(conn: &mut PgConnection, query: &AuditQuery) -> Result<AuditPage, sqlx::Error> {
    let mut sql = select_matching(query);
    let towards_newest = matches!(query.cursor, Some(Cursor::Newer(_)));
    let key = SortKey::of(query);
    if let Some(Cursor::Older(id) | Cursor::Newer(id)) = query.cursor {
        sql.push(format!(
            " AND {} {} ",
            key.columns(),
            if towards_newest { ">" } else { "<" }
        ));
        match key {
            SortKey::Id => sql.push_bind(id),
            SortKey::AtId => sql
                .push("((SELECT at FROM audit_log WHERE id = ")
                .push_bind(id)
                .push("), ")
                .push_bind(id)
                .push(")"),
        };
    }
    sql.push(key.order_by(towards_newest));
    sql.push(format!(" LIMIT {}", PAGE_SIZE + 1));
    // Not kept as a prepared statement: each filter combination is its own
    // SQL, and a custom plan sees the actual values (the search pattern's
    // selectivity decides between the trigram index and the id index).
    let rows: Vec<EntryRow> = sql.build_query_as().persistent(false).fetch_all(&mut *conn).await?;
    let more = rows.len() > PAGE_SIZE;
    let mut entries = rows
        .into_iter()
        .take(PAGE_SIZE)
        .map(EntryRow::into_entry)
        .collect::<Result<Vec<_>, _>>()?;
    if towards_newest {
        entries.reverse();
    }
    let newest = entries.first().map(|e| e.head.id);
    let oldest = entries.last().map(|e| e.head.id);
    // A cursor came from a neighbouring page, so that side has entries.
    let (older, newer) = match query.cursor {
        None => (oldest.filter(|_| more), None),
        Some(Cursor::Older(_)) => (oldest.filter(|_| more), newest),
        Some(Cursor::Newer(_)) => (oldest, newest.filter(|_| more)),
    };
    Ok(AuditPage { entries, older, newer })
}

/// One entry by id.
#[tracing::instrument(skip(conn), err)]
pub async fn entry(conn: &mut PgConnection, id: i64) -> Result<Option<AuditEntry>, sqlx::Error> {
    let row: Option<EntryRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM audit_log WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(EntryRow::into_entry).transpose()
}

/// Every entry matching `query` (cursors ignored), newest first: run it with
/// `build_query_as::<EntryRow>().fetch(…)` to stream the rows.
pub fn export_query(query: &AuditQuery) -> QueryBuilder<'static, Postgres> {
    let mut sql = select_matching(query);
    sql.push(SortKey::of(query).order_by(false));
    sql
}

/// What a list is ordered (and paged) by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SortKey {
    Id,
    /// With a time range: the `(at DESC, id DESC)` index.
    AtId,
}

impl SortKey {
    fn of(query: &AuditQuery) -> Self {
        if query.from.is_some() || query.until.is_some() {
            SortKey::AtId
        } else {
            SortKey::Id
        }
    }

    fn columns(self) -> &'static str {
        match self {
            SortKey::Id => "id",
            SortKey::AtId => "(at, id)",
        }
    }

    fn order_by(self, ascending: bool) -> &'static str {
        match (self, ascending) {
            (SortKey::Id, false) => " ORDER BY id DESC",
            (SortKey::Id, true) => " ORDER BY id ASC",
            (SortKey::AtId, false) => " ORDER BY at DESC, id DESC",
            (SortKey::AtId, true) => " ORDER BY at ASC, id ASC",
        }
    }
}

/// `SELECT … FROM audit_log WHERE <filters>`; callers append more conditions.
fn select_matching(query: &AuditQuery) -> QueryBuilder<'static, Postgres> {
    let mut sql = QueryBuilder::new(format!("SELECT {COLUMNS} FROM audit_log WHERE TRUE"));
    if let Some(from) = query.from {
        sql.push(" AND at >= ").push_bind(from);
    }
    if let Some(until) = query.until {
        sql.push(" AND at < ").push_bind(until);
    }
    if let Some(actor) = &query.actor {
        // Matches audit_log_actor_idx on lower(actor_email); `actor` is lower-cased already.
        sql.push(" AND lower(actor_email) = ").push_bind(actor.clone());
    }
    if let Some(action) = &query.action {
        sql.push(" AND action = ").push_bind(action.clone());
    }
    if let Some(target_type) = &query.target_type {
        sql.push(" AND target_type = ").push_bind(target_type.clone());
    }
    if let Some(target_id) = &query.target_id {
        sql.push(" AND target_id = ").push_bind(target_id.clone());
    }
    if let Some(outcome) = query.outcome {
        sql.push(" AND outcome = ").push_bind(outcome.as_str());
    }
    if let Some(text) = &query.text {
        sql.push(format!(" AND {SEARCH_TEXT} ILIKE "))
            .push_bind(crate::sql::contains_pattern(text));
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_bound_parameters_not_sql() {
        let query = AuditQuery {
            actor: Some("x' OR '1'='1".into()),
            text: Some("role".into()),
            outcome: Some(Outcome::Denied),
            ..AuditQuery::default()
        };
        let sql = select_matching(&query).into_sql();
        assert!(!sql.contains("OR '1'"), "{sql}");
        assert!(sql.contains("lower(actor_email) = $1"), "{sql}");
        assert!(sql.contains("outcome = $2"), "{sql}");
        assert!(sql.contains(&format!("{SEARCH_TEXT} ILIKE $3")), "{sql}");
    }
}
