//! Genezio's Lambda entry in Rust: what Genezio's own genezio-aws handler (`index.mjs`) does with
//! an event before the class method sees it, so the native mode's Runtime API loop can answer a
//! Lambda event exactly as a Genezio class would.
//!
//! The same fields are read as Genezio reads (`requestContext.http`, `headers`,
//! `queryStringParameters`, `body`, `isBase64Encoded`); `rawPath`, `rawQueryString` and
//! `cookies` are not needed and may be absent.

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{HttpInfo, Pairs, RequestObject};

/// What to do with one Lambda event.
#[derive(Debug)]
pub enum Dispatch {
    /// Answered without the service, as Genezio's handler answers it: the Lambda response.
    Answer(Value),
    /// An HTTP call of the class's method: the request object for the service.
    Call(RequestObject),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    genezio_event_type: Option<String>,
    request_context: Option<RequestContext>,
    #[serde(default)]
    headers: Option<Pairs>,
    #[serde(default)]
    query_string_parameters: Option<Pairs>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    is_base64_encoded: Option<bool>,
}

#[derive(Deserialize)]
struct RequestContext {
    http: Option<HttpInfo>,
}

/// Just enough of a JSON body to tell a JSON-RPC call, as Genezio does, by `jsonrpc: "2.0"`.
#[derive(Deserialize)]
struct JsonRpcProbe {
    jsonrpc: Option<Value>,
    method: Option<Value>,
    params: Option<IgnoredAny>,
    id: Option<Value>,
}

/// Decides what the class `class` with its one HTTP method `method` does with `event`.
pub fn dispatch(event: &[u8], class: &str, method: &str) -> Dispatch {
    let event: Event = match serde_json::from_slice(event) {
        Ok(event) => event,
        Err(e) => {
            let why = crate::limits::malformed_json("event", &e);
            return Dispatch::Answer(error(why.status.as_u16(), &why.message));
        }
    };
    if event.genezio_event_type.as_deref() == Some("cron") {
        // Genezio calls the named method with no arguments and answers nothing. An HTTP service
        // has no such method to run, so the event is acknowledged and nothing else.
        return Dispatch::Answer(Value::Null);
    }
    let Some(http) = event.request_context.and_then(|c| c.http) else {
        return Dispatch::Answer(error(400, "event has no `requestContext.http` section"));
    };
    if http.method.as_deref() == Some("OPTIONS") {
        return Dispatch::Answer(json!({ "statusCode": 200, "headers": genezio_headers() }));
    }
    if let Some(answer) = event
        .body
        .as_deref()
        .and_then(|body| json_rpc(body, class, method))
    {
        return Dispatch::Answer(answer);
    }
    let path = http.path.as_deref().unwrap_or("");
    match path.strip_prefix('/').unwrap_or(path).split('/').nth(1) {
        None | Some("") => {
            return Dispatch::Answer(not_found("application/json"));
        }
        // Genezio answers an unknown method with this (odd) content type.
        Some(other) if other != method => return Dispatch::Answer(not_found("text/json")),
        Some(_) => {}
    }
    Dispatch::Call(RequestObject {
        http: Some(http),
        headers: event.headers,
        query_string_parameters: event.query_string_parameters,
        raw_body: event.body,
        is_base64_encoded: event.is_base64_encoded,
    })
}

/// Genezio's answer to a JSON-RPC body: the class has only an HTTP method, so every call is an
/// error in Genezio's JSON-RPC envelope. `None` when the body is not JSON-RPC.
fn json_rpc(body: &str, class: &str, method: &str) -> Option<Value> {
    // Genezio parses every body; only one that can be a JSON object can be JSON-RPC.
    if !body.trim_start().starts_with('{') {
        return None;
    }
    let probe: JsonRpcProbe = serde_json::from_str(body).ok()?;
    if probe.jsonrpc.as_ref().and_then(Value::as_str) != Some("2.0") {
        return None;
    }
    let id = probe.id.as_ref().filter(|id| id.is_i64() || id.is_u64());
    let (Some(name), Some(_), Some(id)) = (
        probe.method.as_ref().and_then(Value::as_str),
        &probe.params,
        id,
    ) else {
        return Some(rpc_error(0.into(), "Invalid JSON-RPC request"));
    };
    match name.split('.').nth(1) {
        Some(m) if m == method => Some(rpc_error(
            id.clone(),
            &format!("{class}.{method} is an HTTP method: call it over HTTP at /{class}/{method}/..., not with JSON-RPC"),
        )),
        // Genezio answers an unknown method with id 0, whatever the call's id.
        _ => Some(rpc_error(0.into(), "Method not found!")),
    }
}

fn rpc_error(id: Value, message: &str) -> Value {
    // A struct, so the body's keys come out in Genezio's order (`jsonrpc`, `error`, `id`)
    // whatever serde_json's features are: a `json!` object's order depends on `preserve_order`.
    #[derive(serde::Serialize)]
    struct Envelope<'a> {
        jsonrpc: &'static str,
        error: RpcError<'a>,
        id: Value,
    }
    #[derive(serde::Serialize)]
    struct RpcError<'a> {
        code: i32,
        message: &'a str,
    }
    let body = Envelope {
        jsonrpc: "2.0",
        error: RpcError { code: -1, message },
        id,
    };
    json!({
        "statusCode": 400,
        "headers": genezio_headers(),
        "body": serde_json::to_string(&body).expect("an envelope serializes"),
    })
}

fn not_found(content_type: &str) -> Value {
    json!({
        "statusCode": 404,
        "headers": { "Content-Type": content_type, "X-Powered-By": "genezio" },
        "body": json!({ "error": "Method not found" }).to_string(),
    })
}

