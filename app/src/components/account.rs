use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::{SignOut, use_current_user};

/// The signed-in user and role, a link to their profile, and Sign out.
#[component]
pub fn Account() -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <Transition fallback=|| ()>
            {move || match use_current_user() {
                Some(user) => view! {
                    <div class="account">
                        <A href="/profile" attr:class="account-name">{user.display_name}</A>
                        <span class="role-badge" data-testid="role">{user.role.as_str()}</span>
                        <ActionForm action=sign_out attr:class="inline-form">
                            <button type="submit">"Sign out"</button>
                        </ActionForm>
                    </div>
                }.into_any(),
                None => view! { <p class="account muted">"Not signed in"</p> }.into_any(),
            }}
        </Transition>
    }
}
