//! Reading a scrape target: one GET within the target's timeout (the whole
//! exchange, body included, so a body trickling in is cut too) and size
//! limit, its failures as one-line texts a target's page shows. The bearer
//! token is sent as a sensitive header and never appears in an error (nor
//! does the URL, which may hold credentials).

use std::io::ErrorKind;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};

/// What a scrape asks for: OpenMetrics first, then the Prometheus text format.
pub const ACCEPT_EXPOSITION: &str =
    "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
/// Most redirects a scrape follows; one more is an error (so is a loop).
pub const MAX_REDIRECTS: usize = 5;
/// The user agent scrapes send.
pub const USER_AGENT: &str = "Opsdeck-scraper";
/// Longest error text taken from the HTTP client.
const ERROR_CHARS: usize = 200;

/// The client scrapes use: at most [`MAX_REDIRECTS`] redirects followed (a
/// loop becomes an error; the bearer header is dropped on a redirect to
/// another host), no cookies (reqwest keeps none without its `cookies`
/// feature), user agent [`USER_AGENT`]. Falls back to reqwest's default
/// client, with an error logged, if those settings cannot be built.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
        .user_agent(USER_AGENT)
        .build()
        .unwrap_or_else(|error| {
            tracing::error!(%error, "could not build the scrape HTTP client; using the default one");
            reqwest::Client::new()
        })
}

/// Reads `url` (GET, `Accept:` [`ACCEPT_EXPOSITION`], `Authorization:
/// Bearer <token>` when given) within `timeout` for the whole exchange
/// including the body, at most `max_bytes` of body (reading stops past
/// it). Errors are one-line texts a target page shows, e.g. "timed out
/// after 10 s", "HTTP 404", "the body is larger than 10485760 bytes", "the
/// answer is HTML, not a metrics exposition (text/html)", "too many
/// redirects", "connection refused", "the body is not UTF-8".
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    timeout: Duration,
    max_bytes: usize,
) -> Result<String, String> {
    match tokio::time::timeout(timeout, read(client, url, bearer, max_bytes)).await {
        Ok(read) => read,
        Err(_) => Err(format!("timed out after {} s", timeout.as_secs_f64())),
    }
}

