//! `/reports/schedules` (admins, who manage the channels): post the last
//! week's or month's summary to a notification channel on a cron schedule
//! (UTC) — add, change, send now, delete (with confirmation). What was
//! sent and how it went shows in the channel's delivery log.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::alerts::channels_api::list_channels;
use crate::alerts::notify::Channel;
use crate::components::field::{Field, FieldMarks};
use crate::components::form::{FormError, Typed};
use crate::components::short_time::full;
use crate::components::table_head::TableHead;
use crate::error::AppError;
use crate::reports::schedule::{Period, ReportSchedule, ScheduleForm};
use crate::reports::{DeleteReportSchedule, SaveReportSchedule, SendReportNow, list_report_schedules};

#[derive(Clone, Copy)]
struct Actions {
    save: ServerAction<SaveReportSchedule>,
    delete: ServerAction<DeleteReportSchedule>,
    send: ServerAction<SendReportNow>,
}

#[component]
pub fn ReportSchedules() -> impl IntoView {
    let actions = Actions {
        save: ServerAction::new(),
        delete: ServerAction::new(),
        send: ServerAction::new(),
    };
    // A refused save re-renders nothing: the form keeps what was typed.
    let saves = Memo::new(move |previous: Option<&usize>| {
        let saved = actions.save.value().with(|v| matches!(v, Some(Ok(_))));
        let version = actions.save.version().get();
        if saved {
            version
        } else {
            previous.copied().unwrap_or(version)
        }
    });
    let versions = move || {
        (
            saves.get(),
            actions.delete.version().get(),
            actions.send.version().get(),
        )
    };
    let listed = Resource::new(versions, |_| async {
        Ok::<_, AppError>((list_report_schedules().await?, list_channels().await?))
    });
    let query = use_query_map();
    let editing = Memo::new(move |_| query.read().get("edit").and_then(|id| id.parse::<i64>().ok()));
    view! {
        <Title text="Scheduled reports" />
        <p class="breadcrumb"><a href="/reports">"Reports"</a>" › Scheduled reports"</p>
        <h1>"Scheduled reports"</h1>
        <p class="muted">
            "Post the summary of the last 7 days or the last calendar month — SLOs met, incidents with their times to \
             acknowledge and resolve, deployments and their failure rate, backups, each service's traffic — to a "
            <a href="/alerts/channels">"notification channel"</a>
            ". Schedules are cron expressions in UTC; one Opsdeck instance sends each."
        </p>
        <Notices actions />
        <Transition fallback=|| view! { <p class="muted">"Loading schedules…"</p> }>
            {move || listed.get().map(|result| match result {
                Ok((schedules, channels)) => {
                    let edited = editing.get().and_then(|id| schedules.iter().find(|s| s.id == id).cloned());
                    view! {
                        <ScheduleTable schedules actions />
                        <ScheduleEditor schedule=edited channels actions />
                    }
                    .into_any()
                }
                Err(error) => view! { <p class="error" role="alert">{format!("Could not load the schedules: {error}")}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Notices(actions: Actions) -> impl IntoView {
    let error = Signal::derive(move || {
        actions
            .delete
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| actions.send.value().get().and_then(Result::err))
    });
    let sent = move || actions.send.value().get().and_then(Result::ok);
    view! {
        <FormError error />
        {move || sent().map(|_| view! {
            <p class="success" role="status" data-testid="report-sent">
                "The summary is on its way; the channel's delivery log shows how it went."
            </p>
        })}
    }
}

#[component]
fn ScheduleTable(schedules: Vec<ReportSchedule>, actions: Actions) -> impl IntoView {
    if schedules.is_empty() {
        return view! {
            <div class="empty-state" data-testid="no-report-schedules">
                <p>"No scheduled reports yet. Add one below to post a weekly or monthly summary to a channel."</p>
            </div>
        }
        .into_any();
    }
    view! {
        <section class="panel" aria-label="Schedules">
            <table class="audit-table" data-testid="report-schedules">
                <TableHead columns=&["Channel", "Covers", "Service", "Schedule (UTC)", "Next", "Last sent", "Actions"] />
                <tbody>
                    {schedules.into_iter().map(|s| view! { <ScheduleRow schedule=s actions /> }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}

#[component]
fn ScheduleRow(schedule: ReportSchedule, actions: Actions) -> impl IntoView {
    let id = schedule.id.to_string();
    let (send_id, delete_id) = (id.clone(), id);
    let next = match (schedule.enabled, schedule.next_at) {
        (false, _) => "disabled".to_string(),
        (true, Some(at)) => full(at),
        (true, None) => "never".to_string(),
    };
    let confirm = format!(
        "Delete the {} summary to {}? Nothing more is posted.",
        schedule.period.as_str(),
        schedule.channel
    );
    view! {
        <tr data-testid="report-schedule">
            <td>{schedule.channel.clone()}</td>
            <td>{schedule.period.label()}</td>
            <td>{schedule.service.clone().unwrap_or_else(|| "All services".to_string())}</td>
            <td><code>{schedule.schedule.clone()}</code></td>
            <td>{next}</td>
            <td>{schedule.last_sent_at.map_or_else(|| "not yet".to_string(), full)}</td>
            <td>
                <div class="row-actions">
                    <ActionForm action=actions.send>
                        <input type="hidden" name="id" value=send_id />
                        <button type="submit" disabled=move || actions.send.pending().get()>"Send now"</button>
                    </ActionForm>
                    <a class="button" href=format!("/reports/schedules?edit={}", schedule.id)>"Edit"</a>
                    <details class="confirm">
                        <summary>"Delete…"</summary>
                        <ActionForm action=actions.delete>
                            <input type="hidden" name="id" value=delete_id />
                            <p>{confirm}</p>
                            <button type="submit" class="danger">"Delete schedule"</button>
                        </ActionForm>
                    </details>
                </div>
            </td>
        </tr>
    }
}

/// Add a schedule, or change the one `?edit=` names.
#[component]
fn ScheduleEditor(schedule: Option<ReportSchedule>, channels: Vec<Channel>, actions: Actions) -> impl IntoView {
    if channels.is_empty() && schedule.is_none() {
        return view! {
            <p class="empty-state" data-testid="no-channels">
                "Add a " <a href="/alerts/channels">"notification channel"</a> " first: summaries are posted to one."
            </p>
        }
        .into_any();
    }
    let error: Signal<Option<AppError>> = Signal::derive(move || actions.save.value().get().and_then(Result::err));
    let typed = Typed::for_action(SaveReportSchedule::PATH);
    let form = if typed == Typed::default() {
        schedule.as_ref().map_or_else(ScheduleForm::blank, ScheduleForm::of)
    } else {
        // Without JavaScript, a refused save comes back with what was typed.
        ScheduleForm {
            channel_id: typed.value("schedule[channel_id]"),
            period: typed.value("schedule[period]"),
            schedule: typed.value("schedule[schedule]"),
            service: typed.value("schedule[service]"),
            enabled: typed.get("schedule[enabled]"),
        }
    };
    let editing = schedule.as_ref().map(|s| s.id);
    let heading = if editing.is_some() {
        "Change the schedule"
    } else {
        "Add a schedule"
    };
    let ScheduleForm {
        channel_id,
        period,
        schedule: cron,
        service,
        enabled,
    } = form;
    view! {
        <section class="panel narrow" aria-labelledby="schedule-form-heading">
            <h2 id="schedule-form-heading">{heading}</h2>
            <ActionForm action=actions.save attr:data-testid="schedule-form">
                {editing.map(|id| view! { <input type="hidden" name="id" value=id.to_string() /> })}
                <Field id="schedule-channel" name="channel_id" posted_as="schedule[channel_id]" label="Channel" error
                    control=move |m: FieldMarks| view! {
                        <select id=m.id name=m.name aria-describedby=m.describe aria-invalid=m.invalid autofocus=m.focus>
                            <option value="" selected=channel_id.is_empty()>"Choose a channel"</option>
                            {channels.iter().map(|c| {
                                let value = c.id.to_string();
                                let selected = value == channel_id;
                                view! { <option value=value selected=selected>{c.name.clone()}</option> }
                            }).collect_view()}
                        </select>
                    } />
                <Field id="schedule-period" name="period" posted_as="schedule[period]" label="Covers" error
                    control=move |m: FieldMarks| view! {
                        <select id=m.id name=m.name aria-describedby=m.describe aria-invalid=m.invalid autofocus=m.focus>
                            {Period::ALL.iter().map(|p| view! {
                                <option value=p.as_str() selected=p.as_str() == period>{p.label()}</option>
                            }).collect_view()}
                        </select>
                    } />
                <Field id="schedule-cron" name="schedule" posted_as="schedule[schedule]" label="Schedule (cron, UTC)" error
                    required=true autocomplete="off" value=cron placeholder="0 8 1 * *"
                    hint="“0 8 * * 1”: Mondays at 08:00; “0 8 1 * *”: the 1st of each month at 08:00." />
                <Field id="schedule-service" name="service" posted_as="schedule[service]" label="Service" error
                    autocomplete="off" value=service hint="Empty: every service." />
                <label class="checkbox">
                    <input type="checkbox" name="schedule[enabled]" value="on" checked=enabled.is_some() />" Enabled"
                </label>
                <FormError error />
                <div class="filter-buttons">
                    <button type="submit" class="primary" disabled=move || actions.save.pending().get()>
                        {if editing.is_some() { "Save schedule" } else { "Add schedule" }}
                    </button>
                    {editing.map(|_| view! { <a class="button" href="/reports/schedules">"Cancel"</a> })}
                </div>
            </ActionForm>
        </section>
    }
    .into_any()
}
