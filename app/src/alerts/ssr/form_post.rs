//! How the alert pages' server functions answer a plain HTML form post (no
//! JavaScript): with a redirect to the page to show next, and a refused one
//! back to its form with every field as typed and each message beside its
//! field. Requests from JavaScript get the result itself.

pub use crate::error::redirect_on_success;
use crate::error::{AppError, FieldErrors, is_plain_form_post};

/// `error` as the answer to a form: a plain form post goes back to `page`
/// with the form's fields (`query`, as `crate::url::with_field_errors`
/// takes them), then `anchor`, and each message beside the field `fields`
/// places it at; it is answered `T::default()` (nothing was saved). Other
/// requests, and refusals of the caller, get the error.
pub fn back_to_form<T: Default>(
    error: AppError,
    page: &str,
    query: &str,
    anchor: &str,
    fields: impl FnOnce(AppError) -> FieldErrors,
) -> Result<T, AppError> {
    if !is_plain_form_post() || matches!(error, AppError::Unauthorized | AppError::Forbidden) {
        return Err(error);
    }
    let back = crate::url::with_field_errors(page, query, &fields(error).0);
    leptos_axum::redirect(&format!("{back}{anchor}"));
    Ok(T::default())
}

/// `result` as the answer to a form whose page shows the outcome from its
/// URL: a plain form post goes to `page?` and `query(&result)` whatever
/// happened, answered with the value (its default on a failure). Other
/// requests get `result`.
pub fn show_outcome<T: Default>(
    result: Result<T, AppError>,
    page: &str,
    query: impl FnOnce(&Result<T, AppError>) -> String,
) -> Result<T, AppError> {
    if !is_plain_form_post() {
        return result;
    }
    leptos_axum::redirect(&format!("{page}?{}", query(&result)));
    Ok(result.unwrap_or_default())
}
