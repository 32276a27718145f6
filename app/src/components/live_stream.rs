//! What the Live toggles share: their state and, in the browser, an
//! `EventSource` kept open while the toggle is on, whose named events are
//! decoded from JSON and handed to the page. The browser reconnects by
//! itself after a dropped connection (sending `Last-Event-ID`); until it is
//! back, or for good when the endpoint refuses, the state says so.

use leptos::prelude::*;

// Only the browser build opens streams, so only it reaches the later states.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveState {
    Off,
    Connecting,
    Streaming,
    Unavailable,
}

/// The "Live" checkbox: ticking it asks for the stream, unticking closes it.
#[component]
pub fn LiveCheckbox(state: RwSignal<LiveState>) -> impl IntoView {
    view! {
        <label>
            <input
                type="checkbox"
                prop:checked=move || state.get() != LiveState::Off
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    state.set(if on { LiveState::Connecting } else { LiveState::Off });
                }
            />
            " Live"
        </label>
    }
}

#[cfg(feature = "hydrate")]
pub use browser::follow;

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use serde::de::DeserializeOwned;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{Event, EventSource, MessageEvent};

    use super::LiveState;

    /// An open stream; dropping it closes the connection.
    struct Stream {
        source: EventSource,
        _on_item: Closure<dyn FnMut(MessageEvent)>,
        _on_open: Closure<dyn FnMut(Event)>,
        _on_error: Closure<dyn FnMut(Event)>,
    }

    impl Drop for Stream {
        fn drop(&mut self) {
            self.source.close();
        }
    }

    /// Opens `url` when `state` turns on and closes it when it turns off or
    /// the page goes away; every `event` message is decoded as `T` and
    /// given to `on_item`.
    pub fn follow<T, F>(url: String, event: &'static str, state: RwSignal<LiveState>, on_item: F)
    where
        T: DeserializeOwned + 'static,
        F: Fn(T) + Clone + 'static,
    {
        let open = StoredValue::new_local(None::<Stream>);
        Effect::new(move |_| {
            let wanted = state.get() != LiveState::Off;
            let is_open = open.with_value(Option::is_some);
            if wanted && !is_open {
                match connect(&url, event, state, on_item.clone()) {
                    Ok(stream) => open.set_value(Some(stream)),
                    Err(_) => state.set(LiveState::Unavailable),
                }
            } else if !wanted && is_open {
                open.set_value(None);
            }
        });
        on_cleanup(move || {
            open.try_set_value(None);
        });
    }

    fn connect<T, F>(
        url: &str,
        event: &str,
        state: RwSignal<LiveState>,
        on_item: F,
    ) -> Result<Stream, wasm_bindgen::JsValue>
    where
        T: DeserializeOwned + 'static,
        F: Fn(T) + 'static,
    {
        let source = EventSource::new(url)?;
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
            let Some(text) = message.data().as_string() else { return };
            match serde_json::from_str::<T>(&text) {
                Ok(item) => {
                    on_item(item);
                    state.set(LiveState::Streaming);
                }
                Err(error) => leptos::logging::warn!("live event not understood: {error}"),
            }
        });
        source.add_event_listener_with_callback(event, on_message.as_ref().unchecked_ref())?;
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_: Event| state.set(LiveState::Streaming));
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        let on_error = Closure::<dyn FnMut(Event)>::new(move |_: Event| state.set(LiveState::Unavailable));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Stream {
            source,
            _on_item: on_message,
            _on_open: on_open,
            _on_error: on_error,
        })
    }
}
