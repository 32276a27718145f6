//! The Silences page's server functions. Listing needs `ReadAlerts`;
//! creating and ending need `EditAlertRules` and are audited in the same
//! transaction as the change.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::silence::{Silence, SilenceForm};
use crate::error::AppError;

/// How many silences that are over the page lists.
pub const RECENTLY_ENDED: i64 = 50;

/// The Silences page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SilencesPage {
    /// In force or still to start, soonest to expire first.
    pub active: Vec<Silence>,
    /// Ended or expired, most recent first.
    pub ended: Vec<Silence>,
    /// Every rule's name, for the form's suggestions.
    pub rules: Vec<String>,
    pub can_edit: bool,
}

#[server(endpoint = "alerts/silences")]
pub async fn list_silences() -> Result<SilencesPage, AppError> {
    crate::error::respond(ssr::list().await)
}

/// Creates a silence; answers its id. A plain form post is redirected to the
/// Silences page (on a mistake with every field as typed and the message
/// beside its field).
#[server(endpoint = "alerts/silence-create")]
pub async fn create_silence(silence: SilenceForm) -> Result<i64, AppError> {
    crate::error::respond(ssr::create(silence).await)
}

/// Ends a silence now: matching alerts send again.
#[server(endpoint = "alerts/silence-end")]
pub async fn end_silence(id: i64) -> Result<(), AppError> {
    crate::error::respond(ssr::end(id).await)
}

#[cfg(feature = "ssr")]
mod ssr {
    use chrono::Utc;
    use serde_json::json;

    use super::*;
    use crate::alerts::silence::SilenceDraft;
    use crate::alerts::ssr::{silences, store};
    use crate::audit::Outcome;
    use crate::audit::ssr::{NewAuditEntry, append_and_commit};
    use crate::auth::permissions::{Permission, allows};
    use crate::state::app_state;

    pub async fn list() -> Result<SilencesPage, AppError> {
        let user = crate::auth::ssr::acting(Permission::ReadAlerts).await?.user;
        let state = app_state()?;
        let mut conn = state.connection("silences: acquire").await?;
        let now = Utc::now();
        let (active, ended) = silences::list(&mut conn, now, RECENTLY_ENDED)
            .await
            .map_err(AppError::internal_in("silences: list"))?
            .into_iter()
            .partition(|s| s.ended_at.is_none() && s.draft.ends_at > now);
        let rules = store::list(&mut conn)
            .await
            .map_err(AppError::internal_in("silences: rules"))?
            .into_iter()
            .map(|r| r.draft.name)
            .collect();
        Ok(SilencesPage {
            active,
            ended,
            rules,
            can_edit: allows(user.role, Permission::EditAlertRules),
        })
    }

    pub async fn create(form: SilenceForm) -> Result<i64, AppError> {
        let acting = crate::auth::ssr::acting(Permission::EditAlertRules).await?;
        let plain_post = crate::error::is_plain_form_post();
        let created = match form.parse(Utc::now()) {
            Ok(draft) => create_draft(acting, &draft).await,
            Err(error) => Err(error),
        };
        let id = match created {
            Ok(id) => id,
            // Without JavaScript, back to the form with every field as typed
            // and each message beside its field (answered `0`: nothing created).
            Err(error) if plain_post && !matches!(error, AppError::Unauthorized | AppError::Forbidden) => {
                let errors = crate::error::FieldErrors::from(error);
                let back = crate::url::with_field_errors("/alerts/silences", &form.query(), &errors.0);
                // No `#new-silence`: a page loaded at a fragment ignores
                // `autofocus`, which moves to (and shows) the first refused field.
                leptos_axum::redirect(&back);
                return Ok(0);
            }
            Err(error) => return Err(error),
        };
        if plain_post {
            leptos_axum::redirect(&format!("/alerts/silences?created={id}"));
        }
        Ok(id)
    }

    async fn create_draft(acting: crate::auth::ssr::Caller, draft: &SilenceDraft) -> Result<i64, AppError> {
        let state = app_state()?;
        let mut tx = state.begin("silences: begin").await?;
        let id = silences::create(&mut tx, draft, acting.actor.id)
            .await
            .map_err(AppError::internal_in("silences: create"))?;
        let entry = NewAuditEntry::new(acting.actor, "alert_silence.create", Outcome::Success, acting.client)
            .target("alert_silence", id)
            .change(None, Some(json!(draft)));
        append_and_commit(tx, &state.audit_key, entry, "silences: audit").await?;
        Ok(id)
    }

    pub async fn end(id: i64) -> Result<(), AppError> {
        let acting = crate::auth::ssr::acting(Permission::EditAlertRules).await?;
        let state = app_state()?;
        let mut tx = state.begin("silences: begin").await?;
        let before = silences::get(&mut tx, id)
            .await
            .map_err(AppError::internal_in("silences: get"))?
            .ok_or(AppError::NotFound)?;
        let now = Utc::now();
        if !silences::end(&mut tx, id, acting.actor.id, now)
            .await
            .map_err(AppError::internal_in("silences: end"))?
        {
            return Err(AppError::Conflict("This silence is already over".into()));
        }
        let entry = NewAuditEntry::new(acting.actor, "alert_silence.end", Outcome::Success, acting.client)
            .target("alert_silence", id)
            .change(
                Some(json!(before.draft)),
                Some(json!({ "ended_at": now, "end_reason": "ended" })),
            );
        append_and_commit(tx, &state.audit_key, entry, "silences: audit").await?;
        if crate::error::is_plain_form_post() {
            leptos_axum::redirect("/alerts/silences");
        }
        Ok(())
    }
}
