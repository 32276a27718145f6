//! The search form: a plain GET form, so a search is a bookmarkable URL.

use leptos::prelude::*;
use leptos_router::components::Form;

use super::View;

#[component]
pub fn SearchForm(view: Memo<View>) -> impl IntoView {
    let q = Signal::derive(move || view.read().q.clone());
    view! {
        <Form method="GET" action="/users" attr:class="user-search">
            <div class="field">
                <label for="users-q">"Search by email or name"</label>
                <input id="users-q" type="search" name="q" maxlength="254" value=q prop:value=q />
            </div>
            <button type="submit">"Search"</button>
            <Show when=move || !q.get().is_empty()>
                <a href="/users">"Show all"</a>
            </Show>
        </Form>
    }
}
