//! Genezio's Lambda entry in Rust: what Genezio's own genezio-aws handler (`index.mjs`) does with
//! an event before the class method sees it, so the native mode's Runtime API loop can answer a
//! Lambda event exactly as a Genezio class would.
//!
//! The same fields are read as Genezio reads (`requestContext.http`, `headers`,
//! `queryStringParameters`, `body`, `isBase64Encoded`); `rawPath`, `rawQueryString` and
//! `cookies` are not needed and may be absent.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::{HttpInfo, Pairs, RequestObject};

/// What to do with one Lambda event.
#[derive(Debug)]
pub enum Dispatch {
    /// Answered without the service, as Genezio's handler answers it: the Lambda response.
    Answer(Value),
    /// An HTTP call of the class's method: the request object for the service.
    Call(RequestObject),
    /// A JSON-RPC call of one of the class's typed methods: the request object carrying it to
    /// the service (marked with `gzrsCall`, its body the arguments), whose answer
    /// [`rpc_answer`] puts in Genezio's envelope with `id`.
    Rpc { id: Value, object: RequestObject },
    /// A cron event for one of the class's typed methods: the request object that runs it.
    /// Genezio answers a cron event with nothing ([`Value::Null`]) and only logs a failure.
    Cron(RequestObject),
}

/// The class an event is for, as the trap knows it.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The class's name (`/<class>/...`).
    pub class: &'a str,
    /// Its HTTP method (`/<class>/<http_method>/...`).
    pub http_method: &'a str,
    /// Its typed methods (JSON-RPC and cron), which Genezio calls by name.
    pub methods: &'a [&'a str],
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    genezio_event_type: Option<String>,
    method_name: Option<String>,
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

/// Enough of a JSON body to tell a JSON-RPC call, as Genezio does, by `jsonrpc: "2.0"`.
#[derive(Deserialize)]
struct JsonRpcProbe {
    jsonrpc: Option<Value>,
    method: Option<Value>,
    params: Option<Value>,
    id: Option<Value>,
}

/// Decides what the class `class` with its one HTTP method `method` (and no typed methods)
/// does with `event`.
pub fn dispatch(event: &[u8], class: &str, method: &str) -> Dispatch {
    dispatch_to(
        event,
        &Target {
            class,
            http_method: method,
            methods: &[],
        },
    )
}

/// Decides what the class `target` does with `event`, as Genezio's genezio-aws handler would.
pub fn dispatch_to(event: &[u8], target: &Target<'_>) -> Dispatch {
    let event: Event = match serde_json::from_slice(event) {
        Ok(event) => event,
        Err(e) => {
            let why = crate::limits::malformed_json("event", &e);
            return Dispatch::Answer(error(why.status.as_u16(), &why.message));
        }
    };
    if event.genezio_event_type.as_deref() == Some("cron") {
        let name = event.method_name.unwrap_or_default();
        if !target.methods.contains(&name.as_str()) {
            // Genezio logs this and answers nothing; so does an HTTP-only class.
            eprintln!("ERROR: Cron method named {name} does not exist.");
            return Dispatch::Answer(Value::Null);
        }
        return Dispatch::Cron(method_call(target.class, name, None, "[]".into()));
    }
    let Some(http) = event.request_context.and_then(|c| c.http) else {
        return Dispatch::Answer(error(400, "event has no `requestContext.http` section"));
    };
    if http.method.as_deref() == Some("OPTIONS") {
        return Dispatch::Answer(json!({ "statusCode": 200, "headers": genezio_headers() }));
    }
    if let Some(rpc) = event
        .body
        .as_deref()
        .and_then(|body| json_rpc(body, target))
    {
        return match rpc {
            Rpc::Answer(answer) => Dispatch::Answer(answer),
            Rpc::Call { id, name, params } => Dispatch::Rpc {
                id,
                object: method_call(target.class, name, event.headers, params),
            },
        };
    }
    let path = http.path.as_deref().unwrap_or("");
    match path.strip_prefix('/').unwrap_or(path).split('/').nth(1) {
        None | Some("") => {
            return Dispatch::Answer(not_found("application/json"));
        }
        // Genezio answers an unknown method with this (odd) content type.
        Some(other) if other != target.http_method => {
            return Dispatch::Answer(not_found("text/json"))
        }
        Some(_) => {}
    }
    Dispatch::Call(RequestObject {
        http: Some(http),
        headers: event.headers,
        query_string_parameters: event.query_string_parameters,
        raw_body: event.body,
        is_base64_encoded: event.is_base64_encoded,
        ..RequestObject::default()
    })
}

