//! Forms across the console: text a user typed is shown back exactly and
//! never as markup (every text area goes through one escaping component),
//! a refused submit comes back with every message beside its field and the
//! typed values kept (with and without JavaScript), and the rules import
//! takes a large file by POST.

use app::alerts::rule::RuleDraft;
use app::alerts::ssr::files::render;
use app::auth::permissions::Role;
use scraper::{Html, Selector};

use crate::helpers::{Browser, TestApp, p95_rule};

/// Text that would end a raw-text element and inject a form, a heading and
/// a comment if a page wrote it unescaped.
pub(crate) const INJECTION: &str =
    "</textarea><form action=/api/users/set-role><h2 id=pwned>INJECTED</h2></form></script></style><!-- & <b>";

pub(crate) fn select<'a>(page: &'a Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(selector).expect("a valid selector");
    page.select(&selector).collect()
}

/// The page has none of the injected elements; every text area named in
/// `areas` (an id and the text it must hold) holds exactly that text.
pub(crate) fn assert_not_injected(html: &str, areas: &[(&str, &str)]) {
    let page = Html::parse_document(html);
    assert!(
        select(&page, "form[action=\"/api/users/set-role\"]").is_empty(),
        "an injected form: {html}"
    );
    assert!(select(&page, "h2#pwned").is_empty(), "an injected heading");
    assert!(select(&page, "b").is_empty(), "an injected element");
    for (id, text) in areas {
        let found = select(&page, &format!("textarea#{id}"));
        assert_eq!(found.len(), 1, "one textarea #{id}");
        assert_eq!(
            found[0].text().collect::<String>(),
            *text,
            "#{id} shows the text exactly"
        );
    }
}

pub(crate) async fn page(browser: &Browser, path: &str) -> String {
    let response = browser.get(path).await;
    assert_eq!(response.status().as_u16(), 200, "{path}");
    response.text().await.expect("page")
}

/// The editor's page for a draft it refuses (it previews the draft and
/// answers 422 with the page).
async fn refused_page(browser: &Browser, path: &str) -> String {
    let response = browser.get(path).await;
    assert!(matches!(response.status().as_u16(), 200 | 422), "{path}");
    response.text().await.expect("page")
}

/// A multipart/form-data body with text parts and one file part.
fn multipart(parts: &[(&str, &str)], file: Option<&str>) -> (String, Vec<u8>) {
    let boundary = "----opsdeck-test-boundary-7d1e";
    let mut body = Vec::new();
    for (name, value) in parts {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    let (filename, content) = match file {
        Some(content) => ("rules.yaml", content),
        None => ("", ""),
    };
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n{content}\r\n--{boundary}--\r\n"
        )
        .as_bytes(),
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Posts the import page's form as a browser does (with or without
/// JavaScript it is a plain form); answers where it redirects to.
pub(crate) async fn post_import(browser: &Browser, pasted: &str, file: Option<&str>) -> String {
    let (content_type, body) = multipart(&[("yaml", pasted)], file);
    let response = browser
        .client
        .post(format!("{}/api/v1/alerts/import", browser.address))
        .header("Content-Type", content_type)
        .header("Accept", "text/html")
        .header("Origin", &browser.address)
        .body(body)
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status().as_u16(), 303, "the form is answered with a redirect");
    let location = response.headers()["location"].to_str().expect("ascii").to_string();
    location.strip_prefix(&browser.address).unwrap_or(&location).to_string()
}

