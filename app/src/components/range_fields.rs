//! The time-range fields of a page's GET form: a range (15 min … 30 days or
//! custom) and, for a custom one, from and to (UTC).

use leptos::prelude::*;

use crate::metrics::pages::TimeRange;

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
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id type=kind name=name value=value />
        </div>
    }
}
