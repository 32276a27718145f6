use leptos::prelude::*;
use leptos_meta::Title;

use super::Area;

/// Shown for areas that are not built yet: says so, and shows no invented data.
#[component]
pub fn NotAvailable(area: Area) -> impl IntoView {
    view! {
        <Title text=area.title() />
        <h1>{area.title()}</h1>
        <div class="empty-state">
            <p class="empty-title">"Not available yet"</p>
            <p>{area.purpose()}</p>
            <p>"This part of Opsdeck has not been built yet, so there is nothing to show here."</p>
        </div>
    }
}