#[tokio::test]
async fn typed_text_is_shown_back_exactly_and_never_as_markup() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let encoded = app::url::percent_encode(INJECTION);

    // Reflected: a silence started from a link.
    let html = page(
        &operator,
        &format!("/alerts/silences?silence[comment]={encoded}&silence[labels]=team%3D{encoded}"),
    )
    .await;
    let labels = format!("team={INJECTION}");
    assert_not_injected(&html, &[("silence-comment", INJECTION), ("silence-labels", &labels)]);

    // Reflected: a rule draft in the editor's URL.
    let html = refused_page(
        &operator,
        &format!("/alerts/rules/new?rule[name]=x&rule[description]={encoded}&rule[labels]=team%3D{encoded}"),
    )
    .await;
    assert_not_injected(&html, &[("rule-description", INJECTION), ("rule-labels", &labels)]);

    // Stored: a rule whose description, labels and matchers carry it.
    let mut conn = app.db.acquire().await.expect("conn");
    let draft = RuleDraft {
        description: INJECTION.into(),
        labels: [("team".to_string(), INJECTION.to_string())].into(),
        ..p95_rule("Injected")
    };
    let (id, _) = app::alerts::ssr::store::save(&mut conn, None, &draft, None)
        .await
        .expect("saved")
        .expect("an id");
    let metric = RuleDraft {
        matchers: [("host".to_string(), INJECTION.to_string())].into(),
        aggregation: app::alerts::Aggregation::MetricMax,
        metric: Some("cpu".into()),
        ..p95_rule("Injected metric")
    };
    let (metric_id, _) = app::alerts::ssr::store::save(&mut conn, None, &metric, None)
        .await
        .expect("saved")
        .expect("an id");
    let html = page(&operator, &format!("/alerts/rules/{id}")).await;
    assert_not_injected(&html, &[("rule-description", INJECTION), ("rule-labels", &labels)]);
    let html = page(&operator, &format!("/alerts/rules/{metric_id}")).await;
    assert_not_injected(&html, &[("rule-matchers", &format!("host={INJECTION}"))]);

    // The import page shows a posted file as typed.
    let location = post_import(&operator, INJECTION, None).await;
    assert!(location.starts_with("/alerts/rules/import?draft="), "{location}");
    let html = page(&operator, &location).await;
    assert_not_injected(&html, &[("import-yaml", INJECTION)]);
}

#[tokio::test]
async fn a_text_area_keeps_a_leading_line_break() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let html = page(&operator, "/alerts/silences?silence[comment]=%0Asecond%20line").await;
    assert_not_injected(&html, &[("silence-comment", "\nsecond line")]);
}

/// Rules with long descriptions, as a file of at least `bytes`.
fn large_rules_file(bytes: usize) -> (String, usize) {
    let mut drafts = Vec::new();
    let mut yaml = String::new();
    while yaml.len() < bytes {
        for _ in 0..20 {
            let n = drafts.len();
            drafts.push(RuleDraft {
                description: format!("Rule {n}: {}", "what it means and what to do. ".repeat(50)),
                ..p95_rule(&format!("Imported rule {n}"))
            });
        }
        yaml = render(&drafts).expect("rendered");
    }
    (yaml, drafts.len())
}

#[tokio::test]
async fn a_large_rules_file_is_previewed_and_applied_by_post_without_javascript() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let (yaml, rules) = large_rules_file(240 * 1024);
    assert!(yaml.len() >= 240 * 1024);

    // Uploaded as a file (pasted text beside it is ignored).
    let location = post_import(&operator, "ignored", Some(&yaml)).await;
    assert!(location.starts_with("/alerts/rules/import?draft="), "{location}");
    assert!(location.len() < 200, "the file does not travel in the URL");
    let html = page(&operator, &location).await;
    assert!(
        html.contains(&format!("{rules} created, 0 updated")),
        "the plan counts every rule"
    );
    let shown = Html::parse_document(&html);
    assert_eq!(
        select(&shown, "textarea#import-yaml")[0].text().collect::<String>(),
        yaml
    );

    // Apply posts the draft, not the text.
    let draft = location.trim_start_matches("/alerts/rules/import?draft=");
    let applied = operator
        .post_without_js("/api/alerts/import-apply-draft", &location, &[("draft", draft)])
        .await;
    assert!(
        applied.starts_with(&format!("/alerts/rules/import?created={rules}&updated=0")),
        "{applied}"
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_rules WHERE name LIKE 'Imported rule %'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, rules as i64);

    // Pasted CRLF text works the same; someone else cannot read the draft.
    let pasted = post_import(&operator, &yaml.replace('\n', "\r\n"), None).await;
    let html = page(&operator, &pasted).await;
    assert!(
        html.contains(&format!("0 created, 0 updated, {rules} unchanged")),
        "{}",
        &html[..html.len().min(2000)]
    );
    let (admin, _) = app.signed_in(Role::Admin).await;
    let theirs = page(&admin, &pasted).await;
    assert!(
        theirs.contains("paste or upload it again"),
        "a draft is its poster's only"
    );
}

