use leptos::prelude::*;
use leptos_meta::Title;

/// The page for any path that matches no route; answered with HTTP 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <h1>"Page not found"</h1>
        <div class="empty-state">
            <p>"There is no page at this address. It may have moved, or the link may be mistyped."</p>
            <p><a href="/">"Go to the Overview"</a></p>
        </div>
    }
}
