//! The compact head: how a fetch handler and the module exchange a request's method, target and
//! headers, and a response's status and headers, without JSON on either side.
//!
//! A fetch handler has a standard `Request`, not Genezio's request object, so the shape of what
//! crosses into the module is ours to choose. Lines are enough: a method, a URL, a header name
//! or value never holds `\n` (the runtime's `Request` and `Headers` refuse it, and so does
//! `http::HeaderValue` on the way out), so the head is its fields joined by `\n`. The host only
//! joins and splits; what the fields mean (the target inside the URL, the base path, the limits)
//! is decided here and in [`RequestObject::into_http_with_raw_body`], as for every request.
//!
//! Request head: the byte [`COMPACT_HEAD`], then `method \n url \n base-path`, then
//! `\n name \n value` for each header. `url` is the request's URL as the runtime gives it
//! (`https://host/path?query`) or its target alone (`/path?query`).
//!
//! Response head: `status`, then `\n name \n value` for each header (`set-cookie` once per
//! cookie); the body always travels apart, as bytes.

use bytes::Bytes;

use crate::{ContractError, HttpInfo, Pairs, RequestObject, ResponseBody, ResponseObject};

/// The first byte of a compact request head. A JSON request object starts with `{`.
pub const COMPACT_HEAD: u8 = 1;

impl RequestObject {
    /// Parses a compact request head, without its first byte ([`COMPACT_HEAD`], by which a host
    /// tells it from the request object's JSON).
    pub fn from_compact(head: &[u8]) -> Result<Self, ContractError> {
        let text = std::str::from_utf8(head)
            .map_err(|_| ContractError::bad_request("the request head is not UTF-8"))?;
        let mut fields = text.split('\n');
        let mut next = |what: &str| {
            fields.next().ok_or_else(|| {
                ContractError::bad_request(format!("the request head has no {what}"))
            })
        };
        let method = next("method")?.to_owned();
        let url = match target_of(next("URL")?) {
            rooted if rooted.starts_with('/') => rooted.to_owned(),
            bare => format!("/{bare}"),
        };
        let base_path = next("base path")?.to_owned();
        let mut headers = Vec::new();
        while let Some(name) = fields.next() {
            let value = fields.next().ok_or_else(|| {
                ContractError::bad_request(format!("the request head has no value for {name:?}"))
            })?;
            headers.push((name.to_owned(), vec![value.to_owned()]));
        }
        Ok(RequestObject {
            http: Some(HttpInfo {
                method: Some(method),
                path: None,
            }),
            headers: Some(Pairs(headers)),
            url: Some(url),
            base_path: (!base_path.is_empty()).then_some(base_path),
            ..Default::default()
        })
    }
}

/// The target (`/path?query`) of a request URL: an absolute URL loses its scheme, authority and
/// fragment; a target stays as it is. Not always rooted (`http://h?q` gives `?q`).
fn target_of(url: &str) -> &str {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    let Some((_, after_scheme)) = url.split_once("://") else {
        return url;
    };
    match after_scheme.find(['/', '?']) {
        Some(at) if after_scheme[at..].starts_with('/') => &after_scheme[at..],
        // `https://host?x`: the target is `/?x`, rooted by the caller.
        Some(at) => &after_scheme[at..],
        None => "/",
    }
}

impl ResponseObject {
    /// The response as a compact head (see [`crate::compact`]) and its body's bytes.
    pub fn into_head_compact(self) -> (String, Bytes) {
        let mut head = self.status_code.to_string();
        for (name, value) in &self.headers {
            head.push('\n');
            head.push_str(name.as_str());
            head.push('\n');
            head.push_str(&String::from_utf8_lossy(value.as_bytes()));
        }
        let body = match self.body {
            ResponseBody::Text(text) => Bytes::from(text),
            ResponseBody::Binary(bytes) => bytes,
        };
        (head, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    fn head(fields: &[&str]) -> Vec<u8> {
        fields.join("\n").into_bytes()
    }

    #[test]
    fn a_compact_head_is_the_request_a_json_object_would_be() {
        let compact = RequestObject::from_compact(&head(&[
            "POST",
            "https://example.com:8443/api/users/7?x=1&y=%20#frag",
            "/api",
            "content-type",
            "application/json",
            "accept",
            "a, b",
        ]))
        .unwrap()
        .into_http_with_raw_body(Some(Bytes::from_static(b"{}")))
        .unwrap();
        let json = RequestObject::from_json(
            br#"{"http":{"method":"POST"},"url":"/api/users/7?x=1&y=%20","basePath":"/api",
                "headers":{"content-type":["application/json"],"accept":["a, b"]}}"#,
        )
        .unwrap()
        .into_http_with_raw_body(Some(Bytes::from_static(b"{}")))
        .unwrap();
        assert_eq!(compact.method(), json.method());
        assert_eq!(compact.uri(), json.uri());
        assert_eq!(compact.uri().to_string(), "/users/7?x=1&y=%20");
        assert_eq!(compact.headers(), json.headers());
        assert_eq!(compact.headers()["content-length"], "2");
    }

    #[test]
    fn targets_come_out_of_urls_of_every_shape() {
        for (url, target) in [
            ("http://h/", "/"),
            ("http://h", "/"),
            ("http://h?q=1", "?q=1"),
            ("http://h:80/a/b?c#d", "/a/b?c"),
            ("/a?b", "/a?b"),
            ("http://h/a://b", "/a://b"),
        ] {
            assert_eq!(target_of(url), target, "{url}");
        }
        let request = RequestObject::from_compact(&head(&["GET", "http://h?q=1", ""]))
            .unwrap()
            .into_http()
            .unwrap();
        assert_eq!(request.uri().to_string(), "/?q=1");
    }

    #[test]
    fn a_broken_compact_head_answers_400() {
        for (fields, says) in [
            (&["GET"][..], "no URL"),
            (
                &["GET", "/", "", "x-lonely"][..],
                "no value for \"x-lonely\"",
            ),
            (&["GE T", "/", ""][..], "invalid HTTP method"),
            (
                &["GET", "/", "", "bad name", "v"][..],
                "invalid header name",
            ),
            (&["GET", "/", "/api"][..], "served under /api"),
        ] {
            let error = RequestObject::from_compact(&head(fields))
                .and_then(RequestObject::into_http)
                .unwrap_err();
            assert!(
                error.message.contains(says),
                "{fields:?}: {}",
                error.message
            );
        }
        let error = RequestObject::from_compact(&[0xff]).unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn a_compact_response_keeps_every_header_line_and_the_exact_body() {
        let response = http::Response::builder()
            .status(201)
            .header("set-cookie", "a=1")
            .header("set-cookie", "b=2")
            .header("content-type", "text/plain")
            .body(Bytes::from_static("héllo".as_bytes()))
            .unwrap();
        let (head, body) = ResponseObject::from_http(response).into_head_compact();
        assert_eq!(
            head,
            "201\nset-cookie\na=1\nset-cookie\nb=2\ncontent-type\ntext/plain"
        );
        assert_eq!(&body[..], "héllo".as_bytes());
    }
}
