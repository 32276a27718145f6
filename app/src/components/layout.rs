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
    let content = NodeRef::<leptos::html::Main>::new();
    // After hydration the router takes every same-origin link, this one too,
    // and a "navigation" to the same page moves no focus: do what the browser
    // does without JavaScript (focus the page's content).
    let skip = move |ev: leptos::ev::MouseEvent| {
        if let Some(main) = content.get() {
            ev.prevent_default();
            let _ = main.focus();
            main.scroll_into_view();
        }
    };

    view! {
        <a class="skip-link" href="#content" on:click=skip>"Skip to content"</a>
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
                <main id="content" class="content" tabindex="-1" node_ref=content>
                    {children()}
                </main>
            </div>
        </div>
    }
}