fn error(status: u16, message: &str) -> Value {
    json!({
        "statusCode": status,
        "headers": genezio_headers(),
        "body": json!({ "error": message }).to_string(),
    })
}

fn genezio_headers() -> Value {
    json!({ "Content-Type": "application/json", "X-Powered-By": "genezio" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn run(event: Value) -> Dispatch {
        dispatch(event.to_string().as_bytes(), "Hello", "api")
    }

    fn answer(event: Value) -> Value {
        match run(event) {
            Dispatch::Answer(answer) => answer,
            Dispatch::Call(object) => panic!("expected an answer, got a call: {object:?}"),
        }
    }

    fn http_event(method: &str, path: &str, body: Option<&str>) -> Value {
        json!({
            "version": "2.0",
            "headers": {"content-type": "application/json", "x-a": "1"},
            "queryStringParameters": {"q": "a,b"},
            "requestContext": {"http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "t"}, "timeEpoch": 1},
            "body": body,
            "isBase64Encoded": false,
        })
    }

    #[tokio::test]
    async fn an_http_call_becomes_the_services_request() {
        let Dispatch::Call(object) = run(http_event("POST", "/Hello/api/users/7", Some("[1, 2]")))
        else {
            panic!("expected a call");
        };
        let request = object.into_http().unwrap();
        assert_eq!(request.uri(), "/users/7?q=a%2Cb");
        assert_eq!(request.headers()["x-a"], "1");
        assert_eq!(
            request.into_body().collect().await.unwrap().to_bytes(),
            "[1, 2]"
        );
    }

    #[tokio::test]
    async fn a_base64_body_is_decoded() {
        let mut event = http_event("POST", "/Hello/api/bin", Some("AAH/"));
        event["isBase64Encoded"] = json!(true);
        let Dispatch::Call(object) = run(event) else {
            panic!("expected a call")
        };
        let body = object
            .into_http()
            .unwrap()
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes();
        assert_eq!(&body[..], [0, 1, 255]);
    }

    #[test]
    fn absent_optional_fields_are_tolerated() {
        let event = json!({"requestContext": {"http": {"method": "GET", "path": "/Hello/api"}}});
        assert!(matches!(run(event), Dispatch::Call(_)));
    }

    #[test]
    fn options_is_answered_at_once() {
        let answer = answer(http_event("OPTIONS", "/Hello/api/x", None));
        assert_eq!(answer["statusCode"], 200);
        assert_eq!(answer["headers"]["X-Powered-By"], "genezio");
    }

    #[test]
    fn missing_or_unknown_methods_are_404_like_genezio() {
        for path in ["/Hello", "/Hello/", "/"] {
            let answer = answer(http_event("GET", path, None));
            assert_eq!(answer["statusCode"], 404, "{path}");
            assert_eq!(answer["headers"]["Content-Type"], "application/json");
            assert_eq!(answer["body"], r#"{"error":"Method not found"}"#);
        }
        let answer = answer(http_event("GET", "/Hello/other/x", None));
        assert_eq!(answer["statusCode"], 404);
        assert_eq!(answer["headers"]["Content-Type"], "text/json");
    }

    #[test]
    fn json_rpc_bodies_get_genezios_error_envelope() {
        let rpc = |body: Value| {
            let answer = answer(http_event("POST", "/Hello", Some(&body.to_string())));
            assert_eq!(answer["statusCode"], 400);
            serde_json::from_str::<Value>(answer["body"].as_str().unwrap()).unwrap()
        };
        let body = rpc(json!({"jsonrpc": "2.0", "method": "Hello.api", "params": [], "id": 7}));
        assert_eq!(body["id"], 7);
        assert_eq!(body["error"]["code"], -1);
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("HTTP method"));
        let body = rpc(json!({"jsonrpc": "2.0", "method": "Hello.nope", "params": [], "id": 8}));
        assert_eq!(body["error"]["message"], "Method not found!");
        assert_eq!(body["id"], 0);
        let body = rpc(json!({"jsonrpc": "2.0", "method": "Hello.api", "id": "x"}));
        assert_eq!(body["error"]["message"], "Invalid JSON-RPC request");
        assert_eq!(body["id"], 0);
        // Not JSON-RPC: any other JSON body is an ordinary HTTP call.
        let other = http_event("POST", "/Hello/api", Some(r#"{"jsonrpc": "1.0"}"#));
        assert!(matches!(run(other), Dispatch::Call(_)));
    }

    #[test]
    fn cron_events_are_acknowledged() {
        let event =
            json!({"genezioEventType": "cron", "methodName": "api", "cronString": "* * * * *"});
        assert_eq!(answer(event), Value::Null);
    }

    #[test]
    fn bad_events_get_a_clear_400() {
        for raw in [&b"garbage"[..], b"{\"requestContext\": ", b"[]"] {
            let Dispatch::Answer(answer) = dispatch(raw, "Hello", "api") else {
                panic!("answer expected")
            };
            assert_eq!(answer["statusCode"], 400);
            assert!(answer["body"].as_str().unwrap().contains("malformed event"));
        }
        let depth = crate::limits::MAX_JSON_DEPTH + 1;
        let deep = format!(
            r#"{{"requestContext":{{"http":{{"method":"GET","path":"/Hello/api"}}}},"headers":{{"x":{}"v"{}}}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let Dispatch::Answer(too_deep) = dispatch(deep.as_bytes(), "Hello", "api") else {
            panic!("answer expected")
        };
        assert_eq!(too_deep["statusCode"], 400);
        assert!(too_deep["body"]
            .as_str()
            .unwrap()
            .contains("nests deeper than 128"));
        let answer = answer(json!({"headers": {}}));
        assert_eq!(answer["statusCode"], 400);
        assert!(answer["body"]
            .as_str()
            .unwrap()
            .contains("requestContext.http"));
    }
}
