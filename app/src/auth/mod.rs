//! Identity: users, sign-in and sessions, and who may do what.
//!
//! `permissions` is the one permission table; `endpoints` maps every route
//! to the access it needs (enforced by the server's gate); `api` holds the
//! server functions (sign-in is public: anyone may try, within limits) and
//! `ssr` the server side: who is asking (`acting`), sign-in and sessions in
//! Redis, password hashing, rate limits.

pub mod api;
pub mod endpoints;
pub mod next;
pub mod password;
pub mod permissions;
#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use api::*;

use crate::error::AppError;
use permissions::Role;

/// The signed-in user, as every page and server function sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

/// The signed-in user resource, provided once by the layout.
pub type UserResource = Resource<Result<Option<CurrentUser>, AppError>>;

/// The signed-in user, when known (read inside a `Suspense`/`Transition`).
pub fn use_current_user() -> Option<CurrentUser> {
    use_context::<UserResource>()
        .and_then(|resource| resource.get())
        .and_then(Result::ok)
        .flatten()
}
