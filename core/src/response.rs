use base64::Engine as _;
use bytes::Bytes;
use std::borrow::Cow;

use http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Value};

use crate::ContractError;

/// A response in Genezio's terms: what an HTTP method returns to Genezio's handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseObject {
    pub status_code: u16,
    /// The service's headers, less those the host computes itself. In the `headers` object a
    /// name set several times keeps its values apart only for `set-cookie`, which cannot be
    /// joined; the others are joined with `, ` as HTTP allows.
    pub headers: HeaderMap,
    pub body: ResponseBody,
}

/// How the body must travel: Genezio passes a string through and sends a `Buffer` as base64, so
/// bytes that are not UTF-8 text must go as binary to survive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseBody {
    Text(String),
    Binary(Bytes),
}

impl ResponseBody {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            ResponseBody::Text(text) => text.as_bytes(),
            ResponseBody::Binary(bytes) => bytes,
        }
    }

    /// The body's bytes, taken over without a copy.
    pub fn into_bytes(self) -> Bytes {
        match self {
            ResponseBody::Text(text) => Bytes::from(text),
            ResponseBody::Binary(bytes) => bytes,
        }
    }
}

/// Headers the host computes itself; passing the service's copy on could contradict it.
const HOP_BY_HOP: [&str; 4] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
];

/// Whether a body of this content type is meant as text. Only then is it sent as a string;
/// everything else goes as binary, whatever the bytes look like.
pub fn is_text_content_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let Some((kind, sub)) = essence.split_once('/') else {
        return false;
    };
    let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let ends = |suffix: &str| {
        sub.len() >= suffix.len()
            && sub.as_bytes()[sub.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    is(kind, "text")
        || (is(kind, "application")
            && ([
                "json",
                "xml",
                "javascript",
                "ecmascript",
                "x-www-form-urlencoded",
                "graphql",
            ]
            .iter()
            .any(|t| is(sub, t))
                || ends("+json")
                || ends("+xml")))
        || (is(kind, "image") && is(sub, "svg+xml"))
}

impl ResponseObject {
    pub fn from_http(response: Response<Bytes>) -> Self {
        let (mut parts, body) = response.into_parts();
        let text = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_text_content_type);
        let body = match (text, body.is_empty()) {
            (_, true) => ResponseBody::Text(String::new()),
            // `Vec::from(Bytes)` takes the buffer over without copying when it is not shared.
            (true, false) => match String::from_utf8(Vec::from(body)) {
                Ok(text) => ResponseBody::Text(text),
                Err(e) => ResponseBody::Binary(Bytes::from(e.into_bytes())),
            },
            (false, false) => ResponseBody::Binary(body),
        };
        for name in HOP_BY_HOP {
            // A 101's `connection: upgrade` is the answer itself (a WebSocket's handshake).
            if name == "connection" && parts.status == StatusCode::SWITCHING_PROTOCOLS {
                continue;
            }
            parts.headers.remove(name);
        }
        Self {
            status_code: parts.status.as_u16(),
            headers: parts.headers,
            body,
        }
    }

    /// A JSON error answer, `{"error": message}`, as Genezio itself answers errors.
    pub fn error(status: StatusCode, message: &str) -> Self {
        Self {
            status_code: status.as_u16(),
            headers: HeaderMap::from_iter([(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )]),
            body: ResponseBody::Text(json!({ "error": message }).to_string()),
        }
    }

    /// The `headers` object of the response, as JSON.
    pub fn headers_json(&self) -> Value {
        serde_json::to_value(HeadersObject(&self.headers)).expect("headers serialize")
    }

    /// The response object as JSON text with a text body inline, and a binary body apart: the
    /// shape the wasm host turns into Genezio's response with one `JSON.parse`.
    pub fn into_head_json(self) -> (String, Option<Bytes>) {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Head<'a> {
            status_code: u16,
            headers: HeadersObject<'a>,
            #[serde(skip_serializing_if = "Option::is_none")]
            body: Option<&'a str>,
        }
        let (text, binary) = match &self.body {
            ResponseBody::Text(text) => (Some(text.as_str()), None),
            ResponseBody::Binary(bytes) => (None, Some(bytes.clone())),
        };
        let head = Head {
            status_code: self.status_code,
            headers: HeadersObject(&self.headers),
            body: text,
        };
        (
            serde_json::to_string(&head).expect("head serializes"),
            binary,
        )
    }

    /// The whole response object as JSON, with a binary body as base64 and `isBase64Encoded`
    /// set: the form a Lambda response takes.
    pub fn to_json(&self) -> Value {
        let (body, base64) = match &self.body {
            ResponseBody::Text(text) => (text.clone(), false),
            ResponseBody::Binary(bytes) => (
                base64::engine::general_purpose::STANDARD.encode(bytes),
                true,
            ),
        };
        json!({
            "statusCode": self.status_code,
            "headers": self.headers_json(),
            "body": body,
            "isBase64Encoded": base64,
        })
    }
}

