//! The demo's SLOs, created once (by name) with their burn-rate rules, so
//! the SLO pages, the Overview's strip and the monthly report have
//! objectives to hold the demo services to: availability per calendar
//! month for each service, and a latency objective for the busiest.

use app::audit::ssr::{Actor, Audited, ClientInfo};
use app::slo::{SloDraft, SloKind, SloWindow};
use app::state::AppState;

use super::SERVICES;

fn drafts() -> Vec<SloDraft> {
    let availability = SERVICES.iter().map(|service| SloDraft {
        name: format!("Demo: {} availability", service.name),
        description: "Created by `opsdeck demo` for its generated traffic.".into(),
        service: service.name.into(),
        endpoint: None,
        kind: SloKind::Availability,
        good_statuses: None,
        threshold_ms: None,
        objective: 99.5,
        window: SloWindow::Month,
    });
    let latency = SloDraft {
        name: "Demo: demo-catalog answers within 150 ms".into(),
        description: "Created by `opsdeck demo` for its generated traffic.".into(),
        service: "demo-catalog".into(),
        endpoint: None,
        kind: SloKind::Latency,
        good_statuses: None,
        threshold_ms: Some(150.0),
        objective: 99.0,
        window: SloWindow::Rolling30,
    };
    availability.chain(std::iter::once(latency)).collect()
}

/// Creates the demo SLOs that do not exist yet (audited as the CLI).
pub async fn ensure(state: &AppState) {
    let existing: Vec<String> = match sqlx::query_scalar("SELECT name FROM slos").fetch_all(&state.db).await {
        Ok(names) => names,
        Err(error) => {
            eprintln!("opsdeck demo: no demo SLOs ({error})");
            return;
        }
    };
    for draft in drafts().into_iter().filter(|d| !existing.contains(&d.name)) {
        let client = ClientInfo::cli("opsdeck demo");
        let kept = app::slo::ssr::manage::retention(state);
        let saved = match Audited::begin(state, Actor::cli(), client, "demo: begin").await {
            Ok(change) => app::slo::ssr::manage::save(change, None, &draft, kept, "slo.create").await,
            Err(error) => Err(error),
        };
        match saved {
            Ok(_) => eprintln!("opsdeck demo: created the SLO \"{}\"", draft.name),
            Err(error) => eprintln!("opsdeck demo: could not create the SLO \"{}\": {error}", draft.name),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_slos_are_valid() {
        for draft in super::drafts() {
            assert!(draft.validate().is_ok(), "{}", draft.name);
        }
    }
}
