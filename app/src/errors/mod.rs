//! Error tracking: events from Sentry SDKs (`POST /api/<project>/envelope/`,
//! `server/src/http/errors/`) grouped into issues. This file holds what the
//! pages and the server share; under `ssr`, the event's preparation
//! (scrubbing, grouping, the columns pages filter on) and its storage.
//!
//! A project is a service: an API key with the `errors` scope is bound to
//! one (`api_keys::ErrorProject`), and its DSN names the project's number.

use serde::{Deserialize, Serialize};

pub mod api;
pub mod events;
pub mod events_api;
pub mod issue;
pub mod issues;
pub mod live;
pub mod merge;
pub mod merge_api;
pub mod settings;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod states;
pub mod states_api;
pub mod tally;
pub mod tally_api;

pub use api::*;
pub use events_api::*;
pub use merge_api::*;
pub use states_api::*;

/// Which grouping rule an issue's hash came from (`ssr::grouping`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Basis {
    /// The SDK's explicit `fingerprint`.
    Fingerprint,
    /// The in-app frames of the stack trace.
    InAppFrames,
    /// The exceptions' types and normalised values.
    Exception,
    /// The normalised message.
    Message,
}

impl Basis {
    pub const ALL: [Basis; 4] = [Basis::Fingerprint, Basis::InAppFrames, Basis::Exception, Basis::Message];

    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Fingerprint => "fingerprint",
            Basis::InAppFrames => "in-app-frames",
            Basis::Exception => "exception",
            Basis::Message => "message",
        }
    }

    pub fn parse(value: &str) -> Option<Basis> {
        Basis::ALL.into_iter().find(|basis| basis.as_str() == value)
    }
}

/// "grouped by: …" in plain words, for the issue page.
pub fn explain(basis: Basis, components: &[String]) -> String {
    match basis {
        Basis::Fingerprint => format!("the fingerprint the SDK sent: {}", components.join(", ")),
        Basis::InAppFrames => format!("in-app frames {}", components.join(" → ")),
        Basis::Exception => format!("exception type and value {}", components.join("; ")),
        Basis::Message => format!("message “{}”", components.join(" ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_round_trip_and_explain_themselves() {
        for basis in Basis::ALL {
            assert_eq!(Basis::parse(basis.as_str()), Some(basis));
        }
        let frames = ["cart.add".to_string(), "db.query".to_string()];
        assert_eq!(
            explain(Basis::InAppFrames, &frames),
            "in-app frames cart.add → db.query"
        );
        assert_eq!(
            explain(Basis::Message, &["cart <num> failed".to_string()]),
            "message “cart <num> failed”"
        );
    }
}
