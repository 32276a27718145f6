//! "Verify chain": a GET link (`?verify=1`), so it works without JavaScript;
//! the check runs on the server and reports the first broken entry.

use leptos::prelude::*;

use crate::audit::{AuditFilter, ChainReport, verify_audit_chain};

#[component]
pub fn VerifyPanel(filter: AuditFilter, requested: Memo<bool>) -> impl IntoView {
    let query = filter.query_string();
    let href = if query.is_empty() {
        "/audit?verify=1".to_string()
    } else {
        format!("/audit?{query}&verify=1")
    };
    let report = Resource::new(
        move || requested.get(),
        |requested| async move {
            if requested {
                Some(verify_audit_chain().await)
            } else {
                None
            }
        },
    );
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
