use leptos::prelude::*;
use leptos_router::components::A;

use crate::area::Area;
use crate::auth::use_current_user;

/// The areas the signed-in user's role may open; the current one is marked
/// with `aria-current`. Nobody signed in: no navigation.
#[component]
pub fn Nav() -> impl IntoView {
    view! {
        <nav aria-label="Main">
            <Transition fallback=|| ()>
                {move || use_current_user().map(|user| view! {
                    <ul class="nav-list">
                        {Area::ALL
                            .into_iter()
                            .filter(|area| area.visible_to(user.role))
                            .map(|area| view! {
                                <li><A href=area.path() exact=true>{area.title()}</A></li>
                            })
                            .collect_view()}
                    </ul>
                })}
            </Transition>
        </nav>
    }
}
