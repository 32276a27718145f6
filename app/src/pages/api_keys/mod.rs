//! Settings › API keys (`/settings/api-keys`, admins only): create a key
//! (shown once), list keys with their last use, set expiry, revoke.
//!
//! Every form works without JavaScript: a plain post's redirect cannot carry
//! a new key, so the key waits in the admin's session until this page shows
//! it once.

mod create;
mod table;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api_keys::{CreateApiKey, RevokeApiKey, SetApiKeyExpiry, list_api_keys};
use crate::error::AppError;
use create::CreateKeyForm;
use table::KeysTable;

/// The page's server actions, shared by every row.
#[derive(Clone, Copy)]
pub(super) struct KeyActions {
    pub create: ServerAction<CreateApiKey>,
    pub revoke: ServerAction<RevokeApiKey>,
    pub set_expiry: ServerAction<SetApiKeyExpiry>,
}

pub(super) fn use_actions() -> Option<KeyActions> {
    use_context::<KeyActions>()
}

#[component]
pub fn ApiKeys() -> impl IntoView {
    let actions = KeyActions {
        create: ServerAction::new(),
        revoke: ServerAction::new(),
        set_expiry: ServerAction::new(),
    };
    provide_context(actions);
    let keys = Resource::new(
        move || {
            (
                actions.create.version().get(),
                actions.revoke.version().get(),
                actions.set_expiry.version().get(),
            )
        },
        |_| list_api_keys(),
    );

    view! {
        <Title text="API keys" />
        <p class="breadcrumb"><a href="/settings">"Settings"</a>" › API keys"</p>
        <h1>"API keys"</h1>
        <p class="muted">
            "Services and scripts send metrics with an API key: "
            <code>"Authorization: Bearer odk_…"</code>
            ". A key is shown once, when it is created; Opsdeck keeps only its hash. A key with the "
            <code>"errors"</code>
            " scope comes with a DSN for Sentry SDKs, shown once with it."
        </p>
        <RowNotices />
        <Transition fallback=|| view! { <p class="muted">"Loading API keys…"</p> }>
            {move || keys.get().map(|result| match result {
                Ok(keys) => view! { <KeysTable keys /> }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{format!("Could not load the API keys: {error}")}</p> }.into_any(),
            })}
        </Transition>
        <CreateKeyForm />
    }
}

/// The outcome of the latest revoke or expiry change.
#[component]
fn RowNotices() -> impl IntoView {
    let Some(actions) = use_actions() else {
        return ().into_any();
    };
    let revoked = move || {
        actions
            .revoke
            .value()
            .get()
            .map(|result| notice(result.map(|key| format!("{} ({}) is revoked.", key.name, key.masked()))))
    };
    let expiry = move || {
        actions.set_expiry.value().get().map(|result| {
            notice(result.map(|key| match key.expires_at {
                Some(at) => format!("{} ({}) expires {}.", key.name, key.masked(), when(Some(at))),
                None => format!("{} ({}) never expires.", key.name, key.masked()),
            }))
        })
    };
    view! { <div class="user-notices" aria-live="polite">{revoked}{expiry}</div> }.into_any()
}

fn notice(result: Result<String, AppError>) -> AnyView {
    match result {
        Ok(message) => view! { <p class="success" role="status">{message}</p> }.into_any(),
        Err(AppError::Validation { message, .. }) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
        Err(AppError::NotFound) => view! { <p class="error" role="alert">"That key no longer exists."</p> }.into_any(),
        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
    }
}

/// `2026-11-24 10:15 UTC`, or a dash.
pub(super) fn when(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "—".to_string())
}
