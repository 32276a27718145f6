//! What runs on the stores now (admins and operators): Postgres's client
//! sessions, busiest first, with their query text cut short (admins may
//! end one, after a confirmation; audited), and Redis's slow log, newest
//! first. Read when the page opens and after a session is ended.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::auth::permissions::{Permission, allows};
use crate::auth::use_current_user;
use crate::components::form::{FieldError, FormError};
use crate::components::table_head::TableHead;
use crate::datastores::view::{Session, SlowCommand};
use crate::datastores::{EndDataStoreSession, get_data_store_activity};

#[component]
pub fn Activity() -> impl IntoView {
    let end = ServerAction::<EndDataStoreSession>::new();
    provide_context(end);
    let activity = Resource::new(move || end.version().get(), |_| get_data_store_activity());
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading what runs on the stores…"</p> }>
            {move || activity.get().map(|result| match result {
                Ok(activity) => view! {
                    <Sessions sessions=activity.sessions error=activity.sessions_error />
                    <SlowCommands commands=activity.slow_commands error=activity.slow_commands_error />
                }.into_any(),
                Err(error) => view! {
                    <p class="error" role="alert">{format!("Could not read what runs on the stores: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
    }
}

fn time(at: Option<DateTime<Utc>>) -> impl IntoView {
    at.map(|at| view! { <time datetime=at.to_rfc3339()>{at.format("%H:%M:%S").to_string()}</time> })
}

/// "End…" then "Yes, end session N" (admins only).
#[component]
fn EndSession(pid: i32, user: String) -> impl IntoView {
    let action = expect_context::<ServerAction<EndDataStoreSession>>();
    let question = format!("End session {pid} of {user}? Its transaction is rolled back and its client disconnected.");
    view! {
        <details class="confirm">
            <summary>"End…"</summary>
            <div class="confirm-body">
                <p>{question}</p>
                <ActionForm action>
                    <input type="hidden" name="pid" value=pid />
                    <button type="submit" class="danger" disabled=move || action.pending().get()>{format!("Yes, end session {pid}")}</button>
                </ActionForm>
            </div>
        </details>
    }
}

#[component]
fn Sessions(sessions: Vec<Session>, error: Option<String>) -> impl IntoView {
    let ends = use_current_user().is_some_and(|u| allows(u.role, Permission::EndDataStoreSessions));
    let end = expect_context::<ServerAction<EndDataStoreSession>>();
    let refused = Signal::derive(move || end.value().get().and_then(Result::err));
    // The last column (admins' "End…") only for those who may end a session.
    const COLUMNS: &[&str] = &[
        "PID",
        "User",
        "Database",
        "Application",
        "Client",
        "State",
        "Waiting on",
        "Transaction since",
        "Query since",
        "Query",
        "~End",
    ];
    let columns = if ends { COLUMNS } else { &COLUMNS[..COLUMNS.len() - 1] };
    let body = match (error, sessions.is_empty()) {
        (Some(error), _) => {
            view! { <p class="error" role="alert">{format!("Could not read the sessions: {error}")}</p> }.into_any()
        }
        (None, true) => view! { <p class="muted">"No other session is connected."</p> }.into_any(),
        (None, false) => view! {
            <div class="table-scroll">
                <table class="audit-table" data-testid="pg-sessions">
                    <TableHead columns />
                    <tbody>
                        {sessions.into_iter().map(|s| view! {
                            <tr>
                                <td class="num">{s.pid}</td>
                                <td>{s.user.clone()}</td>
                                <td>{s.database}</td>
                                <td>{s.application}</td>
                                <td>{s.client}</td>
                                <td>{s.state}</td>
                                <td>{s.wait}</td>
                                <td>{time(s.transaction_start)}</td>
                                <td>{time(s.query_start)}</td>
                                <td><code class="query-text">{s.query}</code></td>
                                {ends.then(|| view! { <td><EndSession pid=s.pid user=s.user.clone() /></td> })}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any(),
    };
    view! {
        <section class="panel" aria-labelledby="pg-sessions-heading">
            <h2 id="pg-sessions-heading">"Postgres sessions now"</h2>
            <p class="muted">"Client sessions from "<code>"pg_stat_activity"</code>", busiest first (at most 100; queries cut at 300 characters)."</p>
            <FieldError error=refused field="pid" />
            <FormError error=refused />
            {body}
        </section>
    }
}

#[component]
fn SlowCommands(commands: Vec<SlowCommand>, error: Option<String>) -> impl IntoView {
    let body = match (error, commands.is_empty()) {
        (Some(error), _) => {
            view! { <p class="error" role="alert">{format!("Could not read the slow log: {error}")}</p> }.into_any()
        }
        (None, true) => view! { <p class="muted">"The slow log is empty."</p> }.into_any(),
        (None, false) => view! {
            <table class="audit-table" data-testid="redis-slowlog">
                <TableHead columns=&["When", "Took", "Command"] />
                <tbody>
                    {commands.into_iter().map(|c| view! {
                        <tr>
                            <td>{time(Some(c.at))}</td>
                            <td class="num">{format!("{:.1} ms", c.micros as f64 / 1000.0)}</td>
                            <td><code class="query-text">{c.command}</code></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
    };
    view! {
        <section class="panel" aria-labelledby="redis-slowlog-heading">
            <h2 id="redis-slowlog-heading">"Redis slow log"</h2>
            <p class="muted">"Commands slower than Redis's "<code>"slowlog-log-slower-than"</code>", newest first (arguments cut at 64 characters, at most 8)."</p>
            {body}
        </section>
    }
}
