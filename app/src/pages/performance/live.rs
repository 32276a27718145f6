//! The Live toggle: while on, an `EventSource` on `/api/v1/live?service=…`
//! feeds each `point` event (a `LivePoint` for one minute) into the charts'
//! series. Off, the charts stay as the server sent them. It exists only with
//! JavaScript, so it is rendered after hydration.

use chrono::Duration;
use leptos::prelude::*;

use crate::metrics::LatencyPoint;

// Only the browser build opens streams, so only it reaches the later states.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LiveState {
    Off,
    Connecting,
    Streaming,
    Unavailable,
}

#[component]
pub fn LiveToggle(service: String, series: RwSignal<Vec<LatencyPoint>>, keep: Duration) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let state = RwSignal::new(LiveState::Off);
    #[cfg(feature = "hydrate")]
    stream::follow(service, series, keep, state);
    #[cfg(not(feature = "hydrate"))]
    let _ = (service, series, keep);
    let status = move || match state.get() {
        LiveState::Off => None,
        LiveState::Connecting => Some(("live-status muted", "Connecting…")),
        LiveState::Streaming => Some(("live-status live-on", "Streaming new minutes")),
        LiveState::Unavailable => Some(("live-status error", "Live updates unavailable")),
    };
    view! {
        <Show when=move || hydrated.get()>
            <div class="live-toggle">
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
                {move || status().map(|(class, text)| view! { <span class=class role="status">{text}</span> })}
            </div>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
mod stream {
    use chrono::Duration;
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{Event, EventSource, MessageEvent};

    use super::LiveState;
    use crate::metrics::pages::merge_live_point;
    use crate::metrics::{LatencyPoint, LivePoint};
    use crate::url::percent_encode;

    /// An open stream; dropping it closes the connection.
    struct Stream {
        source: EventSource,
        _on_point: Closure<dyn FnMut(MessageEvent)>,
        _on_open: Closure<dyn FnMut(Event)>,
        _on_error: Closure<dyn FnMut(Event)>,
    }

    impl Drop for Stream {
        fn drop(&mut self) {
            self.source.close();
        }
    }

    /// Opens the stream when `state` turns on and closes it when it turns
    /// off or the page goes away.
    pub fn follow(service: String, series: RwSignal<Vec<LatencyPoint>>, keep: Duration, state: RwSignal<LiveState>) {
        let open = StoredValue::new_local(None::<Stream>);
        Effect::new(move |_| {
            let wanted = state.get() != LiveState::Off;
            let is_open = open.with_value(Option::is_some);
            if wanted && !is_open {
                match connect(&service, series, keep, state) {
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

    fn connect(
        service: &str,
        series: RwSignal<Vec<LatencyPoint>>,
        keep: Duration,
        state: RwSignal<LiveState>,
    ) -> Result<Stream, wasm_bindgen::JsValue> {
        let url = format!("/api/v1/live?service={}", percent_encode(service));
        let source = EventSource::new(&url)?;
        let wanted = service.to_string();
        let on_point = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else { return };
            match serde_json::from_str::<LivePoint>(&text) {
                Ok(point) => {
                    series.update(|points| {
                        merge_live_point(points, &wanted, &point, keep);
                    });
                    state.set(LiveState::Streaming);
                }
                Err(error) => leptos::logging::warn!("live point not understood: {error}"),
            }
        });
        source.add_event_listener_with_callback("point", on_point.as_ref().unchecked_ref())?;
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_: Event| state.set(LiveState::Streaming));
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        // The browser retries by itself after a dropped connection; until it
        // is back (or for good, when the endpoint refuses), say so.
        let on_error = Closure::<dyn FnMut(Event)>::new(move |_: Event| state.set(LiveState::Unavailable));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Stream {
            source,
            _on_point: on_point,
            _on_open: on_open,
            _on_error: on_error,
        })
    }
}
