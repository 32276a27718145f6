//! Compressed request bodies, decompressed with a hard bound: reading stops
//! one byte past the limit, so a small bomb costs at most the limit in
//! memory and CPU, never what it would expand to. Every door that accepts
//! compressed bodies goes through [`decompress`] (OTLP and NDJSON logs take
//! gzip; Sentry envelopes also deflate and brotli, as the SDKs send them).

use std::io::Read;

use axum::body::Bytes;
use axum::http::{HeaderMap, header};

/// A body's `Content-Encoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyEncoding {
    Identity,
    Gzip,
    /// zlib-wrapped deflate as HTTP defines it; raw deflate, which some
    /// clients send under the same name, is accepted too.
    Deflate,
    Brotli,
}

impl BodyEncoding {
    pub fn name(self) -> &'static str {
        match self {
            BodyEncoding::Identity => "identity",
            BodyEncoding::Gzip => "gzip",
            BodyEncoding::Deflate => "deflate",
            BodyEncoding::Brotli => "br",
        }
    }

    /// The request's encoding; `None` for one this server does not decode.
    pub fn of(headers: &HeaderMap) -> Option<BodyEncoding> {
        let Some(value) = headers.get(header::CONTENT_ENCODING) else {
            return Some(BodyEncoding::Identity);
        };
        match value.to_str().map(|text| text.trim().to_ascii_lowercase()).as_deref() {
            Ok("identity" | "") => Some(BodyEncoding::Identity),
            Ok("gzip" | "x-gzip") => Some(BodyEncoding::Gzip),
            Ok("deflate") => Some(BodyEncoding::Deflate),
            Ok("br") => Some(BodyEncoding::Brotli),
            _ => None,
        }
    }
}

/// Why a body could not be decompressed.
#[derive(Debug, PartialEq, Eq)]
pub enum Undecodable {
    /// More than the limit (after decompression).
    TooLarge,
    /// Not valid data of its encoding; the decoder's message.
    Invalid(String),
}

/// `body` decoded from `encoding`, never more than `limit` bytes.
pub fn decompress(body: Bytes, encoding: BodyEncoding, limit: usize) -> Result<Bytes, Undecodable> {
    let bound = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut plain = Vec::new();
    let read = match encoding {
        BodyEncoding::Identity => {
            return if body.len() > limit {
                Err(Undecodable::TooLarge)
            } else {
                Ok(body)
            };
        }
        BodyEncoding::Gzip => flate2::read::MultiGzDecoder::new(&body[..])
            .take(bound)
            .read_to_end(&mut plain),
        BodyEncoding::Deflate if zlib_header(&body) => flate2::read::ZlibDecoder::new(&body[..])
            .take(bound)
            .read_to_end(&mut plain),
        BodyEncoding::Deflate => flate2::read::DeflateDecoder::new(&body[..])
            .take(bound)
            .read_to_end(&mut plain),
        BodyEncoding::Brotli => brotli_decompressor::Decompressor::new(&body[..], 4096)
            .take(bound)
            .read_to_end(&mut plain),
    };
    read.map_err(|error| Undecodable::Invalid(error.to_string()))?;
    if plain.len() > limit {
        return Err(Undecodable::TooLarge);
    }
    Ok(plain.into())
}

/// RFC 1950's two header bytes: deflate (method 8) and a check sum.
fn zlib_header(body: &[u8]) -> bool {
    match body {
        [cmf, flg, ..] => cmf & 0x0f == 8 && (u16::from(*cmf) * 256 + u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn compressed(encoding: BodyEncoding, plain: &[u8]) -> Bytes {
        let mut out = Vec::new();
        match encoding {
            BodyEncoding::Identity => out.extend_from_slice(plain),
            BodyEncoding::Gzip => {
                let mut writer = flate2::write::GzEncoder::new(&mut out, flate2::Compression::default());
                writer.write_all(plain).expect("compress");
                writer.finish().expect("compress");
            }
            BodyEncoding::Deflate => {
                let mut writer = flate2::write::ZlibEncoder::new(&mut out, flate2::Compression::default());
                writer.write_all(plain).expect("compress");
                writer.finish().expect("compress");
            }
            BodyEncoding::Brotli => {
                let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                writer.write_all(plain).expect("compress");
                drop(writer);
            }
        }
        out.into()
    }

    #[test]
    fn every_encoding_round_trips_and_stops_at_the_limit() {
        let plain = vec![b'a'; 10_000];
        for encoding in [
            BodyEncoding::Identity,
            BodyEncoding::Gzip,
            BodyEncoding::Deflate,
            BodyEncoding::Brotli,
        ] {
            let body = compressed(encoding, &plain);
            assert_eq!(
                decompress(body.clone(), encoding, 10_000).as_deref(),
                Ok(&plain[..]),
                "{}",
                encoding.name()
            );
            assert_eq!(
                decompress(body, encoding, 9_999),
                Err(Undecodable::TooLarge),
                "{}",
                encoding.name()
            );
        }
    }

    #[test]
    fn raw_deflate_is_accepted_and_garbage_is_named() {
        let mut out = Vec::new();
        let mut writer = flate2::write::DeflateEncoder::new(&mut out, flate2::Compression::default());
        writer.write_all(b"hello").expect("compress");
        writer.finish().expect("compress");
        assert_eq!(
            decompress(out.into(), BodyEncoding::Deflate, 100).as_deref(),
            Ok(&b"hello"[..])
        );
        for encoding in [BodyEncoding::Gzip, BodyEncoding::Brotli] {
            assert!(matches!(
                decompress(Bytes::from_static(b"\xff\xfenot compressed"), encoding, 100),
                Err(Undecodable::Invalid(_))
            ));
        }
    }

    #[test]
    fn encodings_are_read_from_the_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(BodyEncoding::of(&headers), Some(BodyEncoding::Identity));
        for (value, expected) in [
            ("GZIP", Some(BodyEncoding::Gzip)),
            ("deflate", Some(BodyEncoding::Deflate)),
            ("br", Some(BodyEncoding::Brotli)),
            ("zstd", None),
        ] {
            headers.insert(header::CONTENT_ENCODING, value.parse().expect("header"));
            assert_eq!(BodyEncoding::of(&headers), expected, "{value}");
        }
    }
}
