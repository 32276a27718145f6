//! Changing issues' states: a person's change (`set`, the Issue page and
//! the Errors page's bulk actions) locks the issues, writes each new state
//! and one audit entry per issue (target `error_issue`, which the issue's
//! timeline reads) in one transaction. `reopen` makes the automatic
//! changes an event causes; both write through `write` and `entry`.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use sqlx::PgConnection;

use crate::audit::Outcome;
use crate::audit::ssr::{Actor, ClientInfo, NewAuditEntry, append};
use crate::auth::ssr::Caller;
use crate::error::AppError;
use crate::errors::states::{StateChange, StateColumns, StateOutcome, ignore_until};
use crate::state::AppState;

pub(super) const COLUMNS: &str = "i.id, p.service, i.state, i.resolution, i.resolved_at, i.resolved_in_release, \
     i.resolved_current_release, i.ignore_until, i.ignore_until_events, i.ignore_until_users, \
     i.event_count, i.user_count";

/// An issue's state columns as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub(super) struct IssueState {
    pub id: i64,
    pub service: String,
    pub state: String,
    pub resolution: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_in_release: Option<String>,
    pub resolved_current_release: Option<String>,
    pub ignore_until: Option<DateTime<Utc>>,
    pub ignore_until_events: Option<i64>,
    pub ignore_until_users: Option<i64>,
    pub event_count: i64,
    pub user_count: i64,
}

/// What a state sets; every other state column is cleared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct NewState {
    pub state: String,
    pub resolution: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_in_release: Option<String>,
    pub resolved_current_release: Option<String>,
    pub ignore_until: Option<DateTime<Utc>>,
    pub ignore_until_events: Option<i64>,
    pub ignore_until_users: Option<i64>,
}

impl NewState {
    pub fn open(state: &str) -> NewState {
        NewState {
            state: state.to_string(),
            ..NewState::default()
        }
    }

    /// Whether `issue` is already in this state (a second "resolve" is no change).
    fn same_as(&self, issue: &IssueState) -> bool {
        self.state == issue.state
            && self.resolution == issue.resolution
            && self.resolved_in_release == issue.resolved_in_release
            && self.ignore_until.is_none()
            && issue.ignore_until.is_none()
            && self.ignore_until_events.is_none()
            && issue.ignore_until_events.is_none()
            && self.ignore_until_users.is_none()
            && issue.ignore_until_users.is_none()
    }
}

impl IssueState {
    pub fn columns(&self) -> StateColumns {
        StateColumns {
            state: self.state.clone(),
            resolution: self.resolution.clone(),
            resolved_at: self.resolved_at,
            resolved_in_release: self.resolved_in_release.clone(),
            resolved_current_release: self.resolved_current_release.clone(),
            next_release: None,
            ignore_until: self.ignore_until,
            ignore_until_events: self.ignore_until_events,
            ignore_until_users: self.ignore_until_users,
            events: self.event_count,
            users: self.user_count,
        }
    }

    /// The state as stored, to compare and to record.
    pub fn stored(&self) -> NewState {
        NewState {
            state: self.state.clone(),
            resolution: self.resolution.clone(),
            resolved_at: self.resolved_at,
            resolved_in_release: self.resolved_in_release.clone(),
            resolved_current_release: self.resolved_current_release.clone(),
            ignore_until: self.ignore_until,
            ignore_until_events: self.ignore_until_events,
            ignore_until_users: self.ignore_until_users,
        }
    }
}

pub(super) fn snapshot(new: &NewState) -> Value {
    let mut map = Map::new();
    map.insert("state".into(), json!(new.state));
    let mut put = |name: &str, value: Value| {
        if !value.is_null() {
            map.insert(name.into(), value);
        }
    };
    put("resolution", json!(new.resolution));
    put("resolved_in_release", json!(new.resolved_in_release));
    put("current_release", json!(new.resolved_current_release));
    put("ignore_until", json!(new.ignore_until));
    put("ignore_until_events", json!(new.ignore_until_events));
    put("ignore_until_users", json!(new.ignore_until_users));
    Value::Object(map)
}