async fn read(client: &reqwest::Client, url: &str, bearer: Option<&str>, max_bytes: usize) -> Result<String, String> {
    let url = reqwest::Url::parse(url).map_err(|error| format!("the URL is not valid: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("the URL must start with http:// or https://".into());
    }
    let mut request = client.get(url).header(ACCEPT, ACCEPT_EXPOSITION);
    if let Some(token) = bearer {
        let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| "the bearer token holds characters a header cannot carry".to_string())?;
        value.set_sensitive(true);
        request = request.header(AUTHORIZATION, value);
    }
    let mut response = request.send().await.map_err(described)?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("HTTP {}", status.as_u16()));
    }
    let media_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|media_type| media_type.trim().to_ascii_lowercase());
    if let Some(media_type) = media_type.filter(|media_type| media_type.contains("html")) {
        return Err(format!("the answer is HTML, not a metrics exposition ({media_type})"));
    }
    let too_large = || format!("the body is larger than {max_bytes} bytes");
    let length = response.content_length().unwrap_or(0);
    if length > max_bytes as u64 {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(length as usize);
    while let Some(chunk) = response.chunk().await.map_err(described)? {
        if body.len().saturating_add(chunk.len()) > max_bytes {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body).map_err(|_| "the body is not UTF-8".to_string())
}

/// An HTTP client error as one line, without the URL.
fn described(error: reqwest::Error) -> String {
    if error.is_redirect() {
        return "too many redirects".into();
    }
    let error = error.without_url();
    let mut innermost: &dyn std::error::Error = &error;
    let mut io = None;
    while let Some(source) = innermost.source() {
        if let Some(kind) = source.downcast_ref::<std::io::Error>().map(std::io::Error::kind) {
            io = Some(kind);
        }
        innermost = source;
    }
    let text = match io {
        Some(ErrorKind::ConnectionRefused) => return "connection refused".into(),
        Some(ErrorKind::ConnectionReset) => return "the connection was reset".into(),
        _ => one_line(&innermost.to_string()),
    };
    if error.is_connect() {
        format!("could not connect: {text}")
    } else if error.is_body() || error.is_decode() {
        format!("the body could not be read: {text}")
    } else {
        text
    }
}

fn one_line(text: &str) -> String {
    let mut line: String = text
        .chars()
        .take(ERROR_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(ERROR_CHARS).is_some() {
        line.push('…');
    }
    line
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use axum::Router;
    use axum::body::{Body, Bytes};
    use axum::http::{HeaderMap, StatusCode, header};
    use axum::response::{IntoResponse, Redirect};
    use axum::routing::get;
    use futures::stream;

    use super::*;

    const MB: usize = 1 << 20;
    const SECOND: Duration = Duration::from_secs(1);
    static CHUNK: [u8; 64 * 1024] = [b'#'; 64 * 1024];

    /// What `/metrics` answers: the headers it was sent, as comments, then a sample.
    async fn metrics(headers: HeaderMap) -> impl IntoResponse {
        let header = |name: header::HeaderName| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("none")
                .to_string()
        };
        let body = format!(
            "# authorization: {}\n# user-agent: {}\n# accept: {}\n# accept-encoding: {}\nup 1\n",
            header(header::AUTHORIZATION),
            header(header::USER_AGENT),
            header(header::ACCEPT),
            header(header::ACCEPT_ENCODING),
        );
        ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
    }

    /// A local target; its base URL.
    async fn target() -> String {
        let app = Router::new()
            .route("/metrics", get(metrics))
            .route(
                "/page",
                get(|| async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], "<html></html>") }),
            )
            .route("/loop", get(|| async { Redirect::temporary("/loop") }))
            .route("/hop", get(|| async { Redirect::temporary("/metrics") }))
            .route(
                "/binary",
                get(|| async { ([(header::CONTENT_TYPE, "text/plain")], vec![0xff_u8, 0xfe, 0x00]) }),
            )
            .route("/huge", get(|| async { vec![b'#'; 20 * MB] }))
            .route(
                "/huge-stream",
                get(|| async {
                    let chunks =
                        (0..20 * MB / CHUNK.len()).map(|_| Ok::<_, std::io::Error>(Bytes::from_static(&CHUNK)));
                    Body::from_stream(stream::iter(chunks))
                }),
            )
            .route(
                "/slow",
                get(|| async {
                    let trickle = stream::unfold((), |()| async {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        Some((Ok::<_, std::io::Error>(Bytes::from_static(b"#")), ()))
                    });
                    (StatusCode::OK, Body::from_stream(trickle))
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a local port");
        let address = listener.local_addr().expect("the port's address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{address}")
    }

    async fn get_from(url: &str, bearer: Option<&str>) -> Result<String, String> {
        fetch(&client(), url, bearer, 5 * SECOND, 10 * MB).await
    }

    #[tokio::test]
    async fn reads_an_exposition_with_the_scrape_headers() {
        let base = target().await;
        let body = get_from(&format!("{base}/metrics"), None)
            .await
            .expect("the exposition");
        assert!(body.ends_with("up 1\n"), "{body}");
        assert!(body.contains("# authorization: none\n"), "{body}");
        assert!(body.contains(&format!("# user-agent: {USER_AGENT}\n")), "{body}");
        assert!(body.contains(&format!("# accept: {ACCEPT_EXPOSITION}\n")), "{body}");
        assert!(body.contains("# accept-encoding: none\n"), "{body}");
    }

    #[tokio::test]
    async fn sends_the_bearer_token_and_follows_a_redirect() {
        let base = target().await;
        let body = get_from(&format!("{base}/hop"), Some("s3cret"))
            .await
            .expect("the exposition");
        assert!(body.contains("# authorization: Bearer s3cret\n"), "{body}");
    }

    #[tokio::test]
    async fn says_the_status_without_the_token() {
        let base = target().await;
        let error = get_from(&format!("{base}/missing"), Some("s3cret"))
            .await
            .expect_err("a 404");
        assert_eq!(error, "HTTP 404");
        let error = get_from(&format!("{base}/missing"), Some("bad\ntoken"))
            .await
            .expect_err("no header");
        assert_eq!(error, "the bearer token holds characters a header cannot carry");
    }

    #[tokio::test]
    async fn refuses_bodies_past_the_limit_quickly() {
        let base = target().await;
        for path in ["/huge", "/huge-stream"] {
            let started = Instant::now();
            let error = get_from(&format!("{base}{path}"), None).await.expect_err("too large");
            assert_eq!(error, format!("the body is larger than {} bytes", 10 * MB), "{path}");
            assert!(started.elapsed() < 3 * SECOND, "{path} took {:?}", started.elapsed());
        }
    }

    #[tokio::test]
    async fn refuses_html_redirect_loops_and_bytes_that_are_not_text() {
        let base = target().await;
        let error = get_from(&format!("{base}/page"), None).await.expect_err("HTML");
        assert_eq!(error, "the answer is HTML, not a metrics exposition (text/html)");
        let error = get_from(&format!("{base}/loop"), None).await.expect_err("a loop");
        assert_eq!(error, "too many redirects");
        let error = get_from(&format!("{base}/binary"), None).await.expect_err("not UTF-8");
        assert_eq!(error, "the body is not UTF-8");
    }

    #[tokio::test]
    async fn cuts_a_trickling_body_at_the_timeout() {
        let base = target().await;
        let started = Instant::now();
        let error = fetch(&client(), &format!("{base}/slow"), None, SECOND, 10 * MB)
            .await
            .expect_err("too slow");
        assert_eq!(error, "timed out after 1 s");
        assert!(started.elapsed() < 2 * SECOND, "took {:?}", started.elapsed());
        let error = fetch(&client(), &format!("{base}/slow"), None, Duration::from_millis(300), MB)
            .await
            .expect_err("too slow");
        assert_eq!(error, "timed out after 0.3 s");
    }

    #[tokio::test]
    async fn names_connection_and_url_problems() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a local port");
        let address = listener.local_addr().expect("the port's address");
        drop(listener);
        let error = get_from(&format!("http://{address}/metrics"), None)
            .await
            .expect_err("nothing listens");
        assert_eq!(error, "connection refused");
        let error = get_from("not a url", None).await.expect_err("no URL");
        assert!(error.starts_with("the URL is not valid: "), "{error}");
        let error = get_from("ftp://example.com/metrics", None).await.expect_err("not HTTP");
        assert_eq!(error, "the URL must start with http:// or https://");
    }
}
