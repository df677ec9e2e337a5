//! Genezio's JSON-RPC at `POST /<Class>`, where gzrs serves HTTP itself (the fetch handler, the
//! native server): the same calls, envelope, ids, errors and `{"$bigint"}` rules as Genezio's
//! handler ([`crate::lambda`] reads them the same way from a Lambda event), so a frontend whose
//! SDK `genezio sdk` generated works against it with only its URL changed. Answers carry CORS
//! headers, as genezio-cloud's do, so a browser frontend on another origin can call them.
//!
//! A request may reach the class this way only when its host marked it [`RpcEndpoint`] (gzrs-core
//! does for every request object that carries its own `url`); on Genezio, Genezio's handler does
//! the JSON-RPC, and `/<Class>` never reaches the service.

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use serde_json::Value;

use crate::lambda::{json_rpc, rpc_answer, Rpc, Target};
use crate::ResponseObject;

/// The extension marking a request whose platform serves a class's JSON-RPC at `/<Class>`
/// beside its HTTP routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RpcEndpoint;

/// What a request to `/<Class>` is.
#[derive(Debug)]
pub enum Endpoint {
    /// Answered without the class (an invalid call, an unknown method, a preflight).
    Answer(Response<Bytes>),
    /// A call of the typed method `name` with `params` (a JSON array); [`response`] puts the
    /// class's answer in the envelope with `id`.
    Call {
        id: Value,
        name: String,
        params: String,
    },
}

/// What the request with `method` and `body` to `/<class>` (whose typed methods are `methods`)
/// is; `None` when it is not a JSON-RPC call (then it is an ordinary HTTP request).
pub fn request(
    method: &http::Method,
    body: &[u8],
    class: &str,
    methods: &[&str],
) -> Option<Endpoint> {
    if method == http::Method::OPTIONS {
        let mut preflight = Response::new(Bytes::new());
        *preflight.status_mut() = StatusCode::NO_CONTENT;
        with_cors(&mut preflight);
        return Some(Endpoint::Answer(preflight));
    }
    if method != http::Method::POST {
        return None;
    }
    let body = std::str::from_utf8(body).ok()?;
    let target = Target {
        class,
        // No HTTP method lives under /<Class> here: routes answer beside it.
        http_method: "\u{0}",
        methods,
    };
    Some(match json_rpc(body, &target)? {
        Rpc::Answer(answer) => Endpoint::Answer(from_lambda(&answer)),
        Rpc::Call { id, name, params } => Endpoint::Call { id, name, params },
    })
}

/// The HTTP answer to call `id` from the class's answer (`{"result": ...}`, `{}`, or
/// `{"error": "..."}`), in Genezio's envelope.
pub fn response(id: Value, answer: &ResponseObject) -> Response<Bytes> {
    from_lambda(&rpc_answer(id, answer))
}

/// A Lambda response (`{statusCode, headers, body}`, as [`crate::lambda`] writes them) as HTTP,
/// with CORS headers.
fn from_lambda(answer: &Value) -> Response<Bytes> {
    let body = answer["body"].as_str().unwrap_or_default().to_owned();
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = answer["statusCode"]
        .as_u64()
        .and_then(|s| StatusCode::from_u16(s as u16).ok())
        .unwrap_or(StatusCode::OK);
    if let Some(headers) = answer["headers"].as_object() {
        for (name, value) in headers {
            if let (Ok(name), Some(Ok(value))) = (
                HeaderName::from_bytes(name.as_bytes()),
                value.as_str().map(HeaderValue::from_str),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
    }
    with_cors(&mut response);
    response
}

fn with_cors(response: &mut Response<Bytes>) {
    let headers = response.headers_mut();
    for (name, value) in [
        ("access-control-allow-origin", "*"),
        ("access-control-allow-methods", "POST, OPTIONS"),
        ("access-control-allow-headers", "*"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn post(body: Value) -> Option<Endpoint> {
        request(
            &http::Method::POST,
            body.to_string().as_bytes(),
            "Notes",
            &["add", "list"],
        )
    }

    fn answered(endpoint: Option<Endpoint>) -> (u16, Value) {
        match endpoint {
            Some(Endpoint::Answer(response)) => (
                response.status().as_u16(),
                serde_json::from_slice(response.body()).unwrap_or(Value::Null),
            ),
            other => panic!("expected an answer, got {other:?}"),
        }
    }

    #[test]
    fn calls_go_to_the_class_and_the_rest_is_genezios_envelope() {
        match post(json!({"jsonrpc": "2.0", "method": "Notes.add", "params": ["a"], "id": 3})) {
            Some(Endpoint::Call { id, name, params }) => {
                assert_eq!(
                    (id, name.as_str(), params.as_str()),
                    (json!(3), "add", r#"["a"]"#)
                );
            }
            other => panic!("{other:?}"),
        }
        let (status, body) = answered(post(
            json!({"jsonrpc": "2.0", "method": "Notes.nope", "params": [], "id": 3}),
        ));
        assert_eq!(
            (status, body["error"]["message"].clone(), body["id"].clone()),
            (400, json!("Method not found!"), json!(0))
        );
        let (status, body) = answered(post(
            json!({"jsonrpc": "2.0", "method": "Notes.add", "id": 3}),
        ));
        assert_eq!((status, body["error"]["code"].clone()), (400, json!(-1)));
        // Not JSON-RPC: an ordinary request.
        assert!(post(json!({"text": "hi"})).is_none());
        assert!(request(&http::Method::GET, b"", "Notes", &[]).is_none());
    }

    #[test]
    fn answers_are_enveloped_with_cors() {
        let ok = ResponseObject::from_http(
            Response::builder()
                .header("content-type", "application/json")
                .body(Bytes::from_static(br#"{"result":{"b":1,"a":2}}"#))
                .unwrap(),
        );
        let response = response(json!(7), &ok);
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        assert_eq!(
            response.body().as_ref(),
            br#"{"jsonrpc":"2.0","result":{"b":1,"a":2},"error":null,"id":7}"#
        );
        let (status, _) = answered(request(&http::Method::OPTIONS, b"", "Notes", &[]));
        assert_eq!(status, 204);
    }
}
