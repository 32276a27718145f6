use std::io::Write;

use axum::http::HeaderName;

use super::*;

fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    pairs
        .iter()
        .map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v)))
        .collect()
}

fn gzip(data: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default().into()
}

#[test]
fn content_types_choose_the_encoding() {
    assert_eq!(
        encoding(&headers(&[("content-type", "application/x-protobuf")])),
        Some(Encoding::Protobuf)
    );
    assert_eq!(
        encoding(&headers(&[("content-type", "Application/JSON; charset=utf-8")])),
        Some(Encoding::Json)
    );
    assert_eq!(encoding(&headers(&[("content-type", "text/plain")])), None);
    assert_eq!(encoding(&headers(&[])), None);
}

#[test]
fn only_gzip_is_decompressed() {
    assert_eq!(gzipped(&headers(&[])), Ok(false));
    assert_eq!(gzipped(&headers(&[("content-encoding", "GZIP")])), Ok(true));
    assert_eq!(
        gzipped(&headers(&[("content-encoding", "br")])).map_err(|r| r.status),
        Err(StatusCode::UNSUPPORTED_MEDIA_TYPE)
    );
}

#[test]
fn decompression_stops_at_the_limit() {
    let plain = vec![b'a'; 1000];
    assert_eq!(decompress(gzip(&plain), true, 1000).map(|b| b.len()), Ok(1000));
    // A bomb: 10 MB of zeros in about 10 kB; refused after reading 1001 bytes.
    let bomb = gzip(&vec![0u8; 10 * 1024 * 1024]);
    assert!(bomb.len() < 20_000);
    assert_eq!(
        decompress(bomb, true, 1000).map_err(|r| r.status),
        Err(StatusCode::PAYLOAD_TOO_LARGE)
    );
    assert_eq!(
        decompress(Bytes::from_static(b"not gzip"), true, 1000).map_err(|r| r.status),
        Err(StatusCode::BAD_REQUEST)
    );
    assert_eq!(
        decompress(Bytes::from_static(b"plain"), false, 1000),
        Ok(Bytes::from_static(b"plain"))
    );
}

#[tokio::test]
async fn refusals_are_statuses_in_the_request_encoding() {
    let refusal = Refusal::new(StatusCode::TOO_MANY_REQUESTS, "slow down");
    let response = refuse(&refusal, Encoding::Protobuf, Some(7));
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()[header::RETRY_AFTER], "7");
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/x-protobuf");
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap_or_default();
    let status = <Status as prost::Message>::decode(&body[..]).unwrap_or_default();
    assert_eq!(status.code, 8);
    assert_eq!(status.message, "slow down");

    let response = refuse(&Refusal::bad("no"), Encoding::Json, None);
    assert!(response.headers().get(header::RETRY_AFTER).is_none());
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap_or_default();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap_or_default(),
        serde_json::json!({ "code": 3, "message": "no" })
    );
}
