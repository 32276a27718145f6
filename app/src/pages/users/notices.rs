//! The outcome of the latest row action (role, disable/enable, password
//! reset, ending a session): success, or for ending a session the error in
//! words (the other actions' refusals show in their row, `row_actions`). A
//! generated password appears here once.

use leptos::prelude::*;

use super::use_actions;
use crate::error::AppError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    Role,
    Disabled,
    Reset,
    EndSession,
}

#[component]
pub fn ActionNotices() -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    // Only the latest action's outcome shows. Until one runs in this browser
    // (and always on the server) every known outcome shows: that is at most
    // the error a plain form post brought back in the URL.
    let latest = RwSignal::new(None::<Which>);
    Effect::new(move |previous: Option<[usize; 4]>| {
        let now = [
            actions.set_role.version().get(),
            actions.set_disabled.version().get(),
            actions.reset_password.version().get(),
            actions.end_session.version().get(),
        ];
        if let Some(previous) = previous {
            let which = [Which::Role, Which::Disabled, Which::Reset, Which::EndSession];
            if let Some(changed) = (0..4).find(|&i| now[i] != previous[i]) {
                latest.set(Some(which[changed]));
            }
        }
        now
    });
    let shows = move |which: Which| latest.get().is_none_or(|latest| latest == which);

    let role = move || {
        shows(Which::Role)
            .then(|| actions.set_role.value().get())
            .flatten()
            .and_then(Result::ok)
            .map(|user| {
                notice(Ok(format!(
                    "{} is now {}. Their sessions were ended.",
                    user.email, user.role
                )))
            })
    };
    let disabled = move || {
        shows(Which::Disabled)
            .then(|| actions.set_disabled.value().get())
            .flatten()
            .and_then(Result::ok)
            .map(|user| {
                notice(Ok(if user.disabled {
                    format!("{} is disabled and has been signed out.", user.email)
                } else {
                    format!("{} is enabled and may sign in again.", user.email)
                }))
            })
    };
    let reset = move || {
        shows(Which::Reset)
            .then(|| actions.reset_password.value().get())
            .flatten()
            .and_then(Result::ok)
            .map(|reset| match reset.generated_password {
                Some(password) => view! {
                    <div class="success generated-password" role="status">
                        <p>{format!("New password for {}:", reset.user.email)}</p>
                        <p><code>{password}</code></p>
                        <p>"It is shown only this once: pass it on securely. Their sessions were ended."</p>
                    </div>
                }
                .into_any(),
                None => notice(Ok(format!(
                    "Password of {} reset. Their sessions were ended.",
                    reset.user.email
                ))),
            })
    };
    let ended = move || {
        shows(Which::EndSession)
            .then(|| actions.end_session.value().get())
            .flatten()
            .map(|result| notice(result.map(|()| "Session ended: that browser is signed out.".to_string())))
    };
    view! { <div class="user-notices" aria-live="polite">{role}{disabled}{reset}{ended}</div> }.into_any()
}

fn notice(result: Result<String, AppError>) -> AnyView {
    match result {
        Ok(message) => view! { <p class="success" role="status">{message}</p> }.into_any(),
        Err(error) => view! { <p class="error" role="alert">{row_text(error)}</p> }.into_any(),
    }
}

/// A refusal in words, as its row or the notice above the table shows it.
pub fn row_text(error: AppError) -> String {
    match error {
        AppError::Validation { message, .. } => message,
        AppError::Fields(errors) => errors.0.into_iter().map(|(_, m)| m).collect::<Vec<_>>().join(" "),
        AppError::NotFound => "That user no longer exists.".to_string(),
        other => other.to_string(),
    }
}