/// The request object for a call of typed method `name` with `params` (a JSON array), with the
/// event's headers if any (so the limits on headers hold as for HTTP).
fn method_call(class: &str, name: String, headers: Option<Pairs>, params: String) -> RequestObject {
    RequestObject {
        http: Some(HttpInfo {
            method: Some("POST".into()),
            path: Some(format!("/{class}/{name}")),
        }),
        headers,
        query_string_parameters: None,
        raw_body: Some(params),
        gzrs_call: Some(name),
        ..RequestObject::default()
    }
}

pub(crate) enum Rpc {
    Answer(Value),
    Call {
        id: Value,
        name: String,
        params: String,
    },
}

/// What Genezio does with a JSON-RPC body: a call of a typed method, or an error in its
/// envelope. `None` when the body is not JSON-RPC.
pub(crate) fn json_rpc(body: &str, target: &Target<'_>) -> Option<Rpc> {
    // Genezio parses every body; only one that can be a JSON object can be JSON-RPC.
    if !body.trim_start().starts_with('{') {
        return None;
    }
    let probe: JsonRpcProbe = match serde_json::from_str(body) {
        Ok(probe) => probe,
        // Nested past serde_json's limit: JSON-RPC or not, it is refused the same way.
        Err(e) if e.to_string().contains("recursion limit") => {
            let why = crate::limits::malformed_json("JSON-RPC request", &e);
            return Some(Rpc::Answer(rpc_error(0.into(), &why.message)));
        }
        Err(_) => return None,
    };
    if probe.jsonrpc.as_ref().and_then(Value::as_str) != Some("2.0") {
        return None;
    }
    let invalid = || Some(Rpc::Answer(rpc_error(0.into(), "Invalid JSON-RPC request")));
    // Genezio's test is JavaScript's truthiness, and `Number.isInteger` for the id.
    let id = probe
        .id
        .filter(|id| id.is_i64() || id.is_u64() || id.as_f64().is_some_and(|f| f.fract() == 0.0));
    let (Some(method), Some(params), Some(id)) =
        (probe.method.filter(truthy), probe.params.filter(truthy), id)
    else {
        return invalid();
    };
    let Some(method) = method.as_str() else {
        return Some(Rpc::Answer(rpc_error(
            0.into(),
            "Invalid Genezio JSON-RPC request",
        )));
    };
    let name = method.split('.').nth(1).unwrap_or("");
    if name == target.http_method {
        return Some(Rpc::Answer(rpc_error(
            id,
            &format!(
                "{class}.{name} is an HTTP method: call it over HTTP at /{class}/{name}/..., not with JSON-RPC",
                class = target.class
            ),
        )));
    }
    if !target.methods.contains(&name) {
        // Genezio answers an unknown method with id 0, whatever the call's id.
        return Some(Rpc::Answer(rpc_error(0.into(), "Method not found!")));
    }
    if !params.is_array() {
        // Genezio spreads `params` into the call, which throws for anything but an array.
        return Some(Rpc::Answer(rpc_error(
            id,
            &format!("{method}: `params` must be an array of the arguments"),
        )));
    }
    Some(Rpc::Call {
        id,
        name: name.to_owned(),
        params: params.to_string(),
    })
}

