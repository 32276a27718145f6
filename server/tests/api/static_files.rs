//! What browsers keep and how bytes travel: content-hashed site files are
//! cached for a year and sent precompressed (brotli or gzip, as asked),
//! pages are revalidated and compressed on the fly, live streams never are.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use app::auth::permissions::Role;

use crate::helpers::{TestApp, header};
use crate::ingest::{batch, insert_key};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const WASM: &[u8] = b"\0asm pretend wasm, long enough to be worth compressing: 0123456789 0123456789";

/// A built site as `cargo leptos build --release --precompress` leaves it,
/// with its hash file, in a directory removed when dropped.
struct Site {
    root: PathBuf,
}

impl Site {
    fn new() -> Site {
        let root = std::env::temp_dir().join(format!("opsdeck-site-{}", uuid::Uuid::new_v4().simple()));
        let pkg = root.join("pkg");
        std::fs::create_dir_all(&pkg).expect("site dir");
        let files: [(&Path, &str, &[u8]); 5] = [
            (
                &pkg,
                "opsdeck.JsHash0123456789abcd.js",
                b"export default function init() {} // glue",
            ),
            (&pkg, "opsdeck.WasmHash0123456789ab.wasm", WASM),
            (&pkg, "opsdeck.CssHash0123456789abc.css", b"body { color: black }"),
            (&root, "echarts.min.js", b"window.echarts = { init() {} };"),
            (&root, "favicon.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
        ];
        for (dir, name, bytes) in files {
            std::fs::write(dir.join(name), bytes).expect("write");
            std::fs::write(dir.join(format!("{name}.br")), brotli_bytes(bytes)).expect("write .br");
            std::fs::write(dir.join(format!("{name}.gz")), gzip_bytes(bytes)).expect("write .gz");
        }
        std::fs::write(
            root.join("hash.txt"),
            "js: JsHash0123456789abcd\nwasm: WasmHash0123456789ab\ncss: CssHash0123456789abc\n",
        )
        .expect("hash file");
        Site { root }
    }

    async fn serve(&self) -> TestApp {
        TestApp::configure()
            .await
            .set("OPSDECK_SITE_ROOT", self.root.to_string_lossy())
            .set("OPSDECK_HASH_FILE", self.root.join("hash.txt").to_string_lossy())
            .spawn()
            .await
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn brotli_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &Default::default()).expect("brotli");
    out
}

fn gzip_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .expect("valid brotli");
    out
}

fn ungzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

async fn fetch(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if let Some(encodings) = accept_encoding {
        request = request.header("accept-encoding", encodings);
    }
    request.send().await.expect("request sent")
}

