//! Showing a server function's error beside the field it concerns, or above
//! the form when it concerns no single field.

use leptos::prelude::*;

use crate::error::AppError;

/// The message for `field`, when the error is a validation error about it.
#[component]
pub fn FieldError(#[prop(into)] error: Signal<Option<AppError>>, field: &'static str) -> impl IntoView {
    let message = move || match error.get() {
        Some(AppError::Validation { field: f, message }) if f == field => Some(message),
        _ => None,
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="field-error" id=format!("{field}-error") role="alert">{message}</p>
        </Show>
    }
}

/// Any error that is not about a single field.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let message = move || match error.get() {
        None | Some(AppError::Validation { .. }) => None,
        Some(AppError::RateLimited { retry_after }) => Some(format!(
            "This account is temporarily locked after too many failed sign-ins. Try again in {}.",
            wait_text(retry_after)
        )),
        Some(other) => Some(other.to_string()),
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="error" role="alert">{message}</p>
        </Show>
    }
}

fn wait_text(seconds: u64) -> String {
    match seconds {
        0..=59 => format!("{seconds} seconds"),
        60..=119 => "about a minute".to_string(),
        _ => format!("about {} minutes", seconds.div_ceil(60)),
    }
}
