//! A link to the Logs page for readers who may open it (admins, operators,
//! support); nothing for the others, so no one is sent to a refusal.

use leptos::prelude::*;

use crate::auth::permissions::{Permission, allows};
use crate::auth::use_current_user;

/// Whether the signed-in user may read logs (read inside a reactive closure).
pub fn may_read_logs() -> bool {
    use_current_user().is_some_and(|user| allows(user.role, Permission::ReadLogs))
}

/// The link, once the user is known (inside its own `Transition`, so the
/// page waits for the user as the navigation does).
#[component]
pub fn LogsLink(href: String, #[prop(into)] label: String) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {let (href, label) = (href.clone(), label.clone());
             move || may_read_logs().then(|| view! { <a href=href.clone() data-testid="logs-link">{label.clone()}</a> })}
        </Transition>
    }
}