/// JavaScript's truthiness, which Genezio's handler tests `method` and `params` with.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => false,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// The Lambda response to a JSON-RPC call `id` from the service's answer to its request object
/// (`{"result": ...}`, `{}` for nothing, or `{"error": "..."}`, a panic's or a limit's error
/// included), in Genezio's envelope: 200 with the result, or 400 with the error's message.
pub fn rpc_answer(id: Value, answer: &crate::ResponseObject) -> Value {
    #[derive(Deserialize)]
    struct Answer {
        // Absent (nothing answered) is `None`; a `null` result is `Some("null")`.
        #[serde(default, deserialize_with = "present")]
        result: Option<Box<RawValue>>,
        error: Option<Value>,
    }
    fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Box<RawValue>>, D::Error> {
        Box::<RawValue>::deserialize(d).map(Some)
    }
    match serde_json::from_slice::<Answer>(answer.body.as_bytes()) {
        Ok(Answer {
            result,
            error: None,
        }) if answer.status_code == 200 => {
            #[derive(serde::Serialize)]
            struct Envelope {
                jsonrpc: &'static str,
                // Absent for a method that answers nothing, as JavaScript's `undefined` is.
                #[serde(skip_serializing_if = "Option::is_none")]
                result: Option<Box<RawValue>>,
                error: Option<()>,
                id: Value,
            }
            let envelope = Envelope {
                jsonrpc: "2.0",
                result,
                error: None,
                id,
            };
            json!({
                "statusCode": 200,
                "headers": genezio_headers(),
                "body": serde_json::to_string(&envelope).expect("an envelope serializes"),
            })
        }
        answered => {
            let message = answered
                .ok()
                .and_then(|a| a.error)
                .and_then(|e| e.as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("the method failed with status {}", answer.status_code));
            // What Genezio writes for a thrown Error: its message (and a JavaScript stack,
            // which a Rust method has not), with no code.
            envelope_400(id, json!({ "message": message }))
        }
    }
}

fn rpc_error(id: Value, message: &str) -> Value {
    envelope_400(id, json!({ "code": -1, "message": message }))
}

