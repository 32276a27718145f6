//! Drawing in the browser: loads ECharts on the first chart of a page (no
//! page without a chart pays for it, and nothing blocks rendering), reads the
//! theme's colours from the stylesheet, and formats the tooltip in Rust.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::format::{TipRow, tooltip_html};
use super::options::{ChartColours, PARTIAL_ID, line_chart};
use super::partial::complete_counts;
use super::{ChartLine, ChartMarker, has_points};
use crate::theme::Theme;

const SCRIPT_ID: &str = "echarts-js";
/// Where the chart library is when the document does not say (`ECHARTS_META`).
const SCRIPT_SRC: &str = "/echarts.min.js";

pub(super) type Formatter = Closure<dyn Fn(JsValue) -> JsValue>;

/// Draws once there are points and ECharts has loaded, then updates the same
/// instance when the series or the theme change.
pub fn draw(
    id: &'static str,
    unit: &'static str,
    lines: Signal<Vec<ChartLine>>,
    markers: Vec<ChartMarker>,
    x_range: Option<Signal<(i64, i64)>>,
    step_ms: Option<i64>,
) {
    let ready = RwSignal::new(false);
    load_echarts(ready);
    let theme = use_context::<RwSignal<Theme>>();
    let drawn = StoredValue::new_local(None::<(echarts::Instance, Formatter)>);
    Effect::new(move |_| {
        if !ready.get() {
            return;
        }
        if let Some(theme) = theme {
            theme.track();
        }
        let range = x_range.map(|range| range.get());
        let now = chrono::Utc::now().timestamp_millis();
        let Some(element) = document().get_element_by_id(id) else {
            return;
        };
        let options = lines.with(|lines| {
            has_points(lines).then(|| {
                let complete = complete_counts(lines, step_ms, now);
                line_chart(unit, lines, &complete, &markers, range, &colours(&element))
            })
        });
        let Some(options) = options else { return };
        drawn.update_value(|drawn| {
            if drawn.is_none() {
                // Shown (it was hidden with the drawing without JavaScript beside it) before
                // ECharts measures its width.
                let _ = element.class_list().add_1("drawn");
                match echarts::init(&element) {
                    Ok(instance) => *drawn = Some((instance, formatter(unit))),
                    Err(error) => leptos::logging::warn!("chart {id} not drawn: {error:?}"),
                }
            }
            if let Some((instance, formatter)) = drawn {
                echarts::set_option(instance, &options, formatter);
            }
        });
    });
}

/// Sets `ready` once `window.echarts` exists, adding its script to the page
/// the first time a chart asks (a script added this way never blocks rendering).
pub(super) fn load_echarts(ready: RwSignal<bool>) {
    let has_echarts = || js_sys::Reflect::has(&window(), &JsValue::from_str("echarts")).unwrap_or(false);
    if has_echarts() {
        ready.set(true);
        return;
    }
    let document = document();
    let script = match document.get_element_by_id(SCRIPT_ID) {
        Some(script) => script,
        None => {
            let Ok(script) = document.create_element("script") else {
                return;
            };
            script.set_id(SCRIPT_ID);
            // What a script added by code does anyway; said so for readers of the DOM.
            let _ = script.set_attribute("async", "");
            let _ = script.set_attribute("src", &echarts_src(&document));
            if let Some(head) = document.head() {
                let _ = head.append_child(&script);
            }
            script
        }
    };
    let on_load = Closure::once_into_js(move || {
        ready.try_set(true);
    });
    let _ = script.add_event_listener_with_callback("load", on_load.unchecked_ref());
    // Loaded between the check above and the listener.
    if has_echarts() {
        ready.set(true);
    }
}

/// The chart library's URL as the document names it (versioned, so the
/// browser keeps it for good), else the plain one.
fn echarts_src(document: &web_sys::Document) -> String {
    document
        .query_selector(&format!("meta[name=\"{}\"]", super::ECHARTS_META))
        .ok()
        .flatten()
        .and_then(|meta| meta.get_attribute("content"))
        .filter(|src| src.starts_with('/'))
        .unwrap_or_else(|| SCRIPT_SRC.to_string())
}

