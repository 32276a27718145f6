//! The boundary where a deployment from CI (JSON) or from the page (a form)
//! becomes a trusted record: [`NewDeployment::parse`] and [`Finish::parse`]
//! name every bad field, so the API answers 400 with them and the form shows
//! each message beside its field.

use chrono::{DateTime, Duration, Utc};

use super::DeploymentStatus;
use crate::audit::filter::parse_time;
use crate::error::{AppError, FieldErrors};

pub const MAX_SERVICE_CHARS: usize = 200;
pub const MAX_VERSION_CHARS: usize = 100;
pub const MAX_ENVIRONMENT_CHARS: usize = 50;
pub const MAX_COMMIT_CHARS: usize = 100;
pub const MAX_DEPLOYED_BY_CHARS: usize = 200;
pub const MAX_URL_CHARS: usize = 2000;
/// Clock skew tolerated for times in the future.
pub const MAX_FUTURE_MINUTES: i64 = 10;
/// The environment of a deployment that names none.
pub const DEFAULT_ENVIRONMENT: &str = "production";

/// A deployment as sent, every field as text; `None` or blank means absent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeploymentDraft {
    pub service: Option<String>,
    pub version: Option<String>,
    pub environment: Option<String>,
    pub commit: Option<String>,
    pub status: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub deployed_by: Option<String>,
    pub notes_url: Option<String>,
}

/// A valid deployment, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDeployment {
    pub service: String,
    pub version: String,
    pub environment: String,
    pub commit: Option<String>,
    pub status: DeploymentStatus,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// `None`: the recorder (user or API key) is named instead.
    pub deployed_by: Option<String>,
    pub notes_url: Option<String>,
}

impl NewDeployment {
    /// Checks every field and names every bad one (`AppError::Fields` when
    /// more than one is).
    pub fn parse(draft: &DeploymentDraft, now: DateTime<Utc>) -> Result<NewDeployment, AppError> {
        let mut errors = FieldErrors::default();
        let service = errors.take(required_text("service", &draft.service, MAX_SERVICE_CHARS));
        let version = errors.take(required_text("version", &draft.version, MAX_VERSION_CHARS));
        let environment = errors.take(match blank_to_none(&draft.environment) {
            None => Ok(DEFAULT_ENVIRONMENT.to_string()),
            Some(value) => environment(value),
        });
        let commit = errors.take(
            optional_text("commit", &draft.commit, MAX_COMMIT_CHARS).and_then(|commit| {
                if commit.as_deref().is_some_and(|c| c.chars().any(char::is_whitespace)) {
                    Err(AppError::validation("commit", "must not contain spaces"))
                } else {
                    Ok(commit)
                }
            }),
        );
        let status = errors.take(match blank_to_none(&draft.status) {
            None => Err(AppError::validation(
                "status",
                "is required: started, succeeded, failed or rolled_back",
            )),
            Some(value) => DeploymentStatus::parse(value)
                .ok_or_else(|| AppError::validation("status", "must be started, succeeded, failed or rolled_back")),
        });
        let started_at = errors.take(optional_time("started_at", &draft.started_at, now));
        let finished_at = errors.take(optional_time("finished_at", &draft.finished_at, now));
        // The finish time is checked against the status and the start only
        // when they read.
        let finished_at = match (status, finished_at) {
            (Some(status), Some(given)) if !status.is_final() => {
                if given.is_some() {
                    errors.note(AppError::validation(
                        "finished_at",
                        "must be empty while the deployment is started; finish it later",
                    ));
                }
                None
            }
            (Some(_), Some(given)) => {
                started_at.and_then(|started_at| errors.take(finish_time(given, started_at.unwrap_or(now), now)))
            }
            _ => None,
        };
        let deployed_by = errors.take(optional_text("deployed_by", &draft.deployed_by, MAX_DEPLOYED_BY_CHARS));
        let notes_url = errors.take(notes_url(&draft.notes_url));
        errors.check()?;
        // Every field read when no error was noted: the stand-ins are never used.
        Ok(NewDeployment {
            service: service.unwrap_or_default(),
            version: version.unwrap_or_default(),
            environment: environment.unwrap_or_default(),
            commit: commit.flatten(),
            status: status.unwrap_or(DeploymentStatus::Started),
            started_at: started_at.flatten().unwrap_or(now),
            finished_at,
            deployed_by: deployed_by.flatten(),
            notes_url: notes_url.flatten(),
        })
    }
}

/// How a started deployment ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finish {
    pub status: DeploymentStatus,
    /// `None`: when it is stored.
    pub finished_at: Option<DateTime<Utc>>,
    /// Replaces the notes link when given.
    pub notes_url: Option<String>,
}

