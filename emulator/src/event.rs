//! Plain HTTP to a Lambda event and a Lambda response back to HTTP, as API Gateway (payload
//! format 2.0) does in front of a Genezio function on genezio-aws.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use serde_json::{json, Map, Value};

/// Lambda's synchronous invocation payload limit.
pub const BODY_LIMIT: usize = 6 * 1024 * 1024;

/// Whether a request body goes in the event as base64: the rule `genezio local` applies (no
/// content type, or a type that is not textual, is binary), and text that is not UTF-8 too,
/// so every byte arrives.
fn is_binary(headers: &HeaderMap, body: &[u8]) -> bool {
    let Some(content_type) = headers.get("content-type").and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let textual = match essence.split_once('/') {
        Some(("text", _)) => true,
        Some(("application", sub)) => {
            matches!(
                sub,
                "json" | "ld+json" | "x-httpd-php" | "x-sh" | "x-csh" | "xhtml+xml" | "xml"
            )
        }
        _ => false,
    };
    !textual || std::str::from_utf8(body).is_err()
}

/// The API Gateway v2 event for a request: `requestContext.http`, `headers` (lower-case names,
/// repeated values joined with commas), `queryStringParameters` (repeated keys joined with
/// commas, as AWS does), `cookies`, `rawPath`, `rawQueryString`, `body`, `isBase64Encoded`.
pub fn http_event(method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Value {
    let mut header_map = Map::new();
    for name in headers.keys() {
        let joined = headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect::<Vec<_>>()
            .join(",");
        header_map.insert(name.as_str().to_owned(), Value::String(joined));
    }
    let cookies: Vec<Value> = headers
        .get_all("cookie")
        .iter()
        .flat_map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .split(';')
                .map(|c| Value::String(c.trim().to_owned()))
                .collect::<Vec<_>>()
        })
        .filter(|c| c.as_str().is_some_and(|c| !c.is_empty()))
        .collect();
    let raw_query = uri.query().unwrap_or("");
    let mut query = Map::new();
    for (key, value) in form_urlencoded::parse(raw_query.as_bytes()) {
        match query.get_mut(key.as_ref()) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                query.insert(key.into_owned(), Value::String(value.into_owned()));
            }
        }
    }
    let binary = is_binary(headers, body);
    let body = match (body.is_empty(), binary) {
        (true, _) => Value::Null,
        (false, true) => Value::String(BASE64.encode(body)),
        (false, false) => Value::String(String::from_utf8_lossy(body).into_owned()),
    };
    let user_agent = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": uri.path(),
        "rawQueryString": raw_query,
        "headers": header_map,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "gzrs-emulator",
            "domainName": "localhost",
            "http": {
                "method": method.as_str(),
                "path": uri.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": user_agent,
            },
            "requestId": "gzrs-emulator",
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": now,
        },
        "isBase64Encoded": binary && !body.is_null(),
    });
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    if !cookies.is_empty() {
        event["cookies"] = Value::Array(cookies);
    }
    if !body.is_null() {
        event["body"] = body;
    }
    event
}

/// A Lambda response as API Gateway (payload 2.0) answers it: an object with `statusCode` gives
/// the status, `headers` (a string, or an array for several values), `cookies` as Set-Cookie,
/// and `body` (base64 when `isBase64Encoded`); anything else is a 200 with the JSON as the body.
pub fn lambda_response(response: &[u8]) -> Response {
    let value: Value = match serde_json::from_slice(response) {
        Ok(value) => value,
        Err(_) => return (StatusCode::OK, Bytes::copy_from_slice(response)).into_response(),
    };
    let Some(status) = value.get("statusCode").and_then(status_code) else {
        return ([("content-type", "application/json")], value.to_string()).into_response();
    };
    let mut out = Response::builder().status(status);
    let headers = out.headers_mut().expect("a fresh builder");
    if let Some(Value::Object(map)) = value.get("headers") {
        for (name, v) in map {
            let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
                continue;
            };
            let values = match v {
                Value::Array(items) => items.iter().map(text).collect(),
                other => vec![text(other)],
            };
            for v in values {
                if let Ok(v) = HeaderValue::from_str(&v) {
                    headers.append(name.clone(), v);
                }
            }
        }
    }
    if let Some(Value::Array(cookies)) = value.get("cookies") {
        for cookie in cookies {
            if let Ok(v) = HeaderValue::from_str(&text(cookie)) {
                headers.append("set-cookie", v);
            }
        }
    }
    let body = match value.get("body") {
        None | Some(Value::Null) => Bytes::new(),
        Some(Value::String(s)) if value.get("isBase64Encoded") == Some(&Value::Bool(true)) => {
            match BASE64.decode(s) {
                Ok(bytes) => Bytes::from(bytes),
                Err(_) => {
                    return (
                        StatusCode::BAD_GATEWAY,
                        "the function answered a body that is not valid base64",
                    )
                        .into_response()
                }
            }
        }
        Some(other) => Bytes::from(text(other)),
    };
    out.body(Body::from(body))
        .unwrap_or_else(|e| (StatusCode::BAD_GATEWAY, e.to_string()).into_response())
}

fn status_code(value: &Value) -> Option<StatusCode> {
    let code = match value {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    StatusCode::from_u16(u16::try_from(code).ok()?).ok()
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
