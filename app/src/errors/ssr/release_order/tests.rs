use std::cmp::Ordering::{Equal, Greater, Less};

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0).single().expect("a time") + Duration::minutes(minutes)
}

fn facts(deployed: &[(&str, i64)], first_seen: &[(&str, i64)]) -> ReleaseFacts {
    let map = |pairs: &[(&str, i64)]| pairs.iter().map(|(r, m)| (r.to_string(), at(*m))).collect();
    ReleaseFacts {
        deployed: map(deployed),
        first_seen: map(first_seen),
    }
}

#[test]
fn semantic_versions_are_read_leniently() {
    for (release, expected) in [
        ("1.2.3", Some(("", "1.2.3"))),
        ("shop@1.2.3", Some(("shop", "1.2.3"))),
        ("shop@v2", Some(("shop", "2.0.0"))),
        ("1.10", Some(("", "1.10.0"))),
        ("@scope/pkg@1.0.0-rc.1+b7", Some(("@scope/pkg", "1.0.0-rc.1+b7"))),
        ("abc123f", None),
        ("1.2.3.4", None),
        ("1..2", None),
        ("", None),
        ("shop@", None),
    ] {
        let got = semver_of(release).map(|(p, v)| (p, v.to_string()));
        let expected = expected.map(|(p, v)| (p.to_string(), v.to_string()));
        assert_eq!(got, expected, "{release}");
    }
}

#[test]
fn order_is_deployments_then_semver_then_first_seen() {
    // Each row: a, b, facts, how a stands to b.
    let none = ReleaseFacts::default();
    let cases: Vec<(&str, &str, ReleaseFacts, Option<std::cmp::Ordering>)> = vec![
        ("1.0.0", "1.0.0", none.clone(), Some(Equal)),
        // Deployment records win over semver: 2.0.0 went out before 1.5.0 (a hotfix line).
        (
            "1.5.0",
            "2.0.0",
            facts(&[("2.0.0", 1), ("1.5.0", 2)], &[]),
            Some(Greater),
        ),
        ("shop@1.2.0", "shop@1.10.0", none.clone(), Some(Less)),
        ("1.0.0-rc.1", "1.0.0", none.clone(), Some(Less)),
        // Only one deployed: semver decides.
        ("1.0.0", "1.1.0", facts(&[("1.1.0", 1)], &[]), Some(Less)),
        // Different packages are not compared by version.
        (
            "web@2.0.0",
            "api@1.0.0",
            facts(&[], &[("web@2.0.0", 1), ("api@1.0.0", 5)]),
            Some(Less),
        ),
        // Commit hashes: first seen.
        ("abc", "def", facts(&[], &[("def", 1), ("abc", 3)]), Some(Greater)),
        ("abc", "def", facts(&[], &[("abc", 3)]), None),
        ("abc", "def", none, None),
        // Same deployment time: the next rule decides.
        (
            "1.0.1",
            "1.0.0",
            facts(&[("1.0.0", 1), ("1.0.1", 1)], &[]),
            Some(Greater),
        ),
    ];
    for (a, b, facts, expected) in cases {
        assert_eq!(compare(a, b, &facts), expected, "{a} vs {b}");
    }
}

#[test]
fn which_events_reopen_a_resolved_issue() {
    let fixed = |release: &str| ResolvedBy::Release(release.to_string());
    let after = |current: Option<&str>| ResolvedBy::After {
        current: current.map(str::to_string),
        resolved_at: at(10),
    };
    let deployed = facts(&[("abc", 0), ("def", 20), ("fff", 30)], &[("abc", 0), ("def", 21)]);
    let seen = facts(&[], &[("old", 0), ("new", 15)]);
    let nothing = ReleaseFacts::default();
    let cases: Vec<(ResolvedBy, Option<&str>, &ReleaseFacts, bool, &str)> = vec![
        (ResolvedBy::Now, Some("abc"), &deployed, true, "resolved: any event"),
        (ResolvedBy::Now, None, &deployed, true, "resolved: no release"),
        (
            fixed("def"),
            Some("abc"),
            &deployed,
            false,
            "lagging instance on the old release",
        ),
        (fixed("def"), Some("def"), &deployed, true, "the fixing release itself"),
        (fixed("def"), Some("fff"), &deployed, true, "a later release"),
        (fixed("def"), None, &deployed, true, "no release: cannot be shown older"),
        (fixed("1.2.0"), Some("1.1.9"), &nothing, false, "semver: older"),
        (
            fixed("1.2.0"),
            Some("1.2.0-rc.1"),
            &nothing,
            false,
            "semver: pre-release is older",
        ),
        (fixed("1.2.0"), Some("1.3.0"), &nothing, true, "semver: newer"),
        (fixed("zzz"), Some("yyy"), &nothing, true, "cannot be placed"),
        (
            after(Some("abc")),
            Some("abc"),
            &deployed,
            false,
            "next release: the current one",
        ),
        (
            after(Some("1.0.0")),
            Some("1.0.1"),
            &nothing,
            true,
            "next release by semver",
        ),
        (
            after(Some("1.0.0")),
            Some("0.9.0"),
            &nothing,
            false,
            "next release: older by semver",
        ),
        (
            after(None),
            Some("old"),
            &seen,
            false,
            "no current release: seen before the resolve",
        ),
        (
            after(None),
            Some("new"),
            &seen,
            true,
            "no current release: first seen after the resolve",
        ),
        (
            after(None),
            Some("unseen"),
            &seen,
            true,
            "no current release: never seen",
        ),
    ];
    for (by, release, facts, expected, why) in cases {
        assert_eq!(reopens(&by, release, facts), expected, "{why}");
    }
}
