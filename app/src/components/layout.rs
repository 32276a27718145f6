use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::account::Account;
use super::alert_badge::AlertBadge;
use super::nav::Nav;
use super::theme_switch::ThemeSwitch;
use crate::auth::{UserResource, whoami};

/// Left navigation, the header with the signed-in user, and the page.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    // Asked again on every navigation, so signing in or out shows at once.
    let location = use_location();
    let user: UserResource = Resource::new(move || location.pathname.get(), |_| whoami());
    provide_context(user);

    view! {
        <a class="skip-link" href="#content">"Skip to content"</a>
        <div class="layout">
            <aside class="sidebar">
                <a class="brand" href="/">"Opsdeck"</a>
                <Nav />
            </aside>
            <div class="frame">
                <header class="topbar">
                    <AlertBadge />
                    <ThemeSwitch />
                    <Account />
                </header>
                <main id="content" class="content" tabindex="-1">
                    {children()}
                </main>
            </div>
        </div>
    }
}
