//! The filter form: a plain GET form, so it works without JavaScript and the
//! filtered view is a bookmarkable URL.

use leptos::prelude::*;
use leptos_router::components::Form;

use crate::components::field::{Field, FieldMarks};

use crate::audit::{AuditFilter, Outcome};

#[component]
pub fn FilterForm(filter: Memo<AuditFilter>) -> impl IntoView {
    let field = move |get: fn(&AuditFilter) -> &Option<String>| move || get(&filter.read()).clone().unwrap_or_default();
    view! {
        <section class="panel audit-filters" aria-labelledby="audit-filters-heading">
            <h2 id="audit-filters-heading">"Filter"</h2>
            <Form method="GET" action="/audit">
                <div class="filter-grid">
                    <TimeField name="from" label="From (UTC)" end_of_day=false value=Signal::derive(field(|f| &f.from)) />
                    <TimeField name="to" label="To (UTC)" end_of_day=true value=Signal::derive(field(|f| &f.to)) />
                    <TextField name="actor" label="Actor email" value=Signal::derive(field(|f| &f.actor)) />
                    <TextField name="action" label="Action" value=Signal::derive(field(|f| &f.action)) />
                    <TextField name="target_type" label="Target type" value=Signal::derive(field(|f| &f.target_type)) />
                    <TextField name="target_id" label="Target id" value=Signal::derive(field(|f| &f.target_id)) />
                    <OutcomeField value=Signal::derive(field(|f| &f.outcome)) />
                    <TextField name="q" label="Search text" value=Signal::derive(field(|f| &f.q)) />
                </div>
                <div class="filter-buttons">
                    <button type="submit">"Apply filters"</button>
                    <a href="/audit">"Clear filters"</a>
                </div>
            </Form>
        </section>
    }
}

#[component]
fn TextField(name: &'static str, label: &'static str, value: Signal<String>) -> impl IntoView {
    let id = format!("audit-{name}");
    view! {
        // `value` for the server-rendered HTML, `prop:value` to reset a field the user typed in.
        <Field id name label control=move |m: FieldMarks| view! {
            <input id=m.id type="text" name=m.name maxlength="254" value=value prop:value=value />
        } />
    }
}

/// A `datetime-local` input; a value it cannot show (seconds, offsets) falls
/// back to a text input so resubmitting the form keeps the filter.
#[component]
fn TimeField(name: &'static str, label: &'static str, end_of_day: bool, value: Signal<String>) -> impl IntoView {
    let id = format!("audit-{name}");
    let shown = Signal::derive(move || value.with(|v| as_datetime_local(v, end_of_day)));
    let kind = move || {
        if shown.get().is_some() {
            "datetime-local"
        } else {
            "text"
        }
    };
    let text = Signal::derive(move || shown.get().unwrap_or_else(|| value.get()));
    view! {
        <Field id name label control=move |m: FieldMarks| view! {
            <input id=m.id type=kind name=m.name value=text prop:value=text />
        } />
    }
}

/// `value` as `YYYY-MM-DDTHH:MM`, when that means the same filter. A bare
/// date "to" covers its whole day, which 23:59 (to the minute) also does.
fn as_datetime_local(value: &str, end_of_day: bool) -> Option<String> {
    let value = value.trim();
    let digits_at = |positions: &[usize]| {
        positions
            .iter()
            .all(|&i| value.as_bytes().get(i).is_some_and(u8::is_ascii_digit))
    };
    match value.len() {
        0 => Some(String::new()),
        10 if digits_at(&[0, 1, 2, 3, 5, 6, 8, 9]) => {
            Some(format!("{value}T{}", if end_of_day { "23:59" } else { "00:00" }))
        }
        16 if digits_at(&[0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15]) && value.as_bytes().get(10) == Some(&b'T') => {
            Some(value.to_string())
        }
        _ => None,
    }
}

#[component]
fn OutcomeField(value: Signal<String>) -> impl IntoView {
    view! {
        <Field id="audit-outcome" name="outcome" label="Outcome" control=move |m: FieldMarks| view! {
                <select id=m.id name=m.name prop:value=value>
                    <option value="" selected=move || value.get().is_empty()>"Any"</option>
                    {Outcome::ALL
                        .into_iter()
                        .map(|outcome| view! {
                            <option value=outcome.as_str() selected=move || value.get() == outcome.as_str()>
                                {outcome_label(outcome)}
                            </option>
                        })
                        .collect_view()}
                </select>
        } />
    }
}

pub fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Success => "Success",
        Outcome::Failure => "Failure",
        Outcome::Denied => "Denied",
    }
}

#[cfg(test)]
mod tests {
    use super::as_datetime_local;

    #[test]
    fn dates_become_datetime_local_values_with_the_same_meaning() {
        assert_eq!(
            as_datetime_local("2026-11-24", false).as_deref(),
            Some("2026-11-24T00:00")
        );
        assert_eq!(
            as_datetime_local("2026-11-24", true).as_deref(),
            Some("2026-11-24T23:59")
        );
        assert_eq!(
            as_datetime_local("2026-11-24T10:15", true).as_deref(),
            Some("2026-11-24T10:15")
        );
        assert_eq!(as_datetime_local("", true).as_deref(), Some(""));
        assert_eq!(as_datetime_local("2026-11-24T10:15:30", false), None);
        assert_eq!(as_datetime_local("yesterday!", false), None);
    }
}
