//! A signed-in session is written back to Redis when its idle expiry moves
//! forward (at most every tenth of the idle timeout, at most every minute),
//! not on every request.

use app::auth::permissions::Role;

use crate::helpers::{TestApp, header};

#[tokio::test]
async fn a_session_is_saved_again_only_when_its_expiry_moves() {
    let app = TestApp::spawn().await;
    let (viewer, _) = app.signed_in(Role::Viewer).await;
    // The first page after signing in moves the expiry: saved, cookie sent again.
    let first = viewer.get("/").await;
    assert_eq!(first.status().as_u16(), 200);
    assert!(
        header(&first, "set-cookie").is_some_and(|c| c.starts_with("opsdeck_session=")),
        "saved with a new expiry"
    );
    // Within the interval (a minute for the default 30 minutes' idle timeout): not written again.
    for path in ["/", "/performance", "/health-checks"] {
        let again = viewer.get(path).await;
        assert_eq!(again.status().as_u16(), 200, "{path}: still signed in");
        assert_eq!(header(&again, "set-cookie"), None, "{path}: no session write");
    }
    assert_eq!(app::auth::ssr::sign_in::refresh_every(30 * 60), 60);
    assert_eq!(app::auth::ssr::sign_in::refresh_every(60), 6);
    assert_eq!(app::auth::ssr::sign_in::refresh_every(5), 1);
}

/// A session record Opsdeck cannot read (corrupted in Redis, or left by an
/// incompatible release) signs its holder out: a page answers with the
/// sign-in redirect and a server function with 401, never 500, and the
/// record is dropped.
#[tokio::test]
async fn an_unreadable_session_record_is_a_signed_out_visitor() {
    use redis::AsyncCommands;
    let app = TestApp::spawn().await;
    let (viewer, _) = app.signed_in(Role::Viewer).await;
    let key = format!(
        "{}session:{}",
        app.redis_prefix,
        viewer.session_id().expect("a session")
    );
    let mut redis = app.redis().await;
    let _: () = redis.set(&key, "{not a session").await.expect("corrupted");
    let page = viewer.get("/performance").await;
    assert_eq!(page.status().as_u16(), 303, "a page redirects to sign in");
    assert!(
        header(&page, "location").is_some_and(|to| to.starts_with("/login")),
        "{:?}",
        header(&page, "location")
    );
    assert_eq!(viewer.whoami().await, None, "signed out");
    let left: Option<String> = redis.get(&key).await.expect("GET");
    assert_eq!(left, None, "the record is dropped");
}
