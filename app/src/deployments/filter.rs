//! The Deployments page's query: what the filter form and the table's links
//! put in the URL ([`DeploymentFilter`], raw text) and what the queries run
//! on ([`DeploymentQuery`], parsed). Parsing happens on the server, so a
//! hand-edited URL gets the same field error as the form.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::DeploymentStatus;
use crate::error::AppError;
use crate::url::present;

/// Longest accepted service or environment filter.
const MAX_FILTER_CHARS: usize = 200;
/// Deepest page offered (keeps OFFSET cheap and URLs sane).
const MAX_PAGE: u32 = 10_000;

/// The query as it stands in the URL; blank means "no filter".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeploymentFilter {
    pub service: Option<String>,
    pub environment: Option<String>,
    pub status: Option<String>,
    /// `24h`, `7d`, `30d`, `90d`, `custom` (use `from`/`to`) or blank for all time.
    pub range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub sort: Option<String>,
    /// `asc` or `desc`.
    pub dir: Option<String>,
    /// Zero-based page number.
    pub page: Option<String>,
}

/// `[from, until)`, each side optional.
type Bounds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The time ranges the filter offers.
pub const RANGES: [(&str, &str); 6] = [
    ("", "All time"),
    ("24h", "Last 24 hours"),
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("90d", "Last 90 days"),
    ("custom", "Custom (from / to)"),
];

/// The columns the table sorts by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortKey {
    #[default]
    Started,
    Service,
    Version,
    Environment,
    Status,
}

impl SortKey {
    pub const ALL: [SortKey; 5] = [
        SortKey::Started,
        SortKey::Service,
        SortKey::Version,
        SortKey::Environment,
        SortKey::Status,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Started => "started",
            SortKey::Service => "service",
            SortKey::Version => "version",
            SortKey::Environment => "environment",
            SortKey::Status => "status",
        }
    }

    pub fn parse(value: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|key| key.as_str() == value)
    }

    /// Newest first for time; A to Z for the rest.
    pub fn default_descending(self) -> bool {
        self == SortKey::Started
    }
}

/// A parsed query. Times are a half-open range `[from, until)` on the start time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeploymentQuery {
    pub service: Option<String>,
    pub environment: Option<String>,
    pub status: Option<DeploymentStatus>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub sort: SortKey,
    pub descending: bool,
    pub page: u32,
}

impl DeploymentFilter {
    /// Parses every field at `now`, naming the first bad one.
    pub fn parse(&self, now: DateTime<Utc>) -> Result<DeploymentQuery, AppError> {
        let status = present(&self.status)
            .map(|v| {
                DeploymentStatus::parse(v)
                    .ok_or_else(|| AppError::validation("status", "must be started, succeeded, failed or rolled_back"))
            })
            .transpose()?;
        let (from, until) = self.time_range(now)?;
        let sort = match present(&self.sort) {
            None => SortKey::default(),
            Some(v) => SortKey::parse(v).ok_or_else(|| {
                AppError::validation("sort", "must be started, service, version, environment or status")
            })?,
        };
        let descending = match present(&self.dir) {
            None => sort.default_descending(),
            Some("asc") => false,
            Some("desc") => true,
            Some(_) => return Err(AppError::validation("dir", "must be asc or desc")),
        };
        let page = match present(&self.page) {
            None => 0,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|page| *page <= MAX_PAGE)
                .ok_or_else(|| AppError::validation("page", "must be a page number"))?,
        };
        Ok(DeploymentQuery {
            service: text("service", &self.service)?,
            environment: text("environment", &self.environment)?,
            status,
            from,
            until,
            sort,
            descending,
            page,
        })
    }

    fn time_range(&self, now: DateTime<Utc>) -> Result<Bounds, AppError> {
        let span = match present(&self.range) {
            Some("24h") => Some(Duration::hours(24)),
            Some("7d") => Some(Duration::days(7)),
            Some("30d") => Some(Duration::days(30)),
            Some("90d") => Some(Duration::days(90)),
            Some("custom") | None => None,
            Some(_) => return Err(AppError::validation("range", "must be 24h, 7d, 30d, 90d or custom")),
        };
        if let Some(span) = span {
            return Ok((Some(now - span), None));
        }
        crate::audit::filter::time_bounds(&self.from, &self.to)
    }

    /// The filter fields (no sort, no page) as query pairs.
    fn filter_pairs(&self) -> Vec<(&'static str, &Option<String>)> {
        let custom = matches!(present(&self.range), None | Some("custom"));
        let mut pairs = vec![
            ("service", &self.service),
            ("environment", &self.environment),
            ("status", &self.status),
            ("range", &self.range),
        ];
        if custom {
            pairs.push(("from", &self.from));
            pairs.push(("to", &self.to));
        }
        pairs
    }

    /// `/deployments?…` for `page` of this filter and sort.
    pub fn href(&self, page: u32) -> String {
        let page = (page > 0).then(|| page.to_string());
        let mut pairs = self.filter_pairs();
        pairs.push(("sort", &self.sort));
        pairs.push(("dir", &self.dir));
        pairs.push(("page", &page));
        with_path(crate::url::query_string(&pairs))
    }

    /// The first page sorted by `key`: the other direction when it already
    /// is, its natural direction otherwise.
    pub fn sorted_href(&self, key: SortKey, current: SortKey, descending: bool) -> String {
        let descending = if key == current {
            !descending
        } else {
            key.default_descending()
        };
        let sort = Some(key.as_str().to_string());
        let dir = Some(if descending { "desc" } else { "asc" }.to_string());
        let mut pairs = self.filter_pairs();
        pairs.push(("sort", &sort));
        pairs.push(("dir", &dir));
        with_path(crate::url::query_string(&pairs))
    }

    /// Whether any filter (not sort or page) is set.
    pub fn is_filtered(&self) -> bool {
        !crate::url::query_string(&self.filter_pairs()).is_empty()
    }
}

