//! Without JavaScript, a refused row action on the Users page (the last
//! admin's role or account, a weak new password) comes back in the row it
//! came from, beside the control it concerns, with the choice kept and the
//! password never sent back; a refused sign-in keeps the email as typed and
//! shows each message beside its field.

use app::auth::permissions::Role;
use app::users::ssr::manage::LAST_ADMIN;
use scraper::Html;

use crate::forms::{field_error, page, select, value_of};
use crate::helpers::TestApp;

#[tokio::test]
async fn a_refused_row_action_is_told_in_its_row_with_the_choice_kept() {
    let app = TestApp::spawn().await;
    let (admin, me) = app.signed_in(Role::Admin).await;
    let other = app.create_user(Role::Viewer).await;
    let id = me.id;

    // The only admin may not become a viewer: beside the role, still "viewer".
    let location = admin
        .post_without_js(
            "/api/users/set-role",
            "/users",
            &[("user_id", &id.to_string()), ("role", "viewer")],
        )
        .await;
    let html = page(&admin, &location).await;
    let message = field_error(&html, &format!("role-{id}"), &format!("role-{id}")).expect("beside the role");
    assert_eq!(message, LAST_ADMIN);
    assert_eq!(value_of(&html, &format!("role-{id}")).as_deref(), Some("viewer"));
    assert_eq!(
        value_of(&html, &format!("role-{}", other.id)).as_deref(),
        Some("viewer"),
        "other rows as stored"
    );
    assert!(
        field_error(&html, &format!("role-{}", other.id), &format!("role-{}", other.id)).is_none(),
        "only the refused row is told"
    );
    assert_eq!(html.matches(LAST_ADMIN).count(), 1, "told once");

    // Nor be disabled: beside "Yes, disable", its confirmation left open.
    let location = admin
        .post_without_js(
            "/api/users/set-disabled",
            "/users",
            &[("user_id", &id.to_string()), ("disabled", "true")],
        )
        .await;
    let html = page(&admin, &location).await;
    let message = field_error(&html, &format!("disabled-{id}"), &format!("disable-{id}")).expect("beside the button");
    assert_eq!(message, LAST_ADMIN);
    let shown = Html::parse_document(&html);
    let open = select(&shown, "details.confirm[open]");
    assert_eq!(open.len(), 1);
    assert!(open[0].html().contains(&format!("disable-{id}")));

    // A weak password: beside the field, in the right row, never echoed.
    let weak = "short\"<tag>";
    let location = admin
        .post_without_js(
            "/api/users/reset-password",
            "/users?q=example",
            &[("user_id", &other.id.to_string()), ("password", weak)],
        )
        .await;
    assert!(!location.contains("short"), "no password in the URL: {location}");
    assert!(location.starts_with("/users?q=example"), "{location}");
    let html = page(&admin, &location).await;
    let field = format!("reset-password-{}", other.id);
    let message = field_error(&html, &format!("password-{}", other.id), &field).expect("beside the password");
    assert!(message.contains("at least 12 characters"), "{message}");
    assert!(!html.contains("short\""), "the password is not sent back");
    let shown = Html::parse_document(&html);
    let input = select(&shown, &format!("#{field}"));
    assert_eq!(input[0].value().attr("value"), None);
    assert_eq!(input[0].value().attr("autofocus"), Some(""), "focused");
    let described = input[0].value().attr("aria-describedby").unwrap_or_default();
    assert!(described.contains(&format!("{field}-hint")), "{described}");
    assert!(select(&shown, "details.confirm[open]")[0].html().contains(&field));

    let role: String = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("role");
    assert_eq!(role, "admin", "nothing refused was stored");
}

#[tokio::test]
async fn a_refused_sign_in_keeps_the_email_and_never_the_password() {
    let app = TestApp::spawn().await;
    let user = app.create_user(Role::Viewer).await;
    let visitor = app.browser();

    let location = visitor
        .post_without_js(
            "/api/auth/sign-in",
            "/login?next=%2Fusers",
            &[
                ("next", "/users"),
                ("email", &user.email),
                ("password", "not the password"),
            ],
        )
        .await;
    assert!(
        !location.contains("not+the") && !location.contains("not%20the"),
        "{location}"
    );
    let html = page(&visitor, &location).await;
    assert_eq!(value_of(&html, "email"), Some(user.email.clone()));
    let message = field_error(&html, "password", "password").expect("beside the password");
    assert_eq!(message, "Email or password is incorrect");
    let shown = Html::parse_document(&html);
    let password = select(&shown, "#password");
    assert_eq!(password[0].value().attr("value"), None, "the password is not sent back");
    assert_eq!(
        password[0].value().attr("autofocus"),
        Some(""),
        "the password is to type again"
    );
    assert_eq!(select(&shown, "#email")[0].value().attr("autofocus"), None);
    assert_eq!(
        select(&shown, "input[name=next]")[0].value().attr("value"),
        Some("/users"),
        "where to go after signing in is kept"
    );

    // Markup typed as the email comes back as text; both empty fields are told at once.
    let odd = "\"x</textarea><script>alert(1)</script>@example.com";
    let location = visitor
        .post_without_js("/api/auth/sign-in", "/login", &[("email", odd), ("password", "x")])
        .await;
    let html = page(&visitor, &location).await;
    assert_eq!(value_of(&html, "email").as_deref(), Some(odd));
    assert!(!html.contains("<script>alert(1)"), "never as markup");
    let location = visitor
        .post_without_js("/api/auth/sign-in", "/login", &[("email", " "), ("password", "")])
        .await;
    let html = page(&visitor, &location).await;
    assert!(field_error(&html, "email", "email").is_some(), "email");
    assert!(field_error(&html, "password", "password").is_some(), "password");
}
