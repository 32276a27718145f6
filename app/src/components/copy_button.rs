//! A "Copy" button for a value shown once (a new API key, a generated
//! password). It needs JavaScript, so it appears only once the page is
//! hydrated; without JavaScript the value is selected whole on a click
//! (`user-select: all`) for copying by hand.

use leptos::prelude::*;

#[component]
pub fn CopyButton(#[prop(into)] text: String, #[prop(into)] label: String) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let copied = RwSignal::new(None::<bool>);
    view! {
        <Show when=move || hydrated.get()>
            <button type="button" class="copy-button" aria-label=label.clone() on:click={
                let text = text.clone();
                move |_| copied.set(Some(copy_text(&text)))
            }>"Copy"</button>
            <span role="status" class="hint">
                {move || match copied.get() {
                    Some(true) => "Copied.",
                    Some(false) => "Could not copy: select the text and copy it by hand.",
                    None => "",
                }}
            </span>
        </Show>
    }
}

/// `navigator.clipboard.writeText(text)`, through `js_sys` (the web-sys
/// features for it are not built).
#[cfg(feature = "hydrate")]
fn copy_text(text: &str) -> bool {
    use wasm_bindgen::{JsCast, JsValue};
    let get = |target: &JsValue, key: &str| js_sys::Reflect::get(target, &JsValue::from_str(key)).ok();
    let Some(clipboard) = get(&window().into(), "navigator").and_then(|navigator| get(&navigator, "clipboard")) else {
        return false;
    };
    get(&clipboard, "writeText")
        .and_then(|write| write.dyn_into::<js_sys::Function>().ok())
        .is_some_and(|write| write.call1(&clipboard, &JsValue::from_str(text)).is_ok())
}

#[cfg(not(feature = "hydrate"))]
fn copy_text(_text: &str) -> bool {
    false
}
