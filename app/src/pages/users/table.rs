//! The list of users: one row each, with its actions, and the open user's
//! sessions beneath their row.

use leptos::prelude::*;

use super::row_actions::{DisableToggle, ResetPassword, RoleForm};
use super::sessions::SessionsRow;
use super::{View, when};
use crate::components::table_head::TableHead;
use crate::users::{UserListing, UserSummary};

#[component]
pub fn UsersTable(listing: UserListing, view: View) -> impl IntoView {
    if listing.users.is_empty() {
        return view! { <EmptyState query=listing.query /> }.into_any();
    }
    let viewer_id = listing.viewer_id;
    let pager = view! { <Pager listing=listing.clone() view=view.clone() /> };
    view! {
        <table class="users-table">
            <TableHead columns=&["Email", "Name", "Role", "Status", "Last sign-in", "Actions"] />
            <tbody>
                {listing.users.into_iter().map(|user| {
                    let open = view.sessions == Some(user.id);
                    view! {
                        <UserRow user=user.clone() is_viewer=user.id == viewer_id view=view.clone() />
                        {open.then(|| view! { <SessionsRow user /> })}
                    }
                }).collect_view()}
            </tbody>
        </table>
        {pager}
    }
    .into_any()
}

#[component]
fn EmptyState(query: String) -> impl IntoView {
    let searched = !query.is_empty();
    view! {
        <div class="empty-state">
            <p class="empty-title">{if searched { format!("No user matches “{query}”") } else { "No users yet".to_string() }}</p>
            {searched.then(|| view! { <p><a href="/users">"Show all users"</a></p> })}
        </div>
    }
}

#[component]
fn UserRow(user: UserSummary, is_viewer: bool, view: View) -> impl IntoView {
    let sessions_open = view.sessions == Some(user.id);
    let toggle = View {
        sessions: (!sessions_open).then_some(user.id),
        ..view
    }
    .href();
    let status = if user.disabled {
        ("Disabled", "badge badge-down")
    } else {
        ("Enabled", "badge badge-up")
    };
    view! {
        <tr class:disabled-user=user.disabled>
            <td>{user.email.clone()}{is_viewer.then(|| view! { <span class="muted">" (you)"</span> })}</td>
            <td>{user.display_name.clone()}</td>
            <td><RoleForm user=user.clone() /></td>
            <td><span class=status.1>{status.0}</span></td>
            <td class="num">{when(user.last_sign_in_at)}</td>
            <td class="user-actions">
                <DisableToggle user=user.clone() />
                <ResetPassword user=user.clone() />
                <a href=toggle aria-expanded=if sessions_open { "true" } else { "false" }>
                    {if sessions_open { "Hide sessions" } else { "Sessions" }}
                </a>
            </td>
        </tr>
    }
}

#[component]
fn Pager(listing: UserListing, view: View) -> impl IntoView {
    let previous = (listing.page > 0).then(|| {
        View {
            page: listing.page - 1,
            sessions: None,
            ..view.clone()
        }
        .href()
    });
    let next = listing.has_more.then(|| {
        View {
            page: listing.page + 1,
            sessions: None,
            ..view.clone()
        }
        .href()
    });
    (previous.is_some() || next.is_some()).then(|| {
        view! {
            <nav class="pager" aria-label="Pages of users">
                {previous.map(|href| view! { <a href=href>"Previous page"</a> })}
                <span class="muted">{format!("Page {}", listing.page + 1)}</span>
                {next.map(|href| view! { <a href=href>"Next page"</a> })}
            </nav>
        }
    })
}
