//! A user's live sessions, shown beneath their row, each with "End".

use leptos::prelude::*;

use super::{SessionsResource, use_actions, when};
use crate::components::row_form::pending_for;
use crate::components::table_head::TableHead;
use crate::users::{ActiveSession, UserSummary};

#[component]
pub fn SessionsRow(user: UserSummary) -> impl IntoView {
    let resource = use_context::<SessionsResource>();
    let user_id = user.id;
    let email = user.email.clone();
    view! {
        <tr class="sessions-row">
            <td colspan="6">
                <h3>{format!("Active sessions of {}", user.email)}</h3>
                <Suspense fallback=|| view! { <p class="muted">"Loading sessions…"</p> }>
                    {move || resource.and_then(|resource| resource.get()).map(|result| match result {
                        Ok(Some((id, sessions))) if id == user_id => view! { <SessionList user_id sessions email=email.clone() /> }.into_any(),
                        Ok(_) => ().into_any(),
                        Err(error) => view! { <p class="error" role="alert">{format!("Could not load the sessions: {error}")}</p> }.into_any(),
                    })}
                </Suspense>
            </td>
        </tr>
    }
}

#[component]
fn SessionList(user_id: i64, sessions: Vec<ActiveSession>, email: String) -> impl IntoView {
    if sessions.is_empty() {
        return view! { <p class="muted">{format!("{email} has no active sessions.")}</p> }.into_any();
    }
    view! {
        <table class="sessions-table">
            <TableHead columns=&["Session", "Signed in", "Client IP", "User agent", "Expires", "~End"] />
            <tbody>
                {sessions.into_iter().map(|session| view! { <SessionItem user_id session /> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn SessionItem(user_id: i64, session: ActiveSession) -> impl IntoView {
    let short: String = session.handle.chars().take(8).collect();
    view! {
        <tr>
            <td>
                <code title=session.handle.clone()>{short.clone()}</code>
                {session.current.then(|| view! { <span class="muted">" (this session)"</span> })}
            </td>
            <td class="num">{when(session.signed_in_at)}</td>
            <td>{session.client_ip.unwrap_or_else(|| "—".into())}</td>
            <td class="user-agent">{session.user_agent.unwrap_or_else(|| "—".into())}</td>
            <td class="num">{when(Some(session.expires_at))}</td>
            <td><EndSession user_id handle=session.handle short /></td>
        </tr>
    }
}

#[component]
fn EndSession(user_id: i64, handle: String, short: String) -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let action = actions.end_session;
    let mine = handle.clone();
    let pending = pending_for(action, move |input| input.session == mine);
    view! {
        <ActionForm action attr:class="inline-form">
            <input type="hidden" name="user_id" value=user_id />
            <input type="hidden" name="session" value=handle />
            <button type="submit" disabled=pending aria-label=format!("End session {short}")>"End"</button>
        </ActionForm>
    }
    .into_any()
}
