//! Form parts every page uses: the one text area (`TextArea`), and a
//! server function's error beside the field it concerns, or above the form
//! when it concerns no single field.

use leptos::prelude::*;

use crate::error::{AppError, FieldErrors};

/// The message about `field` in `error`, if it has one.
pub fn message_for(error: Option<&AppError>, field: &str) -> Option<String> {
    match error? {
        AppError::Validation { field: f, message } if f == field => Some(message.clone()),
        AppError::Fields(errors) => errors.get(field).map(str::to_string),
        _ => None,
    }
}

/// The id of `field`'s error message, for the input's `aria-describedby`.
pub fn error_id(field: &str) -> String {
    format!("{field}-error")
}

/// `aria-describedby` for `field`'s input: its hint's id (if any) and, while
/// it has an error, the error message's id.
pub fn described_by(error: Option<&AppError>, field: &str, hint: Option<&str>) -> Option<String> {
    let ids: Vec<String> = hint
        .map(str::to_string)
        .into_iter()
        .chain(message_for(error, field).map(|_| error_id(field)))
        .collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// The first field `error` refuses: the page puts the focus there
/// (`autofocus`, which works with and without JavaScript).
pub fn first_field(error: Option<&AppError>) -> Option<String> {
    match error? {
        AppError::Validation { field, .. } => Some(field.clone()),
        AppError::Fields(errors) => errors.0.iter().map(|(f, _)| f.clone()).find(|f| !f.is_empty()),
        _ => None,
    }
}

/// A field's `aria-describedby` and `aria-invalid` (following the error) and
/// whether it takes the focus when the page loads with errors.
pub fn field_marks(
    error: Signal<Option<AppError>>,
    name: &'static str,
    hint: Option<String>,
) -> (
    impl Fn() -> Option<String> + Send + Sync + 'static,
    impl Fn() -> Option<&'static str> + Send + Sync + 'static,
    bool,
) {
    let focus = error.with_untracked(|e| first_field(e.as_ref())).as_deref() == Some(name);
    (
        move || error.with(|e| described_by(e.as_ref(), name, hint.as_deref())),
        move || error.with(|e| described_by(e.as_ref(), name, None)).map(|_| "true"),
        focus,
    )
}

/// The errors a refused plain form post left in the page's URL
/// (`error_field=…&error=…`, repeated; see `url::with_field_errors`).
pub fn errors_from_query(query: &leptos_router::params::ParamsMap) -> Option<AppError> {
    let fields = query.get_all("error_field").unwrap_or_default();
    let messages = query.get_all("error").unwrap_or_default();
    let mut errors = FieldErrors::default();
    for (field, message) in fields.into_iter().zip(messages) {
        errors.push(field, message);
    }
    errors.check().err()
}

/// What was typed into the form posting to the server function at `path`
/// (its `PATH`), when that plain (no-JavaScript) post was refused: the
/// server adds the posted fields, secrets left out, to the redirect back as
/// `__form` (server/src/http/form_echo.rs). Empty otherwise.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Typed(Vec<(String, String)>);

impl Typed {
    pub fn for_action(path: &str) -> Self {
        let query = leptos_router::hooks::use_query_map();
        let query = query.read_untracked();
        if query.get_all("__path").and_then(|p| p.last().cloned()).as_deref() != Some(path) {
            return Self::default();
        }
        let form = query
            .get_all("__form")
            .and_then(|f| f.last().cloned())
            .unwrap_or_default();
        Self::parse(&form)
    }

    /// `name=value&…` as a form posts it (`+` for a space).
    pub fn parse(form: &str) -> Self {
        Self(crate::url::query_pairs(&form.replace('+', " ")).into_iter().collect())
    }

    /// The value typed for `name`; empty when none.
    pub fn value(&self, name: &str) -> String {
        self.get(name).unwrap_or_default()
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }
}

/// The message for `field`, when the error is a validation error about it;
/// its id is [`error_id`]`(field)`, or `id` for a form repeated per row.
#[component]
pub fn FieldError(
    #[prop(into)] error: Signal<Option<AppError>>,
    field: &'static str,
    #[prop(optional, into)] id: Option<String>,
) -> impl IntoView {
    let message = move || error.with(|e| message_for(e.as_ref(), field));
    let id = id.unwrap_or_else(|| error_id(field));
    view! {
        <Show when=move || message().is_some()>
            <p class="field-error" id=id.clone() role="alert">{message}</p>
        </Show>
    }
}

/// Any error that is not about a single field; for several field errors, a
/// line saying how many fields to correct.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let message = move || match error.get() {
        None | Some(AppError::Validation { .. }) => None,
        Some(AppError::Fields(errors)) => Some(errors.get("").map_or_else(
            || {
                format!(
                    "{} fields need correcting: see the messages beside them.",
                    errors.0.len()
                )
            },
            str::to_string,
        )),
        Some(AppError::RateLimited { retry_after }) => Some(format!(
            "This account is temporarily locked after too many failed sign-ins. Try again in {}.",
            wait_text(retry_after)
        )),
        Some(other) => Some(other.to_string()),
    };
    // After a refused submit with JavaScript, the focus goes to the first
    // field marked invalid (a page loaded with errors uses `autofocus`).
    Effect::new(move |_| {
        if error.with(|e| matches!(e, Some(AppError::Validation { .. } | AppError::Fields(_)))) {
            focus_first_invalid();
        }
    });
    view! {
        <Show when=move || message().is_some()>
            <p class="error" role="alert">{message}</p>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
fn focus_first_invalid() {
    use wasm_bindgen::JsCast;
    if let Some(field) = document()
        .query_selector("[aria-invalid=true]")
        .ok()
        .flatten()
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = field.focus();
    }
}

