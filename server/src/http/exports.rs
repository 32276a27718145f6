//! Every export is itself audited: who took which rows out of Opsdeck (the
//! filter or table they chose), committed before the first byte is sent,
//! so an export whose entry cannot be written is refused, not unaudited.

use axum::http::request::Parts;
use serde_json::Value;

use app::audit::Outcome;
use app::audit::ssr::{Actor, NewAuditEntry, append_and_commit};
use app::auth::CurrentUser;
use app::auth::ssr::client_info_from;
use app::error::AppError;
use app::state::AppState;

/// Appends `action` by `user` with `what` was exported as its "after".
pub async fn audit_export(
    state: &AppState,
    user: &CurrentUser,
    parts: &Parts,
    action: &'static str,
    what: Value,
) -> Result<(), AppError> {
    let entry = NewAuditEntry::new(Actor::user(user), action, Outcome::Success, client_info_from(parts))
        .change(None, Some(what));
    append_and_commit(
        state.begin("export: begin").await?,
        &state.audit_key,
        entry,
        "export: audit",
    )
    .await
}
