//! "Verify chain": a GET link (`?verify=1`), so it works without JavaScript;
//! the check runs on the server and reports the first broken entry.

use leptos::prelude::*;

use crate::audit::{AuditFilter, ChainReport, verify_audit_chain};
use crate::error::AppError;

/// The chain check the URL asks for (`None` until asked).
pub type ReportResource = Resource<Option<Result<ChainReport, AppError>>>;

/// Created once by the page, outside its `Transition`: a resource created in
/// the panel would be created (and the whole chain walked) again each time
/// the server re-walks the listing while it waits.
///
/// `may_verify` holds it back for roles without the permission (they are
/// shown no "Verify chain", and a hand-typed `?verify=1` is not a refusal).
pub fn chain_report(requested: Memo<bool>, may_verify: Signal<bool>) -> ReportResource {
    Resource::new(
        move || requested.get() && may_verify.get(),
        |requested| async move {
            if requested {
                Some(verify_audit_chain().await)
            } else {
                None
            }
        },
    )
}

#[component]
pub fn VerifyPanel(filter: AuditFilter, report: ReportResource) -> impl IntoView {
    let query = filter.query_string();
    let href = if query.is_empty() {
        "/audit?verify=1".to_string()
    } else {
        format!("/audit?{query}&verify=1")
    };
    view! {
        <div class="verify">
            <a class="button" href=href>"Verify chain"</a>
            <Transition fallback=|| view! { <span class="muted" role="status">"Verifying the chain…"</span> }>
                {move || report.get().flatten().map(|result| match result {
                    Ok(report) => view! { <ChainStatus report /> }.into_any(),
                    Err(error) => view! {
                        <span class="error" role="alert">{format!("Could not verify the chain: {error}")}</span>
                    }.into_any(),
                })}
            </Transition>
        </div>
    }
}

#[component]
fn ChainStatus(report: ChainReport) -> impl IntoView {
    let class = match report {
        ChainReport::Intact { .. } => "chain-status chain-intact",
        ChainReport::Broken { .. } => "chain-status chain-broken",
    };
    view! { <span class=class role="status" data-testid="chain-status">{report.to_string()}</span> }
}
