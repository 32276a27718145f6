//! An SSE client as cheap as it can be: the request a browser's
//! `EventSource` sends, then the stream read straight off its socket,
//! decoding HTTP/1.1 chunks and SSE frames. Thousands of these share the
//! server's two cores, so each costs one task and one read per event.
//! (Through reqwest each stream also had a connection task and a body
//! channel, which roughly doubled the client's share of the CPU the
//! benchmarks measure in.)

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The request `EventSource` sends for `path_and_query` with the session `cookie`.
pub fn request(address: SocketAddr, path_and_query: &str, cookie: &str) -> Arc<[u8]> {
    Arc::from(
        format!(
            "GET {path_and_query} HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\nCookie: {cookie}\r\n\r\n"
        )
        .into_bytes(),
    )
}

/// Opens one stream; once it is answered `200` (chunked), a task of its own
/// calls `each` with every SSE frame (without its blank line) and the
/// moment its bytes were read, until the stream ends (then `ended` is
/// incremented). Whether the stream was opened.
pub async fn follow(
    address: SocketAddr,
    request: Arc<[u8]>,
    mut each: impl FnMut(&[u8], Instant) + Send + 'static,
    ended: Arc<AtomicUsize>,
) -> bool {
    let Ok(mut socket) = TcpStream::connect(address).await else {
        return false;
    };
    if socket.set_nodelay(true).is_err() || socket.write_all(&request).await.is_err() {
        return false;
    }
    let mut raw = Vec::with_capacity(4096);
    let head_end = loop {
        if let Some(end) = find(&raw, b"\r\n\r\n") {
            break end + 4;
        }
        match socket.read_buf(&mut raw).await {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
    if !head.starts_with("http/1.1 200") || !head.contains("transfer-encoding: chunked") {
        return false;
    }
    raw.drain(..head_end);
    tokio::spawn(async move {
        let mut body = Chunked::default();
        loop {
            let now = Instant::now();
            let finished = body.decode(&mut raw);
            body.frames(|frame| each(frame, now));
            if finished {
                break;
            }
            match socket.read_buf(&mut raw).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        ended.fetch_add(1, Ordering::Relaxed);
    });
    true
}

/// The first position of `needle` in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// An HTTP/1.1 chunked body, decoded as it arrives, split into SSE frames.
#[derive(Default)]
struct Chunked {
    /// Decoded body not yet split into frames.
    body: Vec<u8>,
}

impl Chunked {
    /// Moves every complete chunk from `raw` into the body; whether the last
    /// chunk (or something that is not chunked encoding) was met.
    fn decode(&mut self, raw: &mut Vec<u8>) -> bool {
        let mut at = 0;
        let finished = loop {
            let Some(line) = find(&raw[at..], b"\r\n") else {
                break false;
            };
            let size_text = std::str::from_utf8(&raw[at..at + line]).unwrap_or("");
            let size_text = size_text.split(';').next().unwrap_or("").trim();
            let Ok(size) = usize::from_str_radix(size_text, 16) else {
                break true;
            };
            if size == 0 {
                break true;
            }
            let data = at + line + 2;
            if raw.len() < data + size + 2 {
                break false;
            }
            self.body.extend_from_slice(&raw[data..data + size]);
            at = data + size + 2;
        };
        raw.drain(..at);
        finished
    }

    /// Calls `each` with every complete SSE frame decoded so far (without its blank line).
    fn frames(&mut self, mut each: impl FnMut(&[u8])) {
        let mut start = 0;
        while let Some(end) = find(&self.body[start..], b"\n\n") {
            each(&self.body[start..start + end]);
            start += end + 2;
        }
        self.body.drain(..start);
    }
}
