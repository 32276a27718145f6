//! The HTML document, the app's routes and its layout.

use leptos::prelude::*;
use leptos_meta::{Html, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::layout::Layout;
use crate::pages::{
    Alerts, ApiKeys, AuditEntryPage, AuditLog, BackupRunPage, Backups, Channels, DataStoreTargetPage, DataStoresPage,
    Deployments, Errors, HealthChecks, ImportRules, IssuePage, LogContextPage, LogTracePage, Login, Logs,
    MonitoringSettingsPage, NewRule, NewSlo, NotFound, Overview, Performance, Profile, ReportSchedules, Reports,
    RulePage, Rules, ScrapeTargetPage, ScrapeTargets, Settings, Silences, SloFiles, SloPage, Slos, TracePage, Users,
};
use crate::theme::{Theme, initial_theme};

/// The full document the server sends; the browser hydrates `<body>`.
pub fn shell(_options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <SiteFiles />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The favicon, the stylesheet and the hydration scripts under the site's
/// content-hashed names (`site_assets`), and where the chart library is
/// (`components/chart/browser.rs` reads it when a page first draws a chart).
/// (Leptos's `HydrationScripts` reads the hash file on every request; its
/// script is copied into `shell_hydration.js`.)
#[cfg(feature = "ssr")]
#[component]
fn SiteFiles() -> impl IntoView {
    let assets = use_context::<crate::state::AppState>()
        .map(|state| state.assets.clone())
        .unwrap_or_default();
    let (pkg, js, wasm) = assets.hydration_names();
    let script = format!(
        "{HYDRATION_SCRIPT}(\"\", {pkg:?}, {js:?}, {wasm:?}, false);",
        HYDRATION_SCRIPT = include_str!("shell_hydration.js").trim_end()
    );
    let nonce = leptos::nonce::use_nonce();
    let chart_library = crate::components::chart::ECHARTS_META;
    view! {
        <link rel="icon" href=assets.favicon_href() type="image/svg+xml" />
        <link rel="stylesheet" href=assets.css_href() />
        <link rel="modulepreload" href=assets.js_href() crossorigin="anonymous" />
        <link rel="preload" href=assets.wasm_href() r#as="fetch" r#type="application/wasm" crossorigin="anonymous" />
        <meta name=chart_library content=assets.echarts_src() />
        <script type="module" nonce=nonce>{script}</script>
    }
}

/// Never rendered in the browser (the server sends the document).
#[cfg(not(feature = "ssr"))]
#[component]
fn SiteFiles() -> impl IntoView {}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let theme = RwSignal::new(initial_theme());
    provide_context(theme);
    let data_theme = move || match theme.get() {
        Theme::System => None,
        chosen => Some(chosen.as_str()),
    };

    view! {
        <Html {..} data-theme=data_theme />
        // No ECharts here: the first chart of a page adds its script
        // (components/chart/browser.rs), so pages without one never load it.
        <Title formatter=|title: String| if title.is_empty() { "Opsdeck".to_string() } else { format!("{title} · Opsdeck") } />
        <Router>
            <Layout>
                // In-order streaming everywhere: every page is complete HTML without JavaScript.
                <Routes fallback=NotFound>
                                        <Route path=path!("/") view=Overview ssr=SsrMode::InOrder />
                    <Route path=path!("/login") view=Login ssr=SsrMode::InOrder />
                    <Route path=path!("/profile") view=Profile ssr=SsrMode::InOrder />
                    <Route path=path!("/performance") view=Performance ssr=SsrMode::InOrder />
                    <Route path=path!("/health-checks") view=HealthChecks ssr=SsrMode::InOrder />
                    <Route path=path!("/datastores") view=DataStoresPage ssr=SsrMode::InOrder />
                    <Route path=path!("/datastores/target") view=DataStoreTargetPage ssr=SsrMode::InOrder />
                    <Route path=path!("/alerts") view=Alerts ssr=SsrMode::InOrder />
                    <Route path=path!("/alerts/rules") view=Rules ssr=SsrMode::InOrder />
                    <Route path=path!("/alerts/channels") view=Channels ssr=SsrMode::InOrder />
                    <Route path=path!("/alerts/rules/new") view=NewRule ssr=SsrMode::InOrder />
                    <Route path=path!("/alerts/rules/import") view=ImportRules ssr=SsrMode::InOrder />
                    <Route path=path!("/alerts/rules/:id") view=RulePage ssr=SsrMode::InOrder />
                    <Route path=path!("/alerts/silences") view=Silences ssr=SsrMode::InOrder />
                    <Route path=path!("/slos") view=Slos ssr=SsrMode::InOrder />
                    <Route path=path!("/slos/new") view=NewSlo ssr=SsrMode::InOrder />
                    <Route path=path!("/slos/files") view=SloFiles ssr=SsrMode::InOrder />
                    <Route path=path!("/slos/:id") view=SloPage ssr=SsrMode::InOrder />
                    <Route path=path!("/logs") view=Logs ssr=SsrMode::InOrder />
                    <Route path=path!("/logs/context") view=LogContextPage ssr=SsrMode::InOrder />
                    <Route path=path!("/logs/trace") view=LogTracePage ssr=SsrMode::InOrder />
                    <Route path=path!("/traces/:id") view=TracePage ssr=SsrMode::Async />
                    <Route path=path!("/errors") view=Errors ssr=SsrMode::InOrder />
                    <Route path=path!("/errors/issues/:id") view=IssuePage ssr=SsrMode::InOrder />
                    <Route path=path!("/backups") view=Backups ssr=SsrMode::InOrder />
                    <Route path=path!("/backups/runs/:id") view=BackupRunPage ssr=SsrMode::InOrder />
                    <Route path=path!("/deployments") view=Deployments ssr=SsrMode::InOrder />
                    <Route path=path!("/reports") view=Reports ssr=SsrMode::InOrder />
                    <Route path=path!("/reports/schedules") view=ReportSchedules ssr=SsrMode::InOrder />
                    <Route path=path!("/audit") view=AuditLog ssr=SsrMode::InOrder />
                    <Route path=path!("/audit/:id") view=AuditEntryPage ssr=SsrMode::InOrder />
                    <Route path=path!("/settings") view=Settings ssr=SsrMode::InOrder />
                    <Route path=path!("/settings/api-keys") view=ApiKeys ssr=SsrMode::InOrder />
                    <Route path=path!("/settings/monitoring") view=MonitoringSettingsPage ssr=SsrMode::InOrder />
                    <Route path=path!("/settings/scrape-targets") view=ScrapeTargets ssr=SsrMode::InOrder />
                    <Route path=path!("/settings/scrape-targets/:id") view=ScrapeTargetPage ssr=SsrMode::InOrder />
                    <Route path=path!("/users") view=Users ssr=SsrMode::InOrder />
                </Routes>
            </Layout>
        </Router>
    }
}
