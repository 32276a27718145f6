//! The Users page (`/users`, admins only): search, create, change role,
//! disable/enable, reset password, and a user's sessions.
//!
//! Everything works as plain forms without JavaScript: the search and the
//! open sessions panel are in the URL's query (GET), every change is an
//! `ActionForm` whose no-JS post redirects back here. The actions live at
//! page level (`UserActions`) so the list reloads after any change; a
//! refused row action shows its message in its row, beside the control it
//! concerns, with what was typed kept.

mod create;
mod notices;
mod row_actions;
mod search;
mod sessions;
mod table;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::row_form::{reload_key, submitted_row};
use crate::error::AppError;
use crate::users::{
    ActiveSession, CreateUser, EndUserSession, ResetUserPassword, SetUserDisabled, SetUserRole, list_user_sessions,
    list_users,
};
use create::CreateUserForm;
use notices::ActionNotices;
use search::SearchForm;
use table::UsersTable;

/// The page's server actions, shared by every row.
#[derive(Clone, Copy)]
pub(super) struct UserActions {
    pub create: ServerAction<CreateUser>,
    pub set_role: ServerAction<SetUserRole>,
    pub set_disabled: ServerAction<SetUserDisabled>,
    pub reset_password: ServerAction<ResetUserPassword>,
    pub end_session: ServerAction<EndUserSession>,
    /// The user whose row submitted each row action last (its refusal
    /// shows in that row).
    pub role_row: Signal<Option<i64>>,
    pub disabled_row: Signal<Option<i64>>,
    pub reset_row: Signal<Option<i64>>,
}

impl UserActions {
    fn new() -> Self {
        let set_role = ServerAction::new();
        let set_disabled = ServerAction::new();
        let reset_password = ServerAction::new();
        Self {
            create: ServerAction::new(),
            set_role,
            set_disabled,
            reset_password,
            end_session: ServerAction::new(),
            role_row: submitted_row(set_role, |input: &SetUserRole| input.user_id, "user_id"),
            disabled_row: submitted_row(set_disabled, |input: &SetUserDisabled| input.user_id, "user_id"),
            reset_row: submitted_row(reset_password, |input: &ResetUserPassword| input.user_id, "user_id"),
        }
    }

    /// Changes whenever an action may have changed a user or a session:
    /// lists keyed on it reload. A refused create or row action changed
    /// nothing and is shown in its form, which keeps what was typed.
    fn changes(&self) -> Memo<[usize; 5]> {
        let keys = [
            reload_key(self.create, |_| true),
            reload_key(self.set_role, |_| true),
            reload_key(self.set_disabled, |_| true),
            reload_key(self.reset_password, |_| true),
            reload_key(self.end_session, |_| false),
        ];
        Memo::new(move |_| keys.map(|key| key.get()))
    }
}

pub(super) fn use_actions() -> Option<UserActions> {
    use_context::<UserActions>()
}

/// What the URL asks the page to show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct View {
    pub q: String,
    pub page: u32,
    /// The user whose sessions are shown.
    pub sessions: Option<i64>,
}

impl View {
    /// `/users?…` for this view.
    pub fn href(&self) -> String {
        let mut pairs = Vec::new();
        if !self.q.is_empty() {
            pairs.push(format!("q={}", crate::url::percent_encode(&self.q)));
        }
        if self.page > 0 {
            pairs.push(format!("page={}", self.page));
        }
        if let Some(id) = self.sessions {
            pairs.push(format!("sessions={id}"));
        }
        if pairs.is_empty() {
            "/users".to_string()
        } else {
            format!("/users?{}", pairs.join("&"))
        }
    }
}

/// The open user's sessions (`None` when no sessions panel is open).
pub(super) type SessionsResource = Resource<Result<Option<(i64, Vec<ActiveSession>)>, AppError>>;

#[component]
pub fn Users() -> impl IntoView {
    let query = use_query_map();
    let view = Memo::new(move |_| {
        let query = query.read();
        View {
            q: query.get("q").unwrap_or_default().trim().to_string(),
            page: query.get("page").and_then(|page| page.parse().ok()).unwrap_or(0),
            sessions: query.get("sessions").and_then(|id| id.parse().ok()),
        }
    });
    let actions = UserActions::new();
    provide_context(actions);
    let changes = actions.changes();
    let listing = Resource::new(
        move || (view.get(), changes.get()),
        |(view, _)| list_users(view.q, view.page),
    );
    let sessions: SessionsResource = Resource::new(
        move || (view.get().sessions, changes.get()),
        |(user_id, _)| async move {
            match user_id {
                Some(id) => list_user_sessions(id).await.map(|sessions| Some((id, sessions))),
                None => Ok(None),
            }
        },
    );
    provide_context(sessions);

    view! {
        <Title text="Users" />
        <h1>"Users"</h1>
        <SearchForm view />
        <ActionNotices />
        <Transition fallback=|| view! { <p class="muted">"Loading users…"</p> }>
            {move || listing.get().map(|result| match result {
                Ok(listing) => view! { <UsersTable listing view=view.get() /> }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{format!("Could not load the users: {error}")}</p> }.into_any(),
            })}
        </Transition>
        <CreateUserForm />
    }
}

/// `2026-11-24 10:15 UTC`, or a dash.
pub(super) fn when(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "—".to_string())
}

#[cfg(test)]
mod tests {
    use super::View;

    #[test]
    fn views_round_trip_through_their_links() {
        assert_eq!(View::default().href(), "/users");
        let view = View {
            q: "a&b c".into(),
            page: 2,
            sessions: Some(7),
        };
        assert_eq!(view.href(), "/users?q=a%26b%20c&page=2&sessions=7");
    }
}