fn envelope_400(id: Value, error: Value) -> Value {
    // A struct, so the body's keys come out in Genezio's order (`jsonrpc`, `error`, `id`)
    // whatever serde_json's features are: a `json!` object's order depends on `preserve_order`.
    #[derive(serde::Serialize)]
    struct Envelope {
        jsonrpc: &'static str,
        error: Value,
        id: Value,
    }
    let body = Envelope {
        jsonrpc: "2.0",
        error,
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
            other => panic!("expected an answer, got {other:?}"),
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

    const NOTES: Target<'static> = Target {
        class: "Notes",
        http_method: "api",
        methods: &["add", "sweep"],
    };

    fn rpc_body(body: Value) -> Dispatch {
        let event = http_event("POST", "/Notes", Some(&body.to_string()));
        dispatch_to(event.to_string().as_bytes(), &NOTES)
    }

    #[test]
    fn json_rpc_calls_of_typed_methods_reach_the_service_marked() {
        let Dispatch::Rpc { id, object } = rpc_body(
            json!({"jsonrpc": "2.0", "method": "Notes.add", "params": ["a", ["x"]], "id": 3}),
        ) else {
            panic!("expected a call")
        };
        assert_eq!(id, 3);
        assert_eq!(object.gzrs_call.as_deref(), Some("add"));
        assert_eq!(object.raw_body.as_deref(), Some(r#"["a",["x"]]"#));
        let request = object.into_http().unwrap();
        assert_eq!(
            request.extensions().get::<crate::MethodCall>(),
            Some(&crate::MethodCall("add".into()))
        );
        // Genezio's checks, in its order and with its ids.
        let error = |body: Value| match rpc_body(body) {
            Dispatch::Answer(answer) => {
                let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
                (
                    body["error"]["message"].as_str().unwrap().to_owned(),
                    body["id"].clone(),
                )
            }
            other => panic!("expected an error, got {other:?}"),
        };
        assert_eq!(
            error(json!({"jsonrpc": "2.0", "method": "Notes.nope", "params": [], "id": 3})),
            ("Method not found!".into(), json!(0))
        );
        assert_eq!(
            error(json!({"jsonrpc": "2.0", "method": "Notes.add", "params": 0, "id": 3})),
            ("Invalid JSON-RPC request".into(), json!(0))
        );
        assert_eq!(
            error(json!({"jsonrpc": "2.0", "method": 5, "params": [], "id": 3})),
            ("Invalid Genezio JSON-RPC request".into(), json!(0))
        );
        let (message, id) =
            error(json!({"jsonrpc": "2.0", "method": "Notes.add", "params": {}, "id": 4}));
        assert!(message.contains("must be an array"), "{message}");
        assert_eq!(id, 4);
        let depth = crate::limits::MAX_JSON_DEPTH + 1;
        let deep = format!(
            r#"{{"jsonrpc":"2.0","method":"Notes.add","id":1,"params":{}1{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let event = http_event("POST", "/Notes", Some(&deep));
        let Dispatch::Answer(answer) = dispatch_to(event.to_string().as_bytes(), &NOTES) else {
            panic!("expected an answer")
        };
        assert_eq!(answer["statusCode"], 400);
        assert!(
            answer["body"].as_str().unwrap().contains("nests deeper"),
            "{answer}"
        );
    }

    #[test]
    fn answers_go_out_in_genezios_envelope() {
        let ok = crate::ResponseObject::from_http(http::Response::new(bytes::Bytes::from(
            r#"{"result":{"title":"a","id":1}}"#,
        )));
        let answer = rpc_answer(json!(9), &ok);
        let null = crate::ResponseObject::from_http(http::Response::new(bytes::Bytes::from(
            r#"{"result":null}"#,
        )));
        assert_eq!(
            rpc_answer(json!(3), &null)["body"],
            r#"{"jsonrpc":"2.0","result":null,"error":null,"id":3}"#
        );
        let nothing =
            crate::ResponseObject::from_http(http::Response::new(bytes::Bytes::from("{}")));
        assert_eq!(
            rpc_answer(json!(2), &nothing)["body"],
            r#"{"jsonrpc":"2.0","error":null,"id":2}"#
        );
        assert_eq!(answer["statusCode"], 200);
        assert_eq!(
            answer["body"],
            r#"{"jsonrpc":"2.0","result":{"title":"a","id":1},"error":null,"id":9}"#
        );
        let failed = crate::ResponseObject::error(http::StatusCode::OK, "no note 7");
        let answer = rpc_answer(json!(9), &failed);
        assert_eq!(answer["statusCode"], 400);
        assert_eq!(
            answer["body"],
            r#"{"jsonrpc":"2.0","error":{"message":"no note 7"},"id":9}"#
        );
        let panicked = crate::ResponseObject::error(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            "the service panicked: boom",
        );
        assert!(rpc_answer(json!(1), &panicked)["body"]
            .as_str()
            .unwrap()
            .contains("the service panicked: boom"));
    }

    #[test]
    fn cron_events_run_a_typed_method() {
        let event =
            json!({"genezioEventType": "cron", "methodName": "sweep", "cronString": "0 3 * * *"});
        let Dispatch::Cron(object) = dispatch_to(event.to_string().as_bytes(), &NOTES) else {
            panic!("expected a cron call")
        };
        assert_eq!(object.gzrs_call.as_deref(), Some("sweep"));
        let unknown = json!({"genezioEventType": "cron", "methodName": "gone"});
        assert!(matches!(
            dispatch_to(unknown.to_string().as_bytes(), &NOTES),
            Dispatch::Answer(Value::Null)
        ));
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
