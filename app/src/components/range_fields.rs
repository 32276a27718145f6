//! The time-range fields of a page's GET form: a range (15 min … 30 days or
//! custom) and, for a custom one, from and to (UTC). The from and to fields
//! show only while "Custom" is chosen (style/main.css, with `:has`, so it
//! works without JavaScript too).

use std::sync::Arc;

use leptos::prelude::*;
use leptos::web_sys::FormData;
use leptos_router::components::Form;

use crate::metrics::window::TimeRange;

/// A page's time-range filter: a plain GET form to `action` (so it works
/// without JavaScript and every view is a bookmarkable URL; empty fields are
/// left out of it) with the page's own fields (`children`) and the range
/// fields in one grid, then a Show button.
#[component]
pub fn RangeFilter(
    action: &'static str,
    /// Prefix of the range fields' element ids (unique on the page).
    prefix: &'static str,
    range: Option<String>,
    from: Option<String>,
    to: Option<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <Form method="GET" action=action on_form_data=without_empty_fields()>
            <div class="filter-grid">
                {children.map(|children| children())}
                <RangeFields prefix range from to />
            </div>
            <div class="filter-buttons">
                <button type="submit">"Show"</button>
            </div>
        </Form>
    }
}

#[component]
pub fn RangeFields(
    /// Prefix of the fields' element ids (unique on the page).
    prefix: &'static str,
    range: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> impl IntoView {
    let chosen = range.unwrap_or_else(|| TimeRange::default().as_str().to_string());
    let range_id = format!("{prefix}-range");
    view! {
        <div class="field">
            <label for=range_id.clone()>"Time range"</label>
            <select id=range_id name="range">
                {TimeRange::ALL.into_iter().map(|range| view! {
                    <option value=range.as_str() selected=range.as_str() == chosen>{range.label()}</option>
                }).collect_view()}
            </select>
        </div>
        // A custom range's own fields (style/main.css hides them for the other ranges).
        <TimeField prefix name="from" label="Custom from (UTC)" value=from.unwrap_or_default() />
        <TimeField prefix name="to" label="Custom to (UTC)" value=to.unwrap_or_default() />
    }
}

#[component]
fn TimeField(prefix: &'static str, name: &'static str, label: &'static str, value: String) -> impl IntoView {
    let id = format!("{prefix}-{name}");
    // Only `YYYY-MM-DDTHH:MM` fits a datetime-local input; keep anything else as text.
    let kind = if value.is_empty() || (value.len() == 16 && value.as_bytes().get(10) == Some(&b'T')) {
        "datetime-local"
    } else {
        "text"
    };
    view! {
        <div class="field range-custom">
            <label for=id.clone()>{label}</label>
            <input id=id type=kind name=name value=value />
        </div>
    }
}

/// For a GET filter form's `on_form_data`: leaves empty fields out of the URL
/// (an empty field means "not set"), and the nameless entry leptos_router's
/// `<Form>` adds for its submit button (`&=`).
pub fn without_empty_fields() -> Arc<dyn Fn(&FormData)> {
    Arc::new(|form_data: &FormData| {
        #[cfg(feature = "hydrate")]
        {
            let empty: Vec<String> = js_sys::try_iter(form_data)
                .ok()
                .flatten()
                .into_iter()
                .flatten()
                .filter_map(|entry| {
                    let pair = js_sys::Array::from(&entry.ok()?);
                    let value = pair.get(1).as_string()?;
                    value.is_empty().then(|| pair.get(0).as_string()).flatten()
                })
                .collect();
            for name in empty {
                form_data.delete(&name);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = form_data;
    })
}
