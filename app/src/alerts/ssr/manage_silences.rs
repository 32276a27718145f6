//! The Silences page's services: what it lists, and creating and ending a
//! silence, each with its audit entry in the same transaction.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;

use super::{form_post, silences, store};
use crate::alerts::silence::{RECENTLY_ENDED, SilenceDraft, SilencesPage};
use crate::alerts::silence_form::SilenceForm;
use crate::audit::Outcome;
use crate::audit::ssr::{Actor, AuditKey, Audited, ClientInfo, NewAuditEntry, append};
use crate::auth::permissions::{Permission, Role, allows};
use crate::auth::ssr::Caller;
use crate::error::{AppError, FieldErrors, respond};
use crate::state::AppState;

/// The Silences page at `now` as `role` sees it.
pub async fn page(conn: &mut PgConnection, now: DateTime<Utc>, role: Role) -> Result<SilencesPage, AppError> {
    let (active, ended) = silences::list(&mut *conn, now, RECENTLY_ENDED)
        .await
        .map_err(AppError::internal_in("silences: list"))?
        .into_iter()
        .partition(|s| s.ended_at.is_none() && s.draft.ends_at > now);
    let rules = store::list(conn)
        .await
        .map_err(AppError::internal_in("silences: rules"))?
        .into_iter()
        .map(|r| r.draft.name)
        .collect();
    Ok(SilencesPage {
        active,
        ended,
        rules,
        can_edit: allows(role, Permission::EditAlertRules),
    })
}

/// Stores `draft` as a new silence by `caller`; answers its id.
pub async fn create(mut change: Audited, draft: &SilenceDraft) -> Result<i64, AppError> {
    let id = silences::create(&mut change.tx, draft, change.actor.id)
        .await
        .map_err(AppError::internal_in("silences: create"))?;
    let entry = change
        .entry("alert_silence.create")
        .target("alert_silence", id)
        .change(None, Some(json!(draft)));
    change.commit(entry, "silences: audit").await?;
    Ok(id)
}

/// Creates the form's silence for `caller`; answers its id. A plain form
/// post is redirected to the Silences page (on a mistake with every field as
/// typed and the message beside its field, answered `0`: nothing created).
pub async fn create_from_form(state: &AppState, caller: &Caller, form: &SilenceForm) -> Result<i64, AppError> {
    let created = match (form.parse(Utc::now()), caller.audited(state, "silences: begin").await) {
        (Ok(draft), Ok(change)) => create(change, &draft).await,
        (Err(error), _) | (_, Err(error)) => Err(error),
    };
    let (page, fields) = ("/alerts/silences", form.query());
    match created {
        Ok(id) => Ok(form_post::redirect_on_success(&format!("{page}?created={id}"), id)),
        Err(error) => respond(form_post::back_to_form(
            error,
            page,
            &fields,
            // No `#new-silence`: a page loaded at a fragment ignores
            // `autofocus`, which moves to (and shows) the first refused field.
            "",
            FieldErrors::from,
        )),
    }
}

/// Ends silence `id` at `now` (matching alerts send again); `Conflict` when
/// it is already over.
pub async fn end(mut change: Audited, id: i64, now: DateTime<Utc>) -> Result<(), AppError> {
    let before = silences::get(&mut change.tx, id)
        .await
        .map_err(AppError::internal_in("silences: get"))?
        .ok_or(AppError::NotFound)?;
    if !silences::end(&mut change.tx, id, change.actor.id, now)
        .await
        .map_err(AppError::internal_in("silences: end"))?
    {
        return Err(AppError::Conflict("This silence is already over".into()));
    }
    let entry = change.entry("alert_silence.end").target("alert_silence", id).change(
        Some(json!(before.draft)),
        Some(json!({ "ended_at": now, "end_reason": "ended" })),
    );
    change.commit(entry, "silences: audit").await
}

/// Ends the silences whose matched alerts have all resolved
/// (`silences::end_resolved`), each with its audit entry by Opsdeck itself
/// (`alert_silence.end`, reason `resolved`), in one transaction: a silence
/// never ends unaudited. Answers their ids.
pub async fn end_resolved(conn: &mut PgConnection, audit: &AuditKey, at: DateTime<Utc>) -> sqlx::Result<Vec<i64>> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let ended = silences::end_resolved(&mut tx, at).await?;
    for &id in &ended {
        let before = silences::get(&mut tx, id).await?.map(|silence| json!(silence.draft));
        let entry = NewAuditEntry::new(
            Actor::opsdeck(),
            "alert_silence.end",
            Outcome::Success,
            ClientInfo::opsdeck("alert evaluator"),
        )
        .target("alert_silence", id)
        .change(before, Some(json!({ "ended_at": at, "end_reason": "resolved" })));
        append(&mut tx, audit, entry).await?;
    }
    tx.commit().await?;
    Ok(ended)
}
