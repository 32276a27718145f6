//! Password guessing under concurrency: an attempt counts before its hash
//! runs, so a burst of requests (to one instance or two) checks no more
//! passwords than the limit allows.

use app::auth::permissions::Role;
use futures::future::join_all;

use crate::helpers::{Browser, TestApp};

/// Status counts: (checked and refused, rate-limited, anything else).
fn tally(statuses: &[u16], checked: u16) -> (usize, usize, Vec<u16>) {
    let count = |code| statuses.iter().filter(|s| **s == code).count();
    let other = statuses
        .iter()
        .copied()
        .filter(|s| *s != checked && *s != 429)
        .collect();
    (count(checked), count(429), other)
}

#[tokio::test]
async fn concurrent_wrong_passwords_for_one_account_check_at_most_the_limit() {
    let app = TestApp::spawn().await;
    // A second instance of the same installation: the limit is shared.
    let sibling = app.spawn_sibling().await;
    let user = app.create_user(Role::Viewer).await;
    let browsers: Vec<Browser> = (0..24)
        .map(|i| if i % 2 == 0 { app.browser() } else { sibling.browser() })
        .collect();
    let answers = join_all(
        browsers
            .iter()
            .map(|browser| browser.sign_in(&user.email, "not the password at all")),
    )
    .await;
    let mut statuses = Vec::new();
    for answer in answers {
        let status = answer.status().as_u16();
        if status == 429 {
            let retry_after: u64 = answer.headers()["retry-after"]
                .to_str()
                .expect("ascii")
                .parse()
                .expect("seconds");
            assert!((1..=300).contains(&retry_after), "{retry_after}");
        }
        statuses.push(status);
    }
    let (checked, limited, other) = tally(&statuses, 401);
    println!("24 concurrent wrong sign-ins: {checked} checked (401), {limited} refused (429)");
    assert_eq!(other, Vec::<u16>::new(), "only 401 and 429");
    assert_eq!(checked, 5, "the limit is 5: {statuses:?}");
    assert_eq!(limited, 19);
    let failures = app
        .audit_entries("auth.sign_in")
        .await
        .into_iter()
        .filter(|(outcome, ..)| outcome == "failure")
        .count();
    assert_eq!(failures, 5, "five passwords were checked");
    assert_eq!(
        browsers[0].sign_in(&user.email, &user.password).await.status().as_u16(),
        429,
        "still locked for the right password"
    );
}

#[tokio::test]
async fn concurrent_sign_ins_from_one_ip_check_at_most_its_limit() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_SIGN_IN_MAX_FAILURES_PER_IP", "8")
        .spawn()
        .await;
    let browser = app.browser();
    let emails: Vec<String> = (0..30).map(|i| format!("nobody-{i}@example.com")).collect();
    let answers = join_all(
        emails
            .iter()
            .map(|email| browser.sign_in(email, "a guess at a password")),
    )
    .await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status().as_u16()).collect();
    let (checked, limited, other) = tally(&statuses, 401);
    println!("30 concurrent sign-ins from one IP: {checked} checked (401), {limited} refused (429)");
    assert_eq!(other, Vec::<u16>::new(), "only 401 and 429");
    assert_eq!(checked, 8, "{statuses:?}");
    assert_eq!(limited, 22);
}

#[tokio::test]
async fn a_right_password_does_not_use_up_the_ip_limit() {
    let app = TestApp::configure()
        .await
        .set("OPSDECK_SIGN_IN_MAX_FAILURES_PER_IP", "2")
        .spawn()
        .await;
    let user = app.create_user(Role::Viewer).await;
    for _ in 0..4 {
        let response = app.browser().sign_in(&user.email, &user.password).await;
        assert_eq!(response.status().as_u16(), 200);
    }
}

#[tokio::test]
async fn concurrent_wrong_current_passwords_are_limited_too() {
    let app = TestApp::spawn().await;
    let (browser, user) = app.signed_in(Role::Viewer).await;
    let form = [
        ("current_password", "not my password at all"),
        ("new_password", "a brand new password that is long"),
    ];
    let answers = join_all((0..16).map(|_| browser.post_fn("/api/auth/change-password", &form))).await;
    let mut statuses = Vec::new();
    for answer in answers {
        let status = answer.status().as_u16();
        if status == 429 {
            assert!(answer.headers().contains_key("retry-after"), "429 says when to retry");
        }
        statuses.push(status);
    }
    let (checked, limited, other) = tally(&statuses, 422);
    println!("16 concurrent wrong current passwords: {checked} checked (422), {limited} refused (429)");
    assert_eq!(other, Vec::<u16>::new(), "only 422 and 429");
    assert_eq!(checked, 5, "{statuses:?}");
    assert_eq!(limited, 11);
    let right = browser
        .post_fn(
            "/api/auth/change-password",
            &[
                ("current_password", user.password.as_str()),
                ("new_password", "a brand new password that is long"),
            ],
        )
        .await;
    assert_eq!(right.status().as_u16(), 429, "locked even for the right one");
}
