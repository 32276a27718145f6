//! The Reports page (`/reports?month=2026-11&service=…`; managers, admins,
//! operators): one calendar month in one document — the key numbers, each
//! service's latency and errors against the month before, incidents,
//! deployments and backups — each table downloadable as CSV, each figure
//! linking to where it came from. The URL is the permalink; the picker is
//! a plain GET form; the print stylesheet makes it one clean page set.
//! `schedules.rs` is `/reports/schedules`: summaries posted to channels.

mod changes;
mod schedules;
mod slos;
mod summary;
mod tables;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

pub use schedules::ReportSchedules;

use super::Area;
use crate::auth::permissions::{Permission, allows};
use crate::auth::use_current_user;
use crate::components::field::{Field, FieldMarks};
use crate::reports::month::Month;
use crate::reports::view::Report;
use crate::reports::{ReportQuery, Table, get_monthly_report};

#[component]
pub fn Reports() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| ReportQuery::of(&query_map.read()));
    let report = Resource::new(move || query.get(), get_monthly_report);
    view! {
        <Title text="Reports" />
        <Transition fallback=|| view! { <h1>"Monthly report"</h1><p class="muted">"Computing the report…"</p> }>
            {move || report.get().map(|result| match result {
                Ok(report) => view! { <Document report query=query.get() /> }.into_any(),
                Err(error) => view! {
                    <h1>"Monthly report"</h1>
                    <Picker query=query.get() month=None services=Vec::new() />
                    <p class="error" role="alert" data-testid="report-error">{format!("Could not make the report: {error}")}</p>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Document(report: Report, query: ReportQuery) -> impl IntoView {
    let month = report.month;
    let scope = report.service.clone().unwrap_or_else(|| "all services".to_string());
    let so_far = (!report.complete).then(|| {
        format!(
            "The month is not over: figures up to {}.",
            report.computed_at.format("%Y-%m-%d %H:%M UTC")
        )
    });
    let picker = query.clone();
    let csv = move |table: Table| query.csv_href(month, table);
    view! {
        <div class="page-head report-head">
            <h1>{format!("{} — {scope}", month.title())}</h1>
            <div class="page-links no-print">
                <Transition fallback=|| ()>
                    {move || use_current_user()
                        .filter(|user| allows(user.role, Permission::ManageChannels))
                        .map(|_| view! { <a href="/reports/schedules">"Scheduled reports"</a> })}
                </Transition>
                <PrintButton />
            </div>
        </div>
        <p class="muted">{Area::Reports.purpose()}" Times are UTC."</p>
        {so_far.map(|text| view! { <p class="notice" data-testid="report-so-far">{text}</p> })}
        <Picker query=picker month=Some(month) services=report.services.clone() />
        <summary::KeyNumbers report=report.clone() />
        <slos::SloTables report=report.clone() csv=csv(Table::Slos) history_csv=csv(Table::History) />
        <tables::PerformanceTable report=report.clone() csv=csv(Table::Performance) />
        <tables::IncidentsTable report=report.clone() csv=csv(Table::Incidents) />
        <changes::DeploymentsTable report=report.clone() csv=csv(Table::Deployments) />
        <changes::BackupsTable report csv=csv(Table::Backups) />
    }
}

/// The month and service, as a GET form; links to the months either side.
#[component]
fn Picker(query: ReportQuery, month: Option<Month>, services: Vec<String>) -> impl IntoView {
    let typed = query.month.clone().unwrap_or_default();
    let value = month.map(|m| m.to_string()).unwrap_or(typed);
    let chosen = query.service().unwrap_or_default();
    let this_month = Month::of(chrono::Utc::now());
    let neighbours = month.map(|month| {
        let next = (month < this_month).then(|| query.href(month.next()));
        view! {
            <nav class="page-links no-print" aria-label="Other months">
                <a href=query.href(month.previous()) rel="prev">{format!("← {}", month.previous().title())}</a>
                {next.map(|href| view! { <a href=href rel="next">{format!("{} →", month.next().title())}</a> })}
            </nav>
        }
    });
    view! {
        <section class="panel no-print" aria-labelledby="report-picker-heading">
            <h2 id="report-picker-heading" class="visually-hidden">"Choose the month and service"</h2>
            <Form method="GET" action="/reports">
                <div class="filter-grid">
                    <Field id="report-month" name="month" label="Month (YYYY-MM)" control=move |m: FieldMarks| view! {
                        <input id=m.id type="month" name=m.name value=value.clone() placeholder="2026-11" maxlength="7" />
                    } />
                    <Field id="report-service" name="service" label="Service" control=move |m: FieldMarks| view! {
                        <select id=m.id name=m.name>
                            <option value="" selected=chosen.is_empty()>"All services"</option>
                            {services.iter().map(|s| view! {
                                <option value=s.clone() selected=*s == chosen>{s.clone()}</option>
                            }).collect_view()}
                        </select>
                    } />
                </div>
                <div class="filter-buttons"><button type="submit">"Show report"</button></div>
            </Form>
            {neighbours}
        </section>
    }
}

/// Opens the browser's print dialog (the print stylesheet lays the report out).
#[component]
fn PrintButton() -> impl IntoView {
    let print = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    };
    view! { <button type="button" class="no-print" on:click=print>"Print or save as PDF"</button> }
}