#[tokio::test]
async fn hashed_site_files_are_sent_precompressed_and_kept_for_a_year() {
    let site = Site::new();
    let app = site.serve().await;
    let path = "/pkg/opsdeck.WasmHash0123456789ab.wasm";

    let response = fetch(&app, path, Some("gzip, deflate, br")).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(header(&response, "content-encoding"), Some("br"));
    assert_eq!(header(&response, "cache-control"), Some(IMMUTABLE));
    assert!(header(&response, "vary").is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")));
    assert_eq!(unbrotli(&response.bytes().await.expect("body")), WASM);

    let response = fetch(&app, path, Some("gzip")).await;
    assert_eq!(header(&response, "content-encoding"), Some("gzip"));
    assert_eq!(header(&response, "cache-control"), Some(IMMUTABLE));
    assert_eq!(ungzip(&response.bytes().await.expect("body")), WASM);

    let response = fetch(&app, path, None).await;
    assert_eq!(header(&response, "content-encoding"), None);
    assert_eq!(response.bytes().await.expect("body"), WASM);

    for path in [
        "/pkg/opsdeck.JsHash0123456789abcd.js",
        "/pkg/opsdeck.CssHash0123456789abc.css",
    ] {
        let response = fetch(&app, path, Some("br")).await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(header(&response, "cache-control"), Some(IMMUTABLE), "{path}");
        assert_eq!(header(&response, "content-encoding"), Some("br"), "{path}");
    }
}

#[tokio::test]
async fn pages_name_the_hashed_files_and_are_revalidated_and_compressed() {
    let site = Site::new();
    let app = site.serve().await;

    let response = fetch(&app, "/login", Some("br")).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(header(&response, "cache-control"), Some("no-cache"));
    assert_eq!(header(&response, "content-encoding"), Some("br"));
    let html = String::from_utf8(unbrotli(&response.bytes().await.expect("body"))).expect("UTF-8");
    for name in [
        "href=\"/pkg/opsdeck.CssHash0123456789abc.css\"",
        "href=\"/pkg/opsdeck.JsHash0123456789abcd.js\"",
        "href=\"/pkg/opsdeck.WasmHash0123456789ab.wasm\"",
        "\"opsdeck.JsHash0123456789abcd\", \"opsdeck.WasmHash0123456789ab\"",
    ] {
        assert!(html.contains(name), "{name} in {html}");
    }

    // The chart library and the icon: a version in the URL, kept while it is current.
    let version = |file: &str| {
        let start = html
            .find(&format!("/{file}?v="))
            .unwrap_or_else(|| panic!("{file} versioned in {html}"));
        html[start..].split('"').next().expect("URL").to_string()
    };
    for file in ["echarts.min.js", "favicon.svg"] {
        let current = version(file);
        let response = fetch(&app, &current, Some("gzip")).await;
        assert_eq!(response.status().as_u16(), 200, "{current}");
        assert_eq!(header(&response, "cache-control"), Some(IMMUTABLE), "{current}");
        assert_eq!(header(&response, "content-encoding"), Some("gzip"), "{current}");
        for other in [format!("/{file}"), format!("/{file}?v=0000000000000000")] {
            let response = fetch(&app, &other, None).await;
            assert_eq!(response.status().as_u16(), 200, "{other}");
            assert_eq!(header(&response, "cache-control"), Some("no-cache"), "{other}");
        }
    }

    // What a signed-in user sees is not kept at all (the gate's no-store wins).
    let (viewer, _) = app.signed_in(Role::Viewer).await;
    let response = viewer.get("/").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(header(&response, "cache-control"), Some("no-store"));
}

#[tokio::test]
async fn json_is_compressed_as_the_client_asks() {
    let app = TestApp::spawn().await;
    let response = fetch(&app, "/api/v1/openapi.json", Some("gzip")).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(header(&response, "content-encoding"), Some("gzip"));
    let body: serde_json::Value =
        serde_json::from_slice(&ungzip(&response.bytes().await.expect("body"))).expect("JSON");
    assert!(body.get("paths").is_some(), "{body}");
    let response = fetch(&app, "/api/v1/openapi.json", None).await;
    assert_eq!(
        header(&response, "content-encoding"),
        None,
        "nothing asked, nothing compressed"
    );
}

#[tokio::test]
async fn live_streams_are_never_compressed_so_events_arrive_at_once() {
    let app = TestApp::spawn().await;
    let (_, key) = insert_key(&app, &["ingest"]).await;
    let (viewer, _) = app.signed_in(Role::Viewer).await;
    let mut stream = viewer
        .client
        .get(format!("{}/api/v1/live?service=checkout", viewer.address))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .expect("stream opens");
    assert_eq!(stream.status().as_u16(), 200);
    assert!(header(&stream, "content-type").is_some_and(|t| t.starts_with("text/event-stream")));
    assert_eq!(header(&stream, "content-encoding"), None);

    let response = app
        .client
        .post(format!("{}/api/v1/ingest", app.address))
        .bearer_auth(&key)
        .json(&batch(2, 0))
        .send()
        .await
        .expect("ingest");
    assert_eq!(response.status().as_u16(), 202);
    // A compressor would hold the event back until its buffer filled.
    let arrived = tokio::time::timeout(Duration::from_secs(10), async {
        let mut text = String::new();
        while let Ok(Some(chunk)) = stream.chunk().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.contains("event: point") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(arrived, Ok(true), "a point event arrives as plain text");
}
