use leptos::prelude::*;
use leptos_router::components::A;

use crate::pages::Area;

/// Every area of the console; the current one is marked with `aria-current`.
#[component]
pub fn Nav() -> impl IntoView {
    view! {
        <nav aria-label="Main">
            <ul class="nav-list">
                {Area::ALL
                    .into_iter()
                    .map(|area| view! {
                        <li><A href=area.path() exact=true>{area.title()}</A></li>
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}