#[cfg(not(feature = "hydrate"))]
fn focus_first_invalid() {}

/// Moves the focus to the element `id` (after a refused submit with
/// JavaScript; a page loaded with errors uses `autofocus`).
#[cfg(feature = "hydrate")]
pub fn focus_by_id(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(field) = document()
        .get_element_by_id(id)
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = field.focus();
    }
}

#[cfg(not(feature = "hydrate"))]
pub fn focus_by_id(_id: &str) {}

/// A `<textarea>` showing `value` exactly — the only way Opsdeck renders
/// one (a test fails on any other `<textarea` in the sources).
///
/// Leptos 0.8 writes a textarea's children unescaped (leptos-rs/leptos
/// #4730, reverted in #4819), so a value holding `</textarea>` would end the
/// element and the rest would be parsed as markup. A textarea's content is
/// RCDATA: the browser decodes entities in it, so the value is written as
/// HTML-escaped `inner_html` and reads back as typed. The parser drops one
/// line break right after `<textarea>`; the server writes one first so a
/// value that starts with a line break keeps it. (Built in the browser, the
/// same text is set as the element's content, where no line break is dropped;
/// a hydrated textarea keeps the server's content.)
///
/// Other attributes (`required`, `maxlength`, `on:input`, `disabled`, …) are
/// given with `attr:`/`on:` and land on the textarea.
#[component]
pub fn TextArea(
    #[prop(into)] id: String,
    #[prop(into)] name: String,
    #[prop(into)] value: String,
    #[prop(default = 2)] rows: u32,
    /// Ids of hints and errors that describe the field (`aria-describedby`).
    #[prop(default = None)]
    described_by: Option<String>,
) -> impl IntoView {
    view! {
        <textarea id=id name=name rows=rows.to_string() aria-describedby=described_by inner_html=textarea_content(&value)></textarea>
    }
}

/// `value` as a textarea's escaped content (see [`TextArea`]).
pub fn textarea_content(value: &str) -> String {
    let escaped = html_escape::encode_text(value);
    if cfg!(feature = "ssr") {
        format!("\n{escaped}")
    } else {
        escaped.into_owned()
    }
}

fn wait_text(seconds: u64) -> String {
    match seconds {
        0..=59 => format!("{seconds} seconds"),
        60..=119 => "about a minute".to_string(),
        _ => format!("about {} minutes", seconds.div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_are_read_as_a_form_posts_them() {
        let typed = Typed::parse("email=a%2Bb%40c.d&display_name=Ann+Lee&role=admin");
        assert_eq!(typed.value("email"), "a+b@c.d");
        assert_eq!(typed.value("display_name"), "Ann Lee");
        assert_eq!(typed.get("password"), None);
    }

    #[test]
    fn textarea_content_cannot_end_the_element() {
        let content = textarea_content("</textarea><h2 id=pwned>&amp;</h2>\n<!-- </script></style>");
        assert!(!content.contains('<'), "{content}");
        assert_eq!(
            content.trim_start_matches('\n'),
            "&lt;/textarea&gt;&lt;h2 id=pwned&gt;&amp;amp;&lt;/h2&gt;\n&lt;!-- &lt;/script&gt;&lt;/style&gt;"
        );
    }

    /// Every textarea goes through [`TextArea`], and no page writes a raw-text
    /// element (`script`, `style`, `noscript`, `textarea`) with children
    /// Leptos would not escape.
    #[test]
    fn no_page_renders_a_raw_text_element_itself() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut offenders = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("components/form.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                // Tests may hold such markup as hostile input to escape.
                let text = text.split("#[cfg(test)]").next().unwrap_or_default();
                for tag in ["<textarea", "<script", "<style", "<noscript"] {
                    // The document's own hydration script holds the build's
                    // file names, never text anyone typed.
                    let shell_script = tag == "<script" && path.ends_with("shell.rs");
                    if text.contains(tag) && !shell_script {
                        offenders.push(format!("{}: {tag}", path.display()));
                    }
                }
            }
        }
        assert!(offenders.is_empty(), "use components::form::TextArea: {offenders:?}");
    }
}
