use leptos::prelude::*;

use super::nav::Nav;
use super::theme_switch::ThemeSwitch;

/// Left navigation, a header for the signed-in user, and the page.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#content">"Skip to content"</a>
        <div class="layout">
            <aside class="sidebar">
                <a class="brand" href="/">"Opsdeck"</a>
                <Nav />
            </aside>
            <div class="frame">
                <header class="topbar">
                    <ThemeSwitch />
                    // Sign-in arrives with the Identity work; until then nobody is signed in.
                    <p class="account">"Not signed in"</p>
                </header>
                <main id="content" class="content" tabindex="-1">
                    {children()}
                </main>
            </div>
        </div>
    }
}