impl From<ContractError> for ResponseObject {
    fn from(err: ContractError) -> Self {
        ResponseObject::error(err.status, &err.message)
    }
}

/// The `headers` object, written straight from the `HeaderMap`.
struct HeadersObject<'a>(&'a HeaderMap);

impl Serialize for HeadersObject<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.keys_len()))?;
        for name in self.0.keys() {
            let mut values = self
                .0
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()));
            let first = values.next().unwrap_or_default();
            match values.next() {
                None => map.serialize_entry(name.as_str(), &first)?,
                Some(second) => {
                    let all: Vec<Cow<str>> = [first, second].into_iter().chain(values).collect();
                    if name == header::SET_COOKIE {
                        map.serialize_entry(name.as_str(), &all)?;
                    } else {
                        map.serialize_entry(name.as_str(), &all.join(", "))?;
                    }
                }
            }
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(content_type: Option<&str>, body: &'static [u8]) -> ResponseObject {
        let mut builder = Response::builder().status(201);
        if let Some(ct) = content_type {
            builder = builder.header("content-type", ct);
        }
        ResponseObject::from_http(builder.body(Bytes::from_static(body)).unwrap())
    }

    #[test]
    fn text_stays_text_and_binary_stays_exact() {
        assert_eq!(
            response(Some("text/plain; charset=utf-8"), "héllo".as_bytes()).body,
            ResponseBody::Text("héllo".into())
        );
        assert_eq!(
            response(Some("application/problem+json"), b"{}").body,
            ResponseBody::Text("{}".into())
        );
        assert_eq!(
            response(Some("application/octet-stream"), b"abc").body,
            ResponseBody::Binary(Bytes::from_static(b"abc"))
        );
        assert_eq!(
            response(None, b"abc").body,
            ResponseBody::Binary(Bytes::from_static(b"abc"))
        );
        // Declared as text but not UTF-8: the bytes win.
        assert_eq!(
            response(Some("text/plain"), b"\xff\xfe").body,
            ResponseBody::Binary(Bytes::from_static(b"\xff\xfe"))
        );
        assert_eq!(response(None, b"").body, ResponseBody::Text(String::new()));
    }

    #[test]
    fn set_cookies_stay_separate_and_others_join() {
        let response = Response::builder()
            .header("set-cookie", "a=1")
            .header("x-multi", "1")
            .header("set-cookie", "b=2; Path=/")
            .header("x-multi", "2")
            .header("content-length", "0")
            .body(Bytes::new())
            .unwrap();
        let object = ResponseObject::from_http(response);
        assert_eq!(
            object.headers_json(),
            json!({"set-cookie": ["a=1", "b=2; Path=/"], "x-multi": "1, 2"})
        );
        assert_eq!(object.status_code, 200);
    }

    #[test]
    fn lambda_json_carries_binary_as_base64() {
        let json = response(Some("image/png"), b"\x00\x01").to_json();
        assert_eq!(json["body"], "AAE=");
        assert_eq!(json["isBase64Encoded"], true);
        assert_eq!(json["statusCode"], 201);
    }
}
