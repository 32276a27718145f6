//! Drawing the stacked bars in the browser (the line charts' loader,
//! colours and ECharts calls), and following a bar's link on click.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::prelude::*;

use super::bars::{Bars, bar_chart};
use super::browser::{Formatter, colours, echarts, load_echarts};
use super::format::{TipRow, tooltip_html};
use crate::theme::Theme;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(method, js_name = on)]
    fn on(this: &echarts::Instance, event: &str, handler: &JsValue);
}

type ClickHandler = Closure<dyn Fn(JsValue)>;

pub fn draw(id: &'static str, bars: Bars) {
    let ready = RwSignal::new(false);
    load_echarts(ready);
    let theme = use_context::<RwSignal<Theme>>();
    let navigate = use_navigate();
    let drawn = StoredValue::new_local(None::<(echarts::Instance, Formatter, ClickHandler)>);
    Effect::new(move |_| {
        if !ready.get() || bars.is_empty() {
            return;
        }
        if let Some(theme) = theme {
            theme.track();
        }
        let Some(element) = document().get_element_by_id(id) else {
            return;
        };
        let options = bar_chart(&bars, &colours(&element));
        let links = bars.links.clone();
        let navigate = navigate.clone();
        drawn.update_value(|drawn| {
            if drawn.is_none() {
                let _ = element.class_list().add_1("drawn");
                match echarts::init(&element) {
                    Ok(instance) => {
                        let click: ClickHandler = Closure::new(move |params: JsValue| {
                            let index = js_sys::Reflect::get(&params, &JsValue::from_str("dataIndex"))
                                .ok()
                                .and_then(|i| i.as_f64());
                            if let Some(link) = index.and_then(|i| links.get(i as usize)) {
                                navigate(link, NavigateOptions::default());
                            }
                        });
                        instance.on("click", click.as_ref());
                        *drawn = Some((instance, formatter(), click));
                    }
                    Err(error) => leptos::logging::warn!("chart {id} not drawn: {error:?}"),
                }
            }
            if let Some((instance, formatter, _)) = drawn {
                echarts::set_option(instance, &options, formatter);
            }
        });
    });
}

/// The tooltip: the bucket's time and each level's count.
fn formatter() -> Formatter {
    Closure::new(move |params: JsValue| {
        let get = |object: &JsValue, key: &str| js_sys::Reflect::get(object, &JsValue::from_str(key)).ok();
        let text = |object: &JsValue, key: &str| get(object, key).and_then(|v| v.as_string()).unwrap_or_default();
        let params: Vec<JsValue> = if js_sys::Array::is_array(&params) {
            js_sys::Array::from(&params).iter().collect()
        } else {
            vec![params]
        };
        let time = params.first().map(|p| text(p, "axisValueLabel")).unwrap_or_default();
        let rows: Vec<TipRow> = params
            .iter()
            .filter_map(|param| {
                let value = get(param, "value")
                    .filter(js_sys::Array::is_array)
                    .and_then(|pair| js_sys::Array::from(&pair).get(1).as_f64())?;
                (value > 0.0).then(|| TipRow {
                    name: text(param, "seriesName"),
                    colour: text(param, "color"),
                    value,
                    partial: false,
                })
            })
            .collect();
        JsValue::from_str(&tooltip_html(&time, "lines", &rows))
    })
}