fn with_path(query: String) -> String {
    if query.is_empty() {
        "/deployments".to_string()
    } else {
        format!("/deployments?{query}")
    }
}

fn text(field: &str, value: &Option<String>) -> Result<Option<String>, AppError> {
    match present(value) {
        Some(v) if v.chars().count() > MAX_FILTER_CHARS || v.chars().any(char::is_control) => Err(
            AppError::validation(field, format!("must be at most {MAX_FILTER_CHARS} characters of text")),
        ),
        other => Ok(other.map(str::to_string)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::{at, invalid_field};

    fn now() -> DateTime<Utc> {
        at("2026-11-24T10:00:00Z")
    }

    fn filter(set: impl FnOnce(&mut DeploymentFilter)) -> DeploymentFilter {
        let mut filter = DeploymentFilter::default();
        set(&mut filter);
        filter
    }

    #[test]
    fn an_empty_filter_is_everything_newest_first() {
        let query = DeploymentFilter::default().parse(now()).expect("parses");
        assert_eq!(
            query,
            DeploymentQuery {
                descending: true,
                ..Default::default()
            }
        );
    }

    #[test]
    fn ranges_and_custom_times_bound_the_start() {
        let query = filter(|f| f.range = Some("7d".into())).parse(now()).expect("parses");
        assert_eq!((query.from, query.until), (Some(now() - Duration::days(7)), None));
        let query = filter(|f| {
            f.range = Some("custom".into());
            f.from = Some("2026-11-20".into());
            f.to = Some("2026-11-21".into());
        })
        .parse(now())
        .expect("parses");
        assert_eq!(
            query.from.map(|t| t.to_rfc3339()),
            Some("2026-11-20T00:00:00+00:00".into())
        );
        assert_eq!(
            query.until.map(|t| t.to_rfc3339()),
            Some("2026-11-22T00:00:00+00:00".into())
        );
    }

    #[test]
    fn bad_fields_are_named() {
        assert_eq!(
            invalid_field(filter(|f| f.status = Some("done".into())).parse(now())),
            "status"
        );
        assert_eq!(
            invalid_field(filter(|f| f.range = Some("1y".into())).parse(now())),
            "range"
        );
        assert_eq!(
            invalid_field(filter(|f| f.from = Some("soon".into())).parse(now())),
            "from"
        );
        assert_eq!(
            invalid_field(
                filter(|f| {
                    f.from = Some("2026-11-21".into());
                    f.to = Some("2026-11-20".into());
                })
                .parse(now())
            ),
            "to"
        );
        assert_eq!(
            invalid_field(filter(|f| f.sort = Some("id; drop".into())).parse(now())),
            "sort"
        );
        assert_eq!(invalid_field(filter(|f| f.dir = Some("up".into())).parse(now())), "dir");
        assert_eq!(
            invalid_field(filter(|f| f.page = Some("-1".into())).parse(now())),
            "page"
        );
        assert_eq!(
            invalid_field(filter(|f| f.service = Some("s".repeat(201))).parse(now())),
            "service"
        );
    }

    #[test]
    fn links_keep_the_filter_and_toggle_the_sort() {
        let f = filter(|f| {
            f.service = Some("e2e shop".into());
            f.range = Some("7d".into());
            f.from = Some("ignored without custom".into());
            f.page = Some("3".into());
        });
        assert_eq!(f.href(1), "/deployments?service=e2e%20shop&range=7d&page=1");
        assert_eq!(f.href(0), "/deployments?service=e2e%20shop&range=7d");
        assert_eq!(
            f.sorted_href(SortKey::Started, SortKey::Started, true),
            "/deployments?service=e2e%20shop&range=7d&sort=started&dir=asc"
        );
        assert_eq!(
            f.sorted_href(SortKey::Service, SortKey::Started, true),
            "/deployments?service=e2e%20shop&range=7d&sort=service&dir=asc"
        );
        assert!(f.is_filtered());
        assert!(!DeploymentFilter::default().is_filtered());
        assert_eq!(DeploymentFilter::default().href(0), "/deployments");
    }
}
