//! Where Sentry SDKs put their key: the `X-Sentry-Auth` header
//! (`Sentry sentry_key=<key>, sentry_version=7, sentry_client=…`), the
//! same in `Authorization` (older SDKs), or the `sentry_key` query
//! parameter (browsers, which cannot set headers on a beacon).

use axum::http::header;
use axum::http::request::Parts;

/// The DSN's public key the request carries, if any.
pub fn sentry_key(parts: &Parts) -> Option<String> {
    let from_header = ["x-sentry-auth", header::AUTHORIZATION.as_str()]
        .iter()
        .filter_map(|name| parts.headers.get(*name)?.to_str().ok())
        .find_map(key_in_header);
    from_header.or_else(|| key_in_query(parts.uri.query()?))
}

fn key_in_header(value: &str) -> Option<String> {
    let value = value.trim();
    let fields = match value.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("sentry ") => &value[7..],
        _ => return None,
    };
    fields.split(',').find_map(|field| {
        let (name, key) = field.split_once('=')?;
        (name.trim() == "sentry_key").then(|| key.trim().to_string())
    })
}

fn key_in_query(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (name, key) = pair.split_once('=')?;
        (name == "sentry_key").then(|| key.to_string())
    })
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    fn parts(header: Option<(&str, &str)>, uri: &str) -> Parts {
        let mut request = Request::builder().uri(uri);
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        request.body(()).expect("request").into_parts().0
    }

    #[test]
    fn the_key_is_found_where_sdks_send_it() {
        let header = "Sentry sentry_key=odk_A_b, sentry_version=7, sentry_client=sentry.javascript.node/9.0.0";
        assert_eq!(
            sentry_key(&parts(Some(("X-Sentry-Auth", header)), "/api/1/envelope/")).as_deref(),
            Some("odk_A_b")
        );
        assert_eq!(
            sentry_key(&parts(Some(("Authorization", header)), "/api/1/envelope/")).as_deref(),
            Some("odk_A_b")
        );
        assert_eq!(
            sentry_key(&parts(None, "/api/1/envelope/?sentry_version=7&sentry_key=odk_C_d")).as_deref(),
            Some("odk_C_d")
        );
        assert_eq!(
            sentry_key(&parts(Some(("Authorization", "Bearer x")), "/api/1/store/")),
            None
        );
        assert_eq!(sentry_key(&parts(None, "/api/1/store/?other=1")), None);
    }
}