/// The theme's colours as the stylesheet resolves them on the chart's
/// element (style/main.css: "Charts"); the light theme's when unreadable.
pub(super) fn colours(element: &web_sys::Element) -> ChartColours {
    let read = |element: &web_sys::Element, property: &str| {
        window()
            .get_computed_style(element)
            .ok()
            .flatten()
            .and_then(|style| style.get_property_value(property).ok())
            .filter(|value| !value.is_empty())
    };
    let fallback = ChartColours::default();
    let parent = element.parent_element();
    ChartColours {
        text: parent
            .and_then(|parent| read(&parent, "color"))
            .unwrap_or(fallback.text),
        muted: read(element, "color").unwrap_or(fallback.muted),
        grid: read(element, "border-top-color").unwrap_or(fallback.grid),
        surface: read(element, "outline-color").unwrap_or(fallback.surface),
    }
}

/// ECharts' tooltip formatter: the hovered time and each line's value with
/// its unit, as HTML with classes only (see `format::tooltip_html`).
fn formatter(unit: &'static str) -> Formatter {
    Closure::new(move |params: JsValue| {
        let get = |object: &JsValue, key: &str| js_sys::Reflect::get(object, &JsValue::from_str(key)).ok();
        let text =
            |object: &JsValue, key: &str| get(object, key).and_then(|value| value.as_string()).unwrap_or_default();
        let params: Vec<JsValue> = if js_sys::Array::is_array(&params) {
            js_sys::Array::from(&params).iter().collect()
        } else {
            vec![params]
        };
        let time = params
            .first()
            .map(|first| text(first, "axisValueLabel"))
            .unwrap_or_default();
        let mut rows: Vec<TipRow> = Vec::new();
        for param in &params {
            let value = get(param, "value")
                .filter(js_sys::Array::is_array)
                .and_then(|pair| js_sys::Array::from(&pair).get(1).as_f64());
            let Some(value) = value else { continue };
            let row = TipRow {
                name: text(param, "seriesName"),
                colour: text(param, "color"),
                value,
                partial: text(param, "seriesId").starts_with(PARTIAL_ID),
            };
            // A partial end starts at the last complete point: that point is the line's own.
            if row.partial && rows.iter().any(|other| other.name == row.name) {
                continue;
            }
            rows.retain(|other| !(other.partial && other.name == row.name));
            rows.push(row);
        }
        JsValue::from_str(&tooltip_html(&time, unit, &rows))
    })
}

/// The few ECharts calls the charts need.
pub(super) mod echarts {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        pub type Instance;

        #[wasm_bindgen(catch, js_namespace = echarts, js_name = init)]
        fn init_at(element: &web_sys::Element, theme: &JsValue, opts: &JsValue) -> Result<Instance, JsValue>;

        #[wasm_bindgen(catch, method, js_name = setOption)]
        fn set_option_at(this: &Instance, option: &JsValue, not_merge: bool) -> Result<(), JsValue>;
    }

    pub fn init(element: &web_sys::Element) -> Result<Instance, JsValue> {
        let opts = js_sys::JSON::parse(&format!("{{\"height\":{}}}", super::super::CHART_HEIGHT))?;
        init_at(element, &JsValue::NULL, &opts)
    }

    /// Replaces the chart's options (not merged: a marker or point gone stays
    /// gone), with `formatter` as the tooltip's.
    pub fn set_option(instance: &Instance, options: &serde_json::Value, formatter: &super::Formatter) {
        let result = js_sys::JSON::parse(&options.to_string()).and_then(|js| {
            let tooltip = js_sys::Reflect::get(&js, &JsValue::from_str("tooltip"))?;
            js_sys::Reflect::set(&tooltip, &JsValue::from_str("formatter"), formatter.as_ref())?;
            instance.set_option_at(&js, true)
        });
        if let Err(error) = result {
            leptos::logging::warn!("chart options not applied: {error:?}");
        }
    }
}
