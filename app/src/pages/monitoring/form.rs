//! The settings form: one fieldset per section, each field with its hint,
//! what applies now and where it comes from, its error, and — after a
//! refused post without JavaScript — what was typed.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::components::field::{Field, FieldMarks};
use crate::components::form::{FieldError, FormError, TextArea, Typed, message_for};
use crate::error::AppError;
use crate::monitoring::fields::{FIELDS, FieldSpec, Kind, Section};
use crate::monitoring::{FieldState, MonitoringPage, SaveMonitoringSettings};

/// The field a shorter retention's confirmation is asked under (`ssr::save`).
const CONFIRM: &str = "confirm_deletion";

#[component]
pub fn SettingsForm(
    save: ServerAction<SaveMonitoringSettings>,
    current: MonitoringPage,
    latest: Resource<Result<MonitoringPage, AppError>>,
) -> impl IntoView {
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let typed = Typed::for_action(SaveMonitoringSettings::PATH);
    let refused = typed.get("version").is_some();
    let version = current.version;
    let latest_version = move || {
        latest
            .get()
            .and_then(Result::ok)
            .map_or(version, |page| page.version)
            .to_string()
    };
    let saved_by = match (&current.updated_by, current.updated_at) {
        (Some(by), Some(at)) => format!(
            "Version {version}, saved by {by} at {}.",
            at.format("%Y-%m-%d %H:%M UTC")
        ),
        _ => "Nothing has been set on this page yet: every value comes from the environment or its default.".into(),
    };
    let sections = Section::ALL
        .into_iter()
        .map(|section| {
            let fields = FIELDS
                .iter()
                .filter(|f| f.section == section)
                .filter_map(|spec| {
                    let state = current.field(spec.name)?.clone();
                    let value = if refused {
                        typed.value(&format!("form[{}]", spec.name))
                    } else {
                        state.page.clone().unwrap_or_default()
                    };
                    Some(view! { <SettingField spec state value error /> })
                })
                .collect_view();
            view! {
                <fieldset class="panel settings-section" id=format!("section-{}", section.slug())>
                    <legend>{section.title()}</legend>
                    {fields}
                </fieldset>
            }
        })
        .collect_view();
    view! {
        <p class="muted" data-testid="settings-version">{saved_by}</p>
        <ActionForm action=save attr:class="monitoring-form">
            <input type="hidden" name="version" value=latest_version />
            {sections}
            <Confirmation error />
            <FormError error />
            <button type="submit" class="primary" disabled=move || save.pending().get()>
                {move || if save.pending().get() { "Saving…" } else { "Save settings" }}
            </button>
        </ActionForm>
    }
}

/// One field: label, control, hint, its source, its error.
#[component]
fn SettingField(
    spec: &'static FieldSpec,
    state: FieldState,
    value: String,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("setting-{}", spec.name);
    // What an empty value means for the fields that may be empty.
    let empty = match spec.name {
        "notification_days" => "as long as the rollups",
        "tile_down_p95_ms" => "never",
        _ => "none",
    };
    let shown = |text: &str| {
        if text.is_empty() {
            empty.to_string()
        } else {
            text.replace('\n', "; ")
        }
    };
    let source = format!(
        "Now: {} ({}). Empty: {} ({}).",
        shown(&state.effective),
        state.source.label(),
        shown(&state.inherited),
        state.inherited_source.label()
    );
    let env = spec
        .env
        .map(|name| format!(" Environment variable: {name}."))
        .unwrap_or_default();
    let hint = format!("{}{env}", spec.hint);
    let multiline = matches!(spec.kind, Kind::Overrides | Kind::Keys);
    let control = multiline.then(|| {
        let value = value.clone();
        move |m: FieldMarks| {
            view! { <TextArea id=m.id name=m.name value rows=4 described_by=m.describe.get_untracked() /> }
        }
    });
    let field = match control {
        Some(control) => view! {
            <Field id=id.clone() name=spec.name posted_as=format!("form[{}]", spec.name) label=spec.label error
                hint control />
        }
        .into_any(),
        None => view! {
            <Field id=id.clone() name=spec.name posted_as=format!("form[{}]", spec.name) label=spec.label error
                value hint autocomplete="off" maxlength=20 />
        }
        .into_any(),
    };
    view! {
        <div class="setting" data-testid=format!("setting-{}", spec.name)>
            {field}
            <p class="muted setting-source" data-testid=format!("source-{}", spec.name) data-source=state.source.label()>
                {source}
            </p>
        </div>
    }
}

/// The checkbox a shorter retention asks for, with what it will delete.
#[component]
fn Confirmation(error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.with(|e| message_for(e.as_ref(), CONFIRM)).map(|_| {
            view! {
                <div class="field confirm-deletion">
                    <label>
                        <input type="checkbox" name=CONFIRM value="true" autofocus=true
                            aria-describedby=format!("{CONFIRM}-error") aria-invalid="true" />
                        " Delete the older data"
                    </label>
                    <FieldError error field=CONFIRM />
                </div>
            }
        })
    }
}
