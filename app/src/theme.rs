//! Light/dark theme: follows the system preference until the user picks one.
//!
//! The choice is kept in a cookie so the server renders the right theme on
//! the first byte (no flash), and the switch works with JavaScript disabled:
//! the form posts to the server function, which redirects back.
//!
//! One file, not an area's `mod.rs` + `api.rs` + `ssr/`: the theme reads
//! and writes nothing but its cookie, so it has no service or query to put
//! in `ssr/`, and its one server function is a few lines. It is public (the
//! sign-in page has the switch too), so it does not call `acting`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub const COOKIE: &str = "opsdeck_theme";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "System",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }

    pub fn parse(value: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|theme| theme.as_str() == value)
    }

    /// The theme stored in a `Cookie:` header value; `System` when absent or unknown.
    pub fn from_cookie_header(header: &str) -> Theme {
        header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == COOKIE)
            .and_then(|(_, value)| Theme::parse(value))
            .unwrap_or_default()
    }

    /// The `Set-Cookie` value that stores this choice (or forgets it for `System`).
    pub fn set_cookie_header(self, secure: bool) -> String {
        let secure = if secure { "; Secure" } else { "" };
        match self {
            Theme::System => format!("{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}"),
            theme => format!(
                "{COOKIE}={}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Strict{secure}",
                theme.as_str()
            ),
        }
    }
}

/// The theme to render this request with.
///
/// On the server it comes from the request's cookie; in the browser from the
/// `data-theme` attribute the server rendered, so hydration starts in agreement.
pub fn initial_theme() -> Theme {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get(http::header::COOKIE)
                    .and_then(|value| value.to_str().ok())
                    .map(Theme::from_cookie_header)
            })
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|html| html.get_attribute("data-theme"))
            .and_then(|value| Theme::parse(&value))
            .unwrap_or_default()
    }
}

/// Public: stores the visitor's choice in their own cookie and nothing else.
#[server(endpoint = "theme/set")]
pub async fn set_theme(theme: Theme) -> Result<Theme, AppError> {
    let response = expect_context::<leptos_axum::ResponseOptions>();
    let cookie = theme.set_cookie_header(crate::state::app_state()?.secure_cookies);
    let value = http::HeaderValue::from_str(&cookie).map_err(|e| AppError::internal("theme cookie", e))?;
    response.append_header(http::header::SET_COOKIE, value);
    Ok(theme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_theme_cookie_among_others() {
        assert_eq!(Theme::from_cookie_header("a=1; opsdeck_theme=dark; b=2"), Theme::Dark);
        assert_eq!(Theme::from_cookie_header("opsdeck_theme=light"), Theme::Light);
    }

    #[test]
    fn unknown_or_missing_cookie_means_system() {
        assert_eq!(Theme::from_cookie_header(""), Theme::System);
        assert_eq!(Theme::from_cookie_header("opsdeck_theme=neon"), Theme::System);
        assert_eq!(Theme::from_cookie_header("xopsdeck_theme=dark"), Theme::System);
    }

    #[test]
    fn system_forgets_the_cookie() {
        assert!(Theme::System.set_cookie_header(false).contains("Max-Age=0"));
        assert!(Theme::Dark.set_cookie_header(true).ends_with("; Secure"));
    }
}
