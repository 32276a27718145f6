//! The candidate index sets and the queries each is timed with (see the
//! benchmark's header for the SQL each needs).

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool, QueryBuilder};

use crate::common::{BenchApp, machine_load, percentile, print_table};
use crate::{COMMON, FIELDS, RARE};
use app::logs::query::Query;
use app::logs::search::{LogFilter, PAGE_SIZE};
use app::logs::ssr::search::{self, Span};
use app::logs::ssr::{LINE_COLUMNS, Row};
use app::logs::{LogLine, ssr::page};

/// Runs per measurement, unless they take longer than `BUDGET` (then at least `MIN_RUNS`).
const RUNS: usize = 20;
const MIN_RUNS: usize = 5;
const BUDGET: std::time::Duration = std::time::Duration::from_secs(30);
/// The first slice of the sliced search; each next one is twice as long.
const FIRST_SLICE_MINUTES: i64 = 5;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Trigram,
    Tsvector,
    Brin,
}

impl Variant {
    pub const ALL: [Variant; 3] = [Variant::Trigram, Variant::Tsvector, Variant::Brin];

    pub fn name(self) -> &'static str {
        match self {
            Variant::Trigram => "(a) B-trees + trigram GIN on body",
            Variant::Tsvector => "(b) B-trees + GIN on to_tsvector('simple', body)",
            Variant::Brin => "(c) no body index; BRIN on ts instead of the (ts, id) B-tree",
        }
    }

    pub fn build(self) -> &'static [&'static str] {
        match self {
            Variant::Trigram => &["CREATE INDEX log_lines_body_trgm_idx ON log_lines USING gin (body gin_trgm_ops)"],
            Variant::Tsvector => {
                &["CREATE INDEX log_lines_body_tsv_idx ON log_lines USING gin (to_tsvector('simple', body))"]
            }
            Variant::Brin => &[
                "CREATE INDEX log_lines_ts_brin_idx ON log_lines USING brin (ts)",
                "DROP INDEX log_lines_ts_idx",
            ],
        }
    }

    pub fn drop(self) -> &'static [&'static str] {
        match self {
            Variant::Trigram => &["DROP INDEX log_lines_body_trgm_idx"],
            Variant::Tsvector => &["DROP INDEX log_lines_body_tsv_idx"],
            Variant::Brin => &[],
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Page(&'static str),
    Histogram(&'static str),
    /// What the Logs page calls: `logs::ssr::page::search` (page + histogram).
    WholeSearch(&'static str),
}

const KINDS: [(&str, Kind); 8] = [
    ("rare word: page", Kind::Page(RARE)),
    ("rare word: histogram", Kind::Histogram(RARE)),
    ("common word: first page", Kind::Page(COMMON)),
    ("service:checkout level>=error: first page", Kind::Page(FIELDS)),
    ("every line: histogram", Kind::Histogram("")),
    ("rare word: page::search (page + histogram)", Kind::WholeSearch(RARE)),
    ("common word: page::search", Kind::WholeSearch(COMMON)),
    ("service:checkout level>=error: page::search", Kind::WholeSearch(FIELDS)),
];

/// One query's timings.
pub struct Measured {
    what: &'static str,
    /// Lines on the page, or matches counted by the histogram.
    found: i64,
    sorted_ms: Vec<f64>,
}

/// Times every query `variant` is measured with.
pub async fn queries(app: &BenchApp, pool: &PgPool, variant: Variant, span: Span) -> Vec<Measured> {
    let step = app::metrics::window::window_for(&Some("24h".into()), &None, &None, span.to)
        .expect("24 h window")
        .step;
    let mut out = Vec::new();
    for (what, kind) in KINDS {
        if matches!(kind, Kind::WholeSearch(_)) && variant != Variant::Trigram {
            continue;
        }
        let mut conn = pool.acquire().await.expect("connection");
        let found = once(app, &mut conn, variant, kind, span, step).await; // warm-up, not counted
        let started = Instant::now();
        let mut times = Vec::new();
        while times.len() < RUNS && (times.len() < MIN_RUNS || started.elapsed() < BUDGET) {
            let run = Instant::now();
            once(app, &mut conn, variant, kind, span, step).await;
            times.push(run.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{what}: found {found}, p50 {:.1} ms, p95 {:.1} ms over {} runs ({})",
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            times.len(),
            machine_load()
        );
        out.push(Measured {
            what,
            found,
            sorted_ms: times,
        });
    }
    out
}

/// One run of `kind`: the lines on the page or the matches in the histogram.
async fn once(
    app: &BenchApp,
    conn: &mut PgConnection,
    variant: Variant,
    kind: Kind,
    span: Span,
    step: Duration,
) -> i64 {
    let parse = |q: &str| Query::parse(q).expect("query parses");
    let limit = PAGE_SIZE + 1;
    match (kind, variant) {
        (Kind::WholeSearch(q), _) => {
            let filter = LogFilter {
                q: Some(q.to_string()),
                range: Some("24h".into()),
                from: None,
                to: None,
                before: None,
            };
            let found = page::search(&app.state, &filter).await.expect("search");
            found.lines.len() as i64
        }
        (Kind::Page(q), Variant::Trigram) => len(search::page(conn, &parse(q), span, None, limit).await),
        (Kind::Page(q), Variant::Brin) => sliced(conn, &parse(q), span, limit).await,
        (Kind::Page(q), Variant::Tsvector) if q != FIELDS => len(tsv_page(conn, q, span, limit).await),
        (Kind::Page(q), Variant::Tsvector) => len(search::page(conn, &parse(q), span, None, limit).await),
        (Kind::Histogram(q), Variant::Tsvector) if !q.is_empty() => tsv_histogram(conn, q, span, step).await,
        (Kind::Histogram(q), _) => {
            let buckets = search::histogram(conn, &parse(q), span, step).await.expect("histogram");
            buckets.iter().map(|b| b.total()).sum()
        }
    }
}

fn len(lines: sqlx::Result<Vec<LogLine>>) -> i64 {
    lines.expect("page").len() as i64
}

/// (c): the app's `search::page` over slices of the range, newest first,
/// each twice as long as the one before, until `limit` lines are found.
async fn sliced(conn: &mut PgConnection, query: &Query, span: Span, limit: i64) -> i64 {
    let mut found = 0;
    let mut to = span.to;
    let mut width = Duration::minutes(FIRST_SLICE_MINUTES);
    while found < limit && to > span.from {
        let from = (to - width).max(span.from);
        let slice = Span { from, to };
        found += len(search::page(conn, query, slice, None, limit - found).await);
        to = from;
        width = width * 2;
    }
    found
}

/// (b): a page where the body has `word` as a token.
async fn tsv_page(conn: &mut PgConnection, word: &str, span: Span, limit: i64) -> sqlx::Result<Vec<LogLine>> {
    let mut sql = QueryBuilder::new(format!("SELECT {LINE_COLUMNS} FROM log_lines WHERE ts >= "));
    sql.push_bind(span.from)
        .push(" AND ts < ")
        .push_bind(span.to)
        .push(" AND to_tsvector('simple', body) @@ phraseto_tsquery('simple', ")
        .push_bind(word.to_string())
        .push(") ORDER BY ts DESC, id DESC LIMIT ")
        .push_bind(limit);
    let rows: Vec<Row> = sql.build_query_as().fetch_all(conn).await?;
    Ok(rows.into_iter().map(LogLine::from).collect())
}

/// (b): the histogram's query with the body matched through the `tsvector`.
async fn tsv_histogram(conn: &mut PgConnection, word: &str, span: Span, step: Duration) -> i64 {
    let rows: Vec<(DateTime<Utc>, i16, i64)> = sqlx::query_as(
        "SELECT date_bin($1::bigint * INTERVAL '1 second', ts, $2) AS bucket, severity, count(*) \
         FROM log_lines WHERE ts >= $2 AND ts < $3 \
         AND to_tsvector('simple', body) @@ phraseto_tsquery('simple', $4) GROUP BY 1, 2",
    )
    .bind(step.num_seconds())
    .bind(span.from)
    .bind(span.to)
    .bind(word)
    .fetch_all(conn)
    .await
    .expect("histogram");
    search::fill(span, step, &rows).iter().map(|b| b.total()).sum()
}

/// The query times of every variant, one table.
pub fn print(measured: &[(Variant, Vec<Measured>)]) {
    let mut rows = Vec::new();
    for (variant, results) in measured {
        for m in results {
            rows.push(vec![
                variant.name().chars().take(3).collect(),
                m.what.to_string(),
                m.found.to_string(),
                m.sorted_ms.len().to_string(),
                format!("{:.1}", percentile(&m.sorted_ms, 0.5)),
                format!("{:.1}", percentile(&m.sorted_ms, 0.95)),
            ]);
        }
    }
    print_table(&["index", "query (24 h)", "found", "runs", "p50 ms", "p95 ms"], &rows);
}
