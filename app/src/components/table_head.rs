use leptos::prelude::*;

/// A table's header row. A column whose name starts with `~` is labelled
/// for screen readers only (e.g. a column of buttons).
#[component]
pub fn TableHead(columns: &'static [&'static str]) -> impl IntoView {
    view! {
        <thead>
            <tr>
                {columns
                    .iter()
                    .map(|column| match column.strip_prefix('~') {
                        Some(hidden) => view! { <th scope="col"><span class="visually-hidden">{hidden}</span></th> }.into_any(),
                        None => view! { <th scope="col">{*column}</th> }.into_any(),
                    })
                    .collect_view()}
            </tr>
        </thead>
    }
}
