//! Forms repeated on every row of a table (a user's role, a deployment's
//! Finish): which row a refused submit came from, so its messages show
//! beside that row's fields with what was typed, with and without
//! JavaScript; and a list that reloads after a change but not after such a
//! refusal (which changed nothing: re-rendering the rows would throw away
//! what was typed and where the focus is).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::form::Typed;
use crate::error::AppError;

/// The row whose form `action` submitted last: the input's id while it runs
/// (kept after it ends, as the action forgets its input then), or, on a page
/// a refused plain form post came back to, the id the form posted as
/// `id_field`.
pub fn submitted_row<S>(action: ServerAction<S>, id_of: fn(&S) -> i64, id_field: &str) -> Signal<Option<i64>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let posted = Typed::for_action(S::PATH)
        .get(id_field)
        .and_then(|id| id.trim().parse().ok());
    let row = RwSignal::new(posted);
    Effect::new(move |_| {
        if let Some(id) = action.input().with(|input| input.as_ref().map(id_of)) {
            row.set(Some(id));
        }
    });
    row.into()
}

/// `action`'s latest error when it came from row `id`'s form.
pub fn refusal_of<S>(action: ServerAction<S>, row: Signal<Option<i64>>, id: i64) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || {
        (row.get() == Some(id))
            .then(|| action.value().get().and_then(Result::err))
            .flatten()
    })
}

/// Whether `action` is running for the row whose input `is_for` picks (the
/// row form's busy state): `pending_for(action, move |input| input.user_id == id)`.
pub fn pending_for<S>(action: ServerAction<S>, is_for: impl Fn(&S) -> bool + Send + Sync + 'static) -> Signal<bool>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    Signal::derive(move || action.input().with(|input| input.as_ref().is_some_and(&is_for)))
}

/// What row `id`'s form typed, when a plain form post from it was refused.
pub fn typed_in_row(path: &str, id_field: &str, id: i64) -> Typed {
    let typed = Typed::for_action(path);
    if typed.get(id_field).and_then(|v| v.trim().parse::<i64>().ok()) == Some(id) {
        typed
    } else {
        Typed::default()
    }
}

/// The id of `field`'s message in row `row`.
pub fn row_error_id(field: &str, row: i64) -> String {
    format!("{field}-{row}-error")
}

/// The version of `action`'s latest completion that may have changed what
/// a list shows: every one but a refusal `stays` says is shown in its form.
/// A list keyed on it reloads after changes only.
pub fn reload_key<S>(action: ServerAction<S>, stays: fn(&AppError) -> bool) -> Memo<usize>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    Memo::new(move |previous: Option<&usize>| {
        let version = action.version().get();
        let kept = action
            .value()
            .with(|value| matches!(value, Some(Err(error)) if stays(error)));
        match previous {
            Some(previous) if kept => *previous,
            _ => version,
        }
    })
}

/// Moves the focus to the first field `error` refuses whenever it appears
/// (`input_id` names that field's input), with JavaScript; a page loaded
/// with the error uses `autofocus`.
pub fn focus_on_error(error: Signal<Option<AppError>>, input_id: impl Fn(&str) -> String + 'static) {
    Effect::new(move |_| {
        if let Some(field) = error.with(|e| super::form::first_field(e.as_ref())) {
            super::form::focus_by_id(&input_id(&field));
        }
    });
}
