//! One form field, the way every form writes it: the label, the control,
//! an optional hint, the field's error beside it, and the value kept after
//! a refused plain post (given as `value`, usually `Typed::value`).
//!
//! The control is an `<input>` built from the props, or any other control
//! (a `<select>`, a `TextArea`) built by `control` from the field's
//! [`FieldMarks`], so `aria-describedby`, `aria-invalid` and the focus after
//! a refusal are wired the same way for every kind of control.

use leptos::html::Input;
use leptos::prelude::*;

use super::form::{FieldError, error_id, first_field, message_for};
use crate::error::AppError;

/// What a control needs to be tied to its label, hint and error.
pub struct FieldMarks {
    /// The control's id (the label's `for`).
    pub id: String,
    /// The control's form name.
    pub name: String,
    /// `aria-describedby`: the hint's id, and the error's while it shows.
    pub describe: Signal<Option<String>>,
    /// `aria-invalid`: `"true"` while the field has an error.
    pub invalid: Signal<Option<&'static str>>,
    /// Whether the control takes the focus when the page loads (`autofocus`).
    pub focus: bool,
}

/// Builds a field's control from its [`FieldMarks`] (`control=|m: FieldMarks| view! { … }`).
pub struct Control(Box<dyn FnOnce(FieldMarks) -> AnyView + Send>);

impl<F, V> From<F> for Control
where
    F: FnOnce(FieldMarks) -> V + Send + 'static,
    V: IntoView + 'static,
{
    fn from(build: F) -> Self {
        Self(Box::new(move |marks| build(marks).into_any()))
    }
}

/// A `<select>` of `(value, label)` options with `chosen` selected, tied to
/// its label, hint and error like any control: `control=choices(…)`.
pub fn choices(options: Vec<(&'static str, &'static str)>, chosen: Option<String>) -> Control {
    Control::from(move |m: FieldMarks| {
        view! {
            <select id=m.id name=m.name aria-describedby=m.describe aria-invalid=m.invalid autofocus=m.focus>
                {options
                    .into_iter()
                    .map(|(value, label)| view! { <option value=value selected=chosen.as_deref() == Some(value)>{label}</option> })
                    .collect_view()}
            </select>
        }
    })
}

/// A labelled field with its hint and error (see the module's comment).
#[component]
pub fn Field(
    /// The control's id.
    #[prop(into)]
    id: String,
    /// The field its error is about, and the control's name unless `posted_as`.
    name: &'static str,
    /// The control's form name when it differs from `name` (`channel[url]`).
    #[prop(optional, into)]
    posted_as: Option<String>,
    #[prop(into)] label: String,
    /// The form's error (a form that refuses nothing, like a filter, has none).
    #[prop(optional, into)]
    error: Option<Signal<Option<AppError>>>,
    /// The input's `type` (ignored with `control`).
    #[prop(default = "text")]
    kind: &'static str,
    /// The input's value: what was typed, kept after a refusal.
    #[prop(optional, into)]
    value: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(optional)] minlength: Option<u32>,
    /// A number input's bounds.
    #[prop(optional)]
    min: Option<&'static str>,
    #[prop(optional)] max: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    /// A line under the control saying what to type (none when empty).
    #[prop(optional, into)]
    hint: Option<String>,
    /// The hint's id; `{id}-hint` by default.
    #[prop(optional, into)]
    hint_id: Option<String>,
    /// The error message's id; `{name}-error` by default (a form repeated
    /// per row gives its own).
    #[prop(optional, into)]
    error_id: Option<String>,
    /// Another field whose error (shown elsewhere, e.g. under a group of
    /// fields) is also about this control: the rule editor's minutes are
    /// checked as `window_secs`.
    #[prop(default = None)]
    also: Option<&'static str>,
    /// Takes the focus at load even without an error of its own.
    #[prop(optional)]
    focus: bool,
    #[prop(optional)] input_ref: Option<NodeRef<Input>>,
    /// Any control but a plain input.
    #[prop(optional, into)]
    control: Option<Control>,
) -> impl IntoView {
    let error = error.unwrap_or_else(|| Signal::stored(None));
    let hint = hint.filter(|hint| !hint.is_empty());
    let hint_id = hint.as_ref().map(|_| hint_id.unwrap_or_else(|| format!("{id}-hint")));
    let error_id = error_id.unwrap_or_else(|| self::error_id(name));
    let fields = [Some(name), also];
    let own_error_id = error_id.clone();
    let errors = move || {
        error.with(|e| {
            fields
                .into_iter()
                .flatten()
                .filter(|f| message_for(e.as_ref(), f).is_some())
                .map(|f| {
                    if f == name {
                        own_error_id.clone()
                    } else {
                        self::error_id(f)
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    let describe = {
        let (hint_id, errors) = (hint_id.clone(), errors.clone());
        Signal::derive(move || {
            let ids: Vec<String> = hint_id.clone().into_iter().chain(errors()).collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        })
    };
    let invalid = Signal::derive(move || (!errors().is_empty()).then_some("true"));
    let first = error.with_untracked(|e| first_field(e.as_ref()));
    let focus = focus || fields.into_iter().flatten().any(|f| first.as_deref() == Some(f));
    let posted_as = posted_as.unwrap_or_else(|| name.to_string());
    let marks = FieldMarks {
        id: id.clone(),
        name: posted_as,
        describe,
        invalid,
        focus,
    };
    let control = match control {
        Some(Control(build)) => build(marks),
        None => view! {
            <input
                node_ref=input_ref.unwrap_or_default() id=marks.id type=kind name=marks.name value=value
                required=required maxlength=maxlength.map(|m| m.to_string()) minlength=minlength.map(|m| m.to_string())
                min=min max=max autocomplete=autocomplete placeholder=placeholder
                aria-describedby=describe aria-invalid=invalid autofocus=focus
            />
        }
        .into_any(),
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {control}
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <FieldError error field=name id=error_id />
        </div>
    }
}

/// A group of controls under one legend (checkboxes), with the group's
/// error after them.
#[component]
pub fn FieldGroup(
    #[prop(into)] legend: String,
    /// The field the group's error is about.
    name: &'static str,
    #[prop(optional, into)] error: Option<Signal<Option<AppError>>>,
    children: Children,
) -> impl IntoView {
    let error = error.unwrap_or_else(|| Signal::stored(None));
    view! {
        <fieldset class="field">
            <legend>{legend}</legend>
            {children()}
            <FieldError error field=name />
        </fieldset>
    }
}