#[tokio::test]
async fn a_file_over_one_mebibyte_is_refused_with_a_message() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let big = "#".repeat(1024 * 1024 + 1);
    let location = post_import(&operator, "", Some(&big)).await;
    assert!(location.starts_with("/alerts/rules/import?problem="), "{location}");
    let html = page(&operator, &location).await;
    assert!(html.contains("larger than 1 MiB"), "the reason is shown");
    let location = post_import(&operator, "  ", None).await;
    let html = page(&operator, &location).await;
    assert!(
        html.contains("Paste a rules file or choose one"),
        "an empty post is explained"
    );
    let (viewer, _) = app.signed_in(Role::Viewer).await;
    let (content_type, body) = multipart(&[("yaml", "x")], None);
    let refused = viewer
        .client
        .post(format!("{}/api/v1/alerts/import", viewer.address))
        .header("Content-Type", content_type)
        .header("Origin", &viewer.address)
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status().as_u16(), 403);
}

/// The `value` of the input `#id`, or of its selected option.
pub(crate) fn value_of(html: &str, id: &str) -> Option<String> {
    let page = Html::parse_document(html);
    let found = select(&page, &format!("#{id}"));
    let element = found.first()?;
    match element.value().name() {
        "select" => select(&page, &format!("#{id} option[selected]"))
            .first()
            .and_then(|o| o.value().attr("value").map(str::to_string)),
        "textarea" => Some(element.text().collect()),
        _ => element.value().attr("value").map(str::to_string),
    }
}

/// The message shown for `field` (`#<field>-error`), and whether the input
/// `#input` is tied to it (`aria-describedby`) and marked invalid.
pub(crate) fn field_error(html: &str, field: &str, input: &str) -> Option<String> {
    let page = Html::parse_document(html);
    let message = select(&page, &format!("#{field}-error"))
        .first()?
        .text()
        .collect::<String>();
    let input = select(&page, &format!("#{input}"));
    let input = input.first().expect("the input");
    let described = input.value().attr("aria-describedby").unwrap_or_default();
    assert!(
        described.split(' ').any(|id| id == format!("{field}-error")),
        "#{} is described by its error: {described:?}",
        input.value().id().unwrap_or_default()
    );
    assert_eq!(input.value().attr("aria-invalid"), Some("true"));
    Some(message)
}

fn rule_form(name: &str, threshold: &str, channels: &str) -> Vec<(String, String)> {
    [
        ("name", name),
        ("description", "Typed description"),
        ("service", "shop"),
        ("aggregation", "p95"),
        ("window_minutes", "2"),
        ("comparator", ">"),
        ("threshold", threshold),
        ("for_minutes", "1"),
        ("no_data", "keep"),
        ("severity", "critical"),
        ("labels", "team=shop"),
        ("channels", channels),
        ("enabled", "on"),
    ]
    .into_iter()
    .map(|(k, v)| (format!("rule[{k}]"), v.to_string()))
    .collect()
}

async fn save_rule_plainly(browser: &Browser, fields: &[(String, String)]) -> String {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    browser
        .post_without_js("/api/alerts/save", "/alerts/rules/new", &pairs)
        .await
}

