//! Links to pages not every role may open (Logs: admins, operators,
//! support; Errors likewise): shown only to readers who may open them, so
//! no one is sent to a refusal.

use leptos::prelude::*;

use crate::auth::permissions::{Permission, allows};
use crate::auth::use_current_user;

/// Whether the signed-in user may read logs (read inside a reactive closure).
pub fn may_read_logs() -> bool {
    may(Permission::ReadLogs)
}

fn may(permission: Permission) -> bool {
    use_current_user().is_some_and(|user| allows(user.role, permission))
}

/// A link to the Logs page, once the user is known.
#[component]
pub fn LogsLink(href: String, #[prop(into)] label: String) -> impl IntoView {
    view! { <LinkFor permission=Permission::ReadLogs href label testid="logs-link" /> }
}

/// A link for readers with `permission`, once the user is known (inside
/// its own `Transition`, so the page waits for the user as the navigation does).
#[component]
pub fn LinkFor(
    permission: Permission,
    href: String,
    #[prop(into)] label: String,
    testid: &'static str,
) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {let (href, label) = (href.clone(), label.clone());
             move || may(permission).then(|| view! { <a href=href.clone() data-testid=testid>{label.clone()}</a> })}
        </Transition>
    }
}
