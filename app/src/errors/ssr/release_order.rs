//! Which of two releases of a service came first, and whether an event
//! reopens a resolved issue. Pure: the facts (`ReleaseFacts`) are read by
//! `states::facts`, the decisions are made here and table-tested.
//!
//! Order, first rule that can tell: Opsdeck's own deployment records for
//! the service (the first time each release was deployed), then semantic
//! versions (`pkg@1.2.3`, `v1.2`, `1.2.3-rc.1`), then the first time the
//! release was seen in the events.

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

/// What is known about the releases a decision compares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReleaseFacts {
    /// First deployment of each release of the service (failed ones left out).
    pub deployed: HashMap<String, DateTime<Utc>>,
    /// First event of each release among the events.
    pub first_seen: HashMap<String, DateTime<Utc>>,
}

/// A release's semantic version, if it has one: the part after the last
/// `@` (Sentry's `package@version`), an optional `v`, and one to three
/// numbers (missing ones are 0), with pre-release and build as semver has them.
pub fn semver_of(release: &str) -> Option<(String, semver::Version)> {
    let (package, version) = match release.rsplit_once('@') {
        Some((package, version)) => (package.to_string(), version),
        None => (String::new(), release),
    };
    let version = version.strip_prefix('v').unwrap_or(version);
    let core_end = version.find(['-', '+']).unwrap_or(version.len());
    let (core, rest) = version.split_at(core_end);
    let numbers = core.split('.').count();
    if core.is_empty()
        || numbers > 3
        || !core
            .split('.')
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let padded = format!("{core}{}{rest}", ".0".repeat(3 - numbers));
    semver::Version::parse(&padded).ok().map(|v| (package, v))
}

/// How `a` stands to `b`, or `None` when no rule can tell.
pub fn compare(a: &str, b: &str, facts: &ReleaseFacts) -> Option<Ordering> {
    if a == b {
        return Some(Ordering::Equal);
    }
    let deployed = (facts.deployed.get(a), facts.deployed.get(b));
    if let (Some(x), Some(y)) = deployed
        && x != y
    {
        return Some(x.cmp(y));
    }
    if let (Some((pa, va)), Some((pb, vb))) = (semver_of(a), semver_of(b))
        && pa == pb
        && va != vb
    {
        return Some(va.cmp_precedence(&vb).then_with(|| va.cmp(&vb)));
    }
    match (facts.first_seen.get(a), facts.first_seen.get(b)) {
        (Some(x), Some(y)) if x != y => Some(x.cmp(y)),
        _ => None,
    }
}

/// How a resolved issue was resolved, as the regression rule needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolvedBy {
    /// Resolved, no release: any new event reopens it.
    Now,
    /// Fixed in this release (named, or the first deployed after "resolve
    /// in next release"): events from it or later reopen it.
    Release(String),
    /// "Next release", none deployed since: events from a release after
    /// the one current then reopen it; with none current, from a release
    /// first seen after the resolve.
    After {
        current: Option<String>,
        resolved_at: DateTime<Utc>,
    },
}

/// Whether an event of `release` reopens an issue resolved `by`. An event
/// without a release, or whose release cannot be placed, reopens it: nothing
/// shows it comes from an older one.
pub fn reopens(by: &ResolvedBy, release: Option<&str>, facts: &ReleaseFacts) -> bool {
    let Some(release) = release else {
        return true;
    };
    match by {
        ResolvedBy::Now => true,
        ResolvedBy::Release(fixed) => compare(release, fixed, facts) != Some(Ordering::Less),
        ResolvedBy::After {
            current: Some(current), ..
        } => compare(release, current, facts).is_none_or(|order| order == Ordering::Greater),
        ResolvedBy::After {
            current: None,
            resolved_at,
        } => facts.first_seen.get(release).is_none_or(|seen| seen > resolved_at),
    }
}

#[cfg(test)]
mod tests;