#[tokio::test]
async fn a_refused_rule_save_keeps_every_field_and_shows_every_message() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;

    // A channel that does not exist: refused after validation.
    let location = save_rule_plainly(&operator, &rule_form("Slow cart", "300", "nosuch")).await;
    assert!(location.starts_with("/alerts/rules/new?"), "{location}");
    let html = refused_page(&operator, &location).await;
    let message = field_error(&html, "channels", "rule-channels").expect("a message beside Notify channels");
    assert!(message.contains("No notification channel named nosuch"), "{message}");
    assert_eq!(value_of(&html, "rule-name").as_deref(), Some("Slow cart"));
    assert_eq!(
        value_of(&html, "rule-description").as_deref(),
        Some("Typed description")
    );
    assert_eq!(value_of(&html, "rule-severity").as_deref(), Some("critical"));

    // A name in use: the name field's problem.
    let saved = save_rule_plainly(&operator, &rule_form("Slow cart", "300", "")).await;
    assert!(
        saved.starts_with("/alerts/rules/") && !saved.contains('?'),
        "saved: {saved}"
    );
    let location = save_rule_plainly(&operator, &rule_form("Slow cart", "400", "")).await;
    let html = refused_page(&operator, &location).await;
    let message = field_error(&html, "name", "rule-name").expect("a message beside Name");
    assert!(message.contains("exists already"), "{message}");
    assert_eq!(value_of(&html, "rule-threshold").as_deref(), Some("400"));

    // Every wrong field at once.
    let mut fields = rule_form("", "lots", "Bad Name");
    for (name, value) in &mut fields {
        if name == "rule[window_minutes]" {
            *value = "0.5".into();
        }
    }
    let location = save_rule_plainly(&operator, &fields).await;
    let html = refused_page(&operator, &location).await;
    assert!(field_error(&html, "name", "rule-name").is_some(), "name");
    assert!(field_error(&html, "threshold", "rule-threshold").is_some(), "threshold");
    assert!(field_error(&html, "channels", "rule-channels").is_some(), "channels");
    assert!(
        field_error(&html, "window_secs", "rule-window_minutes").is_some(),
        "window"
    );
    let rules: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_rules WHERE name = 'Slow cart'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(rules, 1, "only the good save was stored");
}

#[tokio::test]
async fn refused_forms_keep_what_was_typed_without_javascript() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;

    // Users: an email in use, beside the email; the password is not sent back.
    let existing = app.create_user(Role::Viewer).await;
    let location = admin
        .post_without_js(
            "/api/users/create",
            "/users",
            &[
                ("email", existing.email.as_str()),
                ("display_name", "Typed Name"),
                ("role", "operator"),
                ("password", "a long enough password 1"),
            ],
        )
        .await;
    assert!(!location.contains("password"), "no password in the URL: {location}");
    let html = page(&admin, &location).await;
    let message = field_error(&html, "email", "new-user-email").expect("beside the email");
    assert!(message.contains("already exists"), "{message}");
    assert_eq!(value_of(&html, "new-user-email"), Some(existing.email.clone()));
    assert_eq!(value_of(&html, "new-user-name").as_deref(), Some("Typed Name"));
    assert_eq!(value_of(&html, "new-user-role").as_deref(), Some("operator"));
    assert_eq!(value_of(&html, "new-user-password"), None);

    // Channels: a name in use, beside the name, the address kept.
    let channel = [
        ("channel[name]", "ops"),
        ("channel[kind]", "webhook"),
        ("channel[url]", "https://hooks.example.com/a"),
        ("channel[repeat_minutes]", "0"),
        ("channel[enabled]", "on"),
    ];
    assert_eq!(
        admin
            .post_fn("/api/alerts/channel-save", &channel)
            .await
            .status()
            .as_u16(),
        200
    );
    let mut again = channel;
    again[2].1 = "https://hooks.example.com/typed";
    let location = admin
        .post_without_js("/api/alerts/channel-save", "/alerts/channels", &again)
        .await;
    let html = page(&admin, &location).await;
    let message = field_error(&html, "name", "channel-name").expect("beside the name");
    assert!(message.contains("exists already"), "{message}");
    assert_eq!(
        value_of(&html, "channel-url").as_deref(),
        Some("https://hooks.example.com/typed")
    );

    // Deployments: a bad link, the rest kept.
    let location = admin
        .post_without_js(
            "/api/deployments/record",
            "/deployments",
            &[
                ("service", "checkout"),
                ("version", "1.2.3"),
                ("status", "failed"),
                ("notes_url", "not a link"),
            ],
        )
        .await;
    let html = page(&admin, &location).await;
    assert!(
        field_error(&html, "notes_url", "record-notes_url").is_some(),
        "beside the link"
    );
    assert_eq!(value_of(&html, "record-service").as_deref(), Some("checkout"));
    assert_eq!(value_of(&html, "record-status").as_deref(), Some("failed"));
    assert_eq!(value_of(&html, "record-notes_url").as_deref(), Some("not a link"));
}
