//! The search form: a plain GET form, so a search is a bookmarkable URL.

use leptos::prelude::*;
use leptos_router::components::Form;

use crate::components::field::{Field, FieldMarks};

use super::View;

#[component]
pub fn SearchForm(view: Memo<View>) -> impl IntoView {
    let q = Signal::derive(move || view.read().q.clone());
    view! {
        <Form method="GET" action="/users" attr:class="user-search">
            <Field id="users-q" name="q" label="Search by email or name" control=move |m: FieldMarks| view! {
                <input id=m.id type="search" name=m.name maxlength="254" value=q prop:value=q />
            } />
            <button type="submit">"Search"</button>
            <Show when=move || !q.get().is_empty()>
                <a href="/users">"Show all"</a>
            </Show>
        </Form>
    }
}