/// Applies `change` to every issue of `ids` (all exist, or nothing changes).
pub async fn set(
    state: &AppState,
    caller: &Caller,
    ids: &[i64],
    change: &StateChange,
) -> Result<StateOutcome, AppError> {
    let fail = AppError::internal_in("errors: set state");
    let mut tx = state.begin("errors: set state").await?;
    // One order for the row locks, so two bulk changes never wait on each other in a circle.
    let issues: Vec<IssueState> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM error_issues i JOIN error_projects p ON p.id = i.project_id \
         WHERE i.id = ANY($1) ORDER BY i.id FOR UPDATE OF i"
    ))
    .bind(ids)
    .fetch_all(&mut *tx)
    .await
    .map_err(&fail)?;
    if let Some(missing) = ids.iter().find(|id| !issues.iter().any(|issue| issue.id == **id)) {
        return Err(AppError::validation(
            "issue_ids",
            format!("Issue {missing} does not exist; reload the page"),
        ));
    }
    let now = Utc::now();
    let mut outcome = StateOutcome {
        done: change.done().to_string(),
        changed: Vec::new(),
        unchanged: Vec::new(),
    };
    for issue in &issues {
        let new = target(&mut tx, issue, change, now).await.map_err(&fail)?;
        if new.same_as(issue) {
            outcome.unchanged.push(issue.id);
            continue;
        }
        write(&mut tx, issue.id, &new).await.map_err(&fail)?;
        let action = match change {
            StateChange::Unresolve => "error_issue.unresolve",
            StateChange::Resolve | StateChange::ResolveInNextRelease | StateChange::ResolveInRelease(_) => {
                "error_issue.resolve"
            }
            _ => "error_issue.ignore",
        };
        let entry = entry(caller.actor.clone(), caller.client.clone(), action, issue, &new, None);
        append(&mut tx, &state.audit_key, entry).await.map_err(&fail)?;
        outcome.changed.push(issue.id);
    }
    tx.commit().await.map_err(&fail)?;
    Ok(outcome)
}

/// The state `change` gives `issue` at `now`.
async fn target(
    conn: &mut PgConnection,
    issue: &IssueState,
    change: &StateChange,
    now: DateTime<Utc>,
) -> sqlx::Result<NewState> {
    let resolved = |resolution: &str| NewState {
        state: "resolved".to_string(),
        resolution: Some(resolution.to_string()),
        resolved_at: Some(now),
        ..NewState::default()
    };
    let ignored = NewState::open("ignored");
    Ok(match change {
        StateChange::Resolve => resolved("now"),
        StateChange::ResolveInNextRelease => NewState {
            resolved_current_release: current_release(conn, issue).await?,
            ..resolved("next_release")
        },
        StateChange::ResolveInRelease(release) => NewState {
            resolved_in_release: Some(release.clone()),
            ..resolved("in_release")
        },
        StateChange::IgnoreForever => ignored,
        StateChange::IgnoreFor(minutes) => NewState {
            ignore_until: Some(ignore_until(now, *minutes)),
            ..ignored
        },
        StateChange::IgnoreUntilEvents(n) => NewState {
            ignore_until_events: Some(issue.event_count + n),
            ..ignored
        },
        StateChange::IgnoreUntilUsers(n) => NewState {
            ignore_until_users: Some(issue.user_count + n),
            ..ignored
        },
        StateChange::Unresolve => NewState::open("unresolved"),
    })
}

/// The release current now: the service's latest deployed one, else the
/// release of the issue's latest event.
async fn current_release(conn: &mut PgConnection, issue: &IssueState) -> sqlx::Result<Option<String>> {
    let deployed: Option<String> = sqlx::query_scalar(
        "SELECT version FROM deployments WHERE service = $1 AND status <> 'failed' \
         ORDER BY started_at DESC, id DESC LIMIT 1",
    )
    .bind(&issue.service)
    .fetch_optional(&mut *conn)
    .await?;
    if deployed.is_some() {
        return Ok(deployed);
    }
    let seen: Option<Option<String>> =
        sqlx::query_scalar("SELECT release FROM error_events WHERE issue_id = $1 ORDER BY ts DESC, id DESC LIMIT 1")
            .bind(issue.id)
            .fetch_optional(conn)
            .await?;
    Ok(seen.flatten())
}

pub(super) async fn write(conn: &mut PgConnection, issue_id: i64, new: &NewState) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE error_issues SET state = $2, resolution = $3, resolved_at = $4, resolved_in_release = $5, \
         resolved_current_release = $6, ignore_until = $7, ignore_until_events = $8, ignore_until_users = $9 \
         WHERE id = $1",
    )
    .bind(issue_id)
    .bind(&new.state)
    .bind(&new.resolution)
    .bind(new.resolved_at)
    .bind(&new.resolved_in_release)
    .bind(&new.resolved_current_release)
    .bind(new.ignore_until)
    .bind(new.ignore_until_events)
    .bind(new.ignore_until_users)
    .execute(conn)
    .await?;
    Ok(())
}

/// The audit entry of a state change; `why` (automatic changes) is added to `after`.
pub(super) fn entry(
    actor: Actor,
    client: ClientInfo,
    action: &str,
    issue: &IssueState,
    new: &NewState,
    why: Option<Value>,
) -> NewAuditEntry {
    let mut after = snapshot(new);
    if let (Some(why), Value::Object(map)) = (why, &mut after) {
        map.insert("why".into(), why);
    }
    NewAuditEntry::new(actor, action, Outcome::Success, client)
        .target("error_issue", issue.id)
        .change(Some(snapshot(&issue.stored())), Some(after))
}

/// Who makes automatic changes: Opsdeck itself.
pub(super) fn opsdeck() -> (Actor, ClientInfo) {
    (Actor::opsdeck(), ClientInfo::opsdeck("error tracking"))
}
