//! `/alerts/channels` (admins): the webhooks and Slack channels alerts are
//! sent to — create (the signing secret shown once), change, send a test
//! notification, rotate the secret, delete (with confirmation).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::badges::when;
use super::deliveries::{DeliveryBadge, attempt_text};
use crate::alerts::channels_api::{DeleteChannel, RotateChannelSecret, SaveChannel, TestChannel, list_channels};
use crate::alerts::notify::{Channel, ChannelForm, ChannelKind, SavedChannel};
use crate::components::copy_button::CopyButton;
use crate::components::field::{Field, FieldMarks};
use crate::components::form::{FormError, Typed};
use crate::components::table_head::TableHead;
use crate::error::AppError;
use leptos::server_fn::ServerFn;

#[derive(Clone, Copy)]
struct Actions {
    save: ServerAction<SaveChannel>,
    rotate: ServerAction<RotateChannelSecret>,
    delete: ServerAction<DeleteChannel>,
    test: ServerAction<TestChannel>,
}

#[component]
pub fn Channels() -> impl IntoView {
    let actions = Actions {
        save: ServerAction::new(),
        rotate: ServerAction::new(),
        delete: ServerAction::new(),
        test: ServerAction::new(),
    };
    let channels = Resource::new(
        move || {
            (
                actions.save.version().get(),
                actions.delete.version().get(),
                actions.test.version().get(),
            )
        },
        |_| list_channels(),
    );
    let query = use_query_map();
    let editing = Memo::new(move |_| query.read().get("edit").and_then(|id| id.parse::<i64>().ok()));
    view! {
        <Title text="Notification channels" />
        <p class="breadcrumb"><a href="/alerts">"Alerts"</a>" › Notification channels"</p>
        <h1>"Notification channels"</h1>
        <p class="muted">
            "Rules name the channels they notify when an alert fires and when it resolves. Every request is signed: "
            <code>"X-Opsdeck-Signature: sha256=HMAC-SHA256(secret, timestamp + \".\" + body)"</code>
            " with the timestamp in "<code>"X-Opsdeck-Timestamp"</code>" (see docs/API.md)."
        </p>
        <Notices actions />
        <Transition fallback=|| view! { <p class="muted">"Loading channels…"</p> }>
            {move || channels.get().map(|result| match result {
                Ok(channels) => {
                    let edited = editing.get().and_then(|id| channels.iter().find(|c| c.id == id).cloned());
                    view! {
                        <ChannelTable channels=channels.clone() actions />
                        <ChannelEditor channel=edited actions />
                    }
                    .into_any()
                }
                Err(error) => view! { <p class="error" role="alert">{format!("Could not load the channels: {error}")}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// A new secret (shown once), a test's outcome, or what went wrong.
#[component]
fn Notices(actions: Actions) -> impl IntoView {
    let secret = move || {
        let saved = actions.save.value().get().and_then(Result::ok);
        let rotated = actions.rotate.value().get().and_then(Result::ok);
        rotated
            .or(saved)
            .and_then(|SavedChannel { name, secret, .. }| secret.map(|s| (name, s)))
    };
    let tested = move || actions.test.value().get();
    let error = Signal::derive(move || {
        actions
            .rotate
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| actions.delete.value().get().and_then(Result::err))
    });
    view! {
        <FormError error />
        {move || secret().map(|(name, secret)| view! {
            <div class="success generated-password" role="status" data-testid="channel-secret">
                <p>{format!("Signing secret of “{name}”:")}</p>
                <p class="secret-line"><code class="secret">{secret.clone()}</code><CopyButton text=secret label="Copy the signing secret" /></p>
                <p>"It is shown only this once: give it to the receiver, which checks every request's signature with it."</p>
            </div>
        })}
        {move || tested().map(|result| match result {
            Ok(attempt) if attempt.succeeded() => view! {
                <p class="success" role="status" data-testid="test-result">{format!("Test notification delivered — {}", attempt_text(&attempt))}</p>
            }.into_any(),
            Ok(attempt) => view! {
                <p class="error" role="alert" data-testid="test-result">{format!("Test notification failed — {}", attempt_text(&attempt))}</p>
            }.into_any(),
            Err(error) => view! { <p class="error" role="alert" data-testid="test-result">{error.to_string()}</p> }.into_any(),
        })}
    }
}

#[component]
fn ChannelTable(channels: Vec<Channel>, actions: Actions) -> impl IntoView {
    if channels.is_empty() {
        return view! {
            <div class="empty-state" data-testid="no-channels">
                <p>"No channels yet. Add a webhook or a Slack incoming webhook below, then name it in a rule's “Notify channels”."</p>
            </div>
        }
        .into_any();
    }
    view! {
        <section class="panel" aria-label="Channels">
        <table class="audit-table" data-testid="channels">
            <TableHead columns=&["Name", "Kind", "Address", "Repeat", "Latest notification", "Actions"] />
            <tbody>
                {channels.into_iter().map(|c| view! { <ChannelRow channel=c actions /> }).collect_view()}
            </tbody>
        </table>
        </section>
    }
    .into_any()
}

#[component]
fn ChannelRow(channel: Channel, actions: Actions) -> impl IntoView {
    let id = channel.id;
    let confirm_delete = format!(
        "Delete {} and its delivery log? Rules that name it must drop it first.",
        channel.name
    );
    let repeat = match channel.repeat_minutes {
        0 => "never".to_string(),
        m if m % 60 == 0 => format!("every {} h", m / 60),
        m => format!("every {m} min"),
    };
    view! {
        <tr data-testid="channel" data-name=channel.name.clone()>
            <td>
                {channel.name.clone()}
                {(!channel.enabled).then(|| view! { " " <span class="badge badge-quiet">"disabled"</span> })}
            </td>
            <td>{channel.kind.label()}</td>
            <td class="channel-url"><code>{channel.url.clone()}</code></td>
            <td>{repeat}</td>
            <td>{match channel.last_delivery {
                Some((state, at)) => view! { <DeliveryBadge state /> " " {when(at)} }.into_any(),
                None => view! { <span class="muted">"none yet"</span> }.into_any(),
            }}</td>
            <td>
                <div class="row-actions">
                    <ActionForm action=actions.test>
                        <input type="hidden" name="id" value=id.to_string() />
                        <button type="submit" disabled=move || actions.test.pending().get()>"Send test notification"</button>
                    </ActionForm>
                    <a class="button" href=format!("/alerts/channels?edit={}", channel.id)>"Edit"</a>
                    <details class="confirm">
                        <summary>"Rotate secret…"</summary>
                        <ActionForm action=actions.rotate>
                            <input type="hidden" name="id" value=id.to_string() />
                            <p>"Requests are signed with the new secret at once; the receiver needs it too."</p>
                            <button type="submit" class="danger">"Rotate secret"</button>
                        </ActionForm>
                    </details>
                    <details class="confirm">
                        <summary>"Delete…"</summary>
                        <ActionForm action=actions.delete>
                            <input type="hidden" name="id" value=id.to_string() />
                            <p>{confirm_delete.clone()}</p>
                            <button type="submit" class="danger">"Delete channel"</button>
                        </ActionForm>
                    </details>
                </div>
            </td>
        </tr>
    }
}

/// Create a channel, or change the one `?edit=` names.
#[component]
fn ChannelEditor(channel: Option<Channel>, actions: Actions) -> impl IntoView {
    // A name in use is the name field's problem.
    let error: Signal<Option<AppError>> = Signal::derive(move || {
        actions
            .save
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.conflict_on("name"))
    });
    let typed = Typed::for_action(SaveChannel::PATH);
    let form = if typed == Typed::default() {
        channel.as_ref().map_or_else(ChannelForm::blank, |c| ChannelForm {
            name: c.name.clone(),
            kind: c.kind.as_str().into(),
            url: c.url.clone(),
            repeat_minutes: c.repeat_minutes.to_string(),
            enabled: c.enabled.then(|| "on".to_string()),
        })
    } else {
        // Without JavaScript, a refused save comes back with what was typed.
        ChannelForm {
            name: typed.value("channel[name]"),
            kind: typed.value("channel[kind]"),
            url: typed.value("channel[url]"),
            repeat_minutes: typed.value("channel[repeat_minutes]"),
            enabled: typed.get("channel[enabled]"),
        }
    };
    let editing = channel.as_ref().map(|c| c.id);
    let heading = channel
        .as_ref()
        .map_or_else(|| "Add a channel".to_string(), |c| format!("Change {}", c.name));
    view! {
        <section class="panel narrow" aria-labelledby="channel-form-heading">
            <h2 id="channel-form-heading">{heading}</h2>
            <ActionForm action=actions.save attr:data-testid="channel-form">
                {editing.map(|id| view! { <input type="hidden" name="id" value=id.to_string() /> })}
                <Field id="channel-name" name="name" posted_as="channel[name]" label="Name" error
                    hint="Rules refer to it, e.g. “ops-webhook” or “slack-oncall”; it cannot change later."
                    control=move |m: FieldMarks| view! {
                        <input id=m.id name=m.name type="text" required autocomplete="off"
                            value=form.name readonly=editing.is_some()
                            aria-describedby=m.describe aria-invalid=m.invalid autofocus=m.focus />
                    } />
                <Field id="channel-kind" name="kind" posted_as="channel[kind]" label="Kind" error control=move |m: FieldMarks| view! {
                    <select id=m.id name=m.name>
                        {ChannelKind::ALL.iter().map(|k| view! {
                            <option value=k.as_str() selected=k.as_str() == form.kind>{k.label()}</option>
                        }).collect_view()}
                    </select>
                } />
                <Field id="channel-url" name="url" posted_as="channel[url]" label="Address" error kind="url" required=true
                    autocomplete="off" value=form.url placeholder="https://hooks.example.com/opsdeck" />
                <Field id="channel-repeat" name="repeat_minutes" posted_as="channel[repeat_minutes]"
                    label="Repeat while firing (minutes)" error kind="number" min="0" max="10080" required=true
                    value=form.repeat_minutes hint="A still-firing alert is sent again after this long; 0 sends it once." />
                <label class="checkbox">
                    <input type="checkbox" name="channel[enabled]" value="on" checked=form.enabled.is_some() />" Enabled"
                </label>
                <FormError error />
                <div class="filter-buttons">
                    <button type="submit" class="primary" disabled=move || actions.save.pending().get()>
                        {if editing.is_some() { "Save channel" } else { "Add channel" }}
                    </button>
                    {editing.map(|_| view! { <a class="button" href="/alerts/channels">"Cancel"</a> })}
                </div>
            </ActionForm>
        </section>
    }
}