impl Finish {
    /// Checks every field and names every bad one.
    pub fn parse(
        status: Option<&str>,
        finished_at: Option<&str>,
        notes: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Finish, AppError> {
        let own = |value: Option<&str>| value.map(str::to_string);
        let mut errors = FieldErrors::default();
        let status = errors.take(match blank_to_none(&own(status)) {
            None => Err(AppError::validation(
                "status",
                "is required: succeeded, failed or rolled_back",
            )),
            Some(value) => DeploymentStatus::parse(value)
                .filter(|status| status.is_final())
                .ok_or_else(|| AppError::validation("status", "must be succeeded, failed or rolled_back")),
        });
        let finished_at = errors.take(optional_time("finished_at", &own(finished_at), now));
        let notes_url = errors.take(notes_url(&own(notes)));
        errors.check()?;
        Ok(Finish {
            status: status.unwrap_or(DeploymentStatus::Succeeded),
            finished_at: finished_at.flatten(),
            notes_url: notes_url.flatten(),
        })
    }

    /// The finish time for a deployment started at `started_at`.
    pub fn time(&self, started_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<DateTime<Utc>, AppError> {
        finish_time(self.finished_at, started_at, now)
    }
}

/// A given finish time must not precede the start; a missing one is now
/// (or the start, when a start slightly in the future is tolerated).
fn finish_time(
    given: Option<DateTime<Utc>>,
    started_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, AppError> {
    match given {
        Some(at) if at < started_at => Err(AppError::validation("finished_at", "must not be before started_at")),
        Some(at) => Ok(at),
        None => Ok(now.max(started_at)),
    }
}

fn blank_to_none(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn required_text(field: &str, value: &Option<String>, max: usize) -> Result<String, AppError> {
    optional_text(field, value, max)?.ok_or_else(|| AppError::validation(field, "is required"))
}

fn optional_text(field: &str, value: &Option<String>, max: usize) -> Result<Option<String>, AppError> {
    let Some(text) = blank_to_none(value) else {
        return Ok(None);
    };
    if text.chars().count() > max {
        return Err(AppError::validation(field, format!("must be at most {max} characters")));
    }
    if text.chars().any(char::is_control) {
        return Err(AppError::validation(field, "must not contain control characters"));
    }
    Ok(Some(text.to_string()))
}

fn environment(value: &str) -> Result<String, AppError> {
    let valid = value.chars().count() <= MAX_ENVIRONMENT_CHARS
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if valid {
        Ok(value.to_string())
    } else {
        Err(AppError::validation(
            "environment",
            format!("must be 1 to {MAX_ENVIRONMENT_CHARS} letters, digits, '.', '_' or '-' (e.g. production)"),
        ))
    }
}

/// RFC 3339, or `YYYY-MM-DDTHH:MM` as a form's `datetime-local` sends it (UTC);
/// at most a few minutes in the future.
fn optional_time(field: &str, value: &Option<String>, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, AppError> {
    let Some(text) = blank_to_none(value) else {
        return Ok(None);
    };
    let (at, _) = parse_time(text).map_err(|_| {
        AppError::validation(
            field,
            "must be a time such as 2026-11-24T10:15:00Z (RFC 3339) or 2026-11-24T10:15 (UTC)",
        )
    })?;
    if at > now + Duration::minutes(MAX_FUTURE_MINUTES) {
        return Err(AppError::validation(
            field,
            format!("must not be more than {MAX_FUTURE_MINUTES} minutes in the future"),
        ));
    }
    Ok(Some(at))
}

/// An optional http(s) link (it is rendered as a link, so nothing else).
fn notes_url(value: &Option<String>) -> Result<Option<String>, AppError> {
    let Some(url) = blank_to_none(value) else {
        return Ok(None);
    };
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    let valid = rest.is_some_and(|rest| !rest.is_empty())
        && url.len() <= MAX_URL_CHARS
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if !valid {
        return Err(AppError::validation(
            "notes_url",
            format!("must be an http:// or https:// link of at most {MAX_URL_CHARS} characters, without spaces"),
        ));
    }
    // The scheme in lower case, as the table's CHECK expects.
    let scheme_len = url.find("://").unwrap_or(0);
    Ok(Some(format!("{}{}", &lower[..scheme_len], &url[scheme_len..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::{at, invalid_field};

    fn now() -> DateTime<Utc> {
        at("2026-11-24T10:00:00Z")
    }

    fn draft() -> DeploymentDraft {
        DeploymentDraft {
            service: Some(" checkout ".into()),
            version: Some("v1.4.2".into()),
            status: Some("started".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_minimal_draft_starts_now_in_production() {
        let new = NewDeployment::parse(&draft(), now()).expect("valid");
        assert_eq!(new.service, "checkout");
        assert_eq!(new.environment, "production");
        assert_eq!(new.status, DeploymentStatus::Started);
        assert_eq!((new.started_at, new.finished_at), (now(), None));
        assert_eq!((new.commit, new.deployed_by, new.notes_url), (None, None, None));
    }

    #[test]
    fn a_final_status_gets_a_finish_time_not_before_the_start() {
        let mut d = draft();
        d.status = Some("succeeded".into());
        d.started_at = Some("2026-11-24T09:50".into());
        let new = NewDeployment::parse(&d, now()).expect("valid");
        assert_eq!(new.finished_at, Some(now()));
        d.finished_at = Some("2026-11-24T09:55:00Z".into());
        let new = NewDeployment::parse(&d, now()).expect("valid");
        assert_eq!(
            new.finished_at.map(|t| t.to_rfc3339()),
            Some("2026-11-24T09:55:00+00:00".into())
        );
        d.finished_at = Some("2026-11-24T09:40:00Z".into());
        assert_eq!(invalid_field(NewDeployment::parse(&d, now())), "finished_at");
    }

    #[test]
    fn each_bad_field_is_named() {
        type Case = (&'static str, fn(&mut DeploymentDraft));
        let cases: Vec<Case> = vec![
            ("service", |d| d.service = Some("  ".into())),
            ("service", |d| d.service = Some("s".repeat(201))),
            ("version", |d| d.version = None),
            ("version", |d| d.version = Some("v1\u{7}".into())),
            ("environment", |d| d.environment = Some("prod west".into())),
            ("commit", |d| d.commit = Some("abc def".into())),
            ("status", |d| d.status = None),
            ("status", |d| d.status = Some("done".into())),
            ("started_at", |d| d.started_at = Some("yesterday".into())),
            ("started_at", |d| d.started_at = Some("2026-11-24T11:00:00Z".into())),
            ("finished_at", |d| d.finished_at = Some("2026-11-24T10:00:00Z".into())),
            ("deployed_by", |d| d.deployed_by = Some("d".repeat(201))),
            ("notes_url", |d| d.notes_url = Some("javascript:alert(1)".into())),
            ("notes_url", |d| d.notes_url = Some("https://".into())),
            ("notes_url", |d| d.notes_url = Some("https://x.test/a b".into())),
        ];
        for (expected, change) in cases {
            let mut d = draft();
            change(&mut d);
            assert_eq!(invalid_field(NewDeployment::parse(&d, now())), expected, "{d:?}");
        }
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let d = DeploymentDraft {
            service: None,
            version: Some("v1\u{7}".into()),
            environment: Some("prod west".into()),
            status: Some("started".into()),
            finished_at: Some("2026-11-24T09:00".into()),
            notes_url: Some("ftp://x".into()),
            ..Default::default()
        };
        let Err(AppError::Fields(errors)) = NewDeployment::parse(&d, now()) else {
            panic!("several fields refused");
        };
        let fields: Vec<&str> = errors.0.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["service", "version", "environment", "finished_at", "notes_url"]
        );
        let Err(AppError::Fields(errors)) = Finish::parse(Some("started"), Some("soon"), Some("x"), now()) else {
            panic!("every finish field refused");
        };
        assert_eq!(errors.0.len(), 3);
    }

    #[test]
    fn links_keep_their_path_and_lower_case_their_scheme() {
        let mut d = draft();
        d.notes_url = Some("HTTPS://ci.example.com/Runs/42".into());
        let new = NewDeployment::parse(&d, now()).expect("valid");
        assert_eq!(new.notes_url.as_deref(), Some("https://ci.example.com/Runs/42"));
    }

    #[test]
    fn finishing_needs_a_final_status() {
        let finish = Finish::parse(Some("failed"), Some(""), None, now()).expect("valid");
        assert_eq!((finish.status, finish.finished_at), (DeploymentStatus::Failed, None));
        assert_eq!(finish.time(now() - Duration::minutes(5), now()), Ok(now()));
        assert!(
            finish
                .time(now() + Duration::minutes(5), now())
                .is_ok_and(|t| t > now())
        );
        let late = Finish::parse(Some("succeeded"), Some("2026-11-24T09:00"), None, now()).expect("valid");
        assert!(late.time(now(), now()).is_err(), "before the start");
        for bad in [None, Some("started"), Some("ok")] {
            assert!(Finish::parse(bad, None, None, now()).is_err(), "{bad:?}");
        }
    }
}
