//! Writes the fuzz corpora's seeds from the test corpus: each case of the fixture corpus as each
//! fuzz target reads it (a request object, a Lambda event, sidecar frames, raw HTTP), plus a few
//! inputs at gzrs-core's limits. `scripts/fuzz.sh` runs it before fuzzing.
//!
//! Usage: `fuzz_seeds DIR` (the corpora go in `DIR/<target>/`).

use std::path::Path;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri};
use gzrs_core::limits;
use gzrs_tests::corpus::{fixture_corpus, Case};
use serde_json::{json, Map, Value};

/// Seeds stay small: a fuzzer mutates them thousands of times a second.
const MAX_SEED_BODY: usize = 4096;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: fuzz_seeds DIR");
    let dir = Path::new(&dir);
    let cases: Vec<Case> = fixture_corpus()
        .into_iter()
        .filter(|case| case.body.len() <= MAX_SEED_BODY)
        .collect();
    let mut written = 0;
    let mut write = |target: &str, name: &str, bytes: &[u8]| {
        let folder = dir.join(target);
        std::fs::create_dir_all(&folder).expect("a corpus folder");
        std::fs::write(folder.join(name), bytes).expect("a seed");
        written += 1;
    };
    let mut frames = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let name = format!("case-{i:02}");
        let object = request_object(case);
        write("request_object", &name, object.to_string().as_bytes());

        let (uri, headers) = parts(case);
        let event = gzrs_emulator::http_event(&case.method, &uri, &headers, &case.body);
        write("lambda_dispatch", &name, event.to_string().as_bytes());

        // The sidecar's request: the object without its body, then the body apart.
        let mut meta = object.clone();
        let body = meta.as_object_mut().unwrap().remove("rawBody");
        let body = body.as_ref().and_then(Value::as_str).map(str::as_bytes);
        let frame = gzrs_native::sidecar::encode_frame(i as u32, meta.to_string().as_bytes(), body);
        write("sidecar_frames", &name, &frame);
        frames.extend_from_slice(&frame);

        write("emulator_front", &name, &raw_http(case));

        let response = json!({"statusCode": 200, "headers": {"x": "y"}, "body": case.target});
        let mut posted = vec![i as u8];
        posted.extend_from_slice(format!("gzrs-{:08}", i + 1).as_bytes());
        posted.resize(33, b'0');
        posted.extend_from_slice(response.to_string().as_bytes());
        write("emulator_runtime_api", &name, &posted);
    }
    write("sidecar_frames", "all-cases", &frames);

    // At the limits, and one past.
    for (name, headers) in [
        (
            "header-at-limit",
            json!({"x": "v".repeat(limits::MAX_HEADER_BYTES - 1)}),
        ),
        (
            "header-over-limit",
            json!({"x": "v".repeat(limits::MAX_HEADER_BYTES)}),
        ),
        (
            "headers-over-count",
            Value::Object(
                (0..=limits::MAX_HEADERS)
                    .map(|i| (format!("h{i}"), json!("v")))
                    .collect(),
            ),
        ),
    ] {
        let object = json!({"http": {"method": "GET", "path": "/Fuzz/api/"}, "headers": headers});
        write("request_object", name, object.to_string().as_bytes());
    }
    let deep = format!(
        r#"{{"http":{{"method":"GET","path":"/Fuzz/api"}},"headers":{{"x":{}"v"{}}}}}"#,
        "[".repeat(limits::MAX_JSON_DEPTH + 1),
        "]".repeat(limits::MAX_JSON_DEPTH + 1)
    );
    write("request_object", "too-deep", deep.as_bytes());
    let rpc = r#"{"requestContext":{"http":{"method":"POST","path":"/Fuzz"}},"body":"{\"jsonrpc\":\"2.0\",\"method\":\"Fuzz.api\",\"params\":[],\"id\":3}"}"#;
    write("lambda_dispatch", "json-rpc", rpc.as_bytes());
    let cron = r#"{"genezioEventType":"cron","methodName":"api","cronString":"* * * * *"}"#;
    write("lambda_dispatch", "cron", cron.as_bytes());
    println!("wrote {written} seeds under {}", dir.display());
}

/// The request object Genezio hands the class for `case` (as `genezio local` shapes it: repeated
/// query keys as arrays), addressed to the fuzz targets' class `Fuzz`.
fn request_object(case: &Case) -> Value {
    let (path, query) = case.target.split_once('?').unwrap_or((&case.target, ""));
    let mut params = Map::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match params.get_mut(key.as_ref()) {
            Some(Value::Array(values)) => values.push(json!(value)),
            Some(one) => *one = json!([one.clone(), value]),
            None => {
                params.insert(key.into_owned(), json!(value));
            }
        }
    }
    let headers: Map<String, Value> = case
        .headers
        .iter()
        .map(|(n, v)| (n.to_lowercase(), json!(v)))
        .collect();
    let binary = std::str::from_utf8(&case.body).is_err()
        || case.headers.iter().any(|(_, v)| v.contains("octet-stream"));
    let mut object = json!({
        "http": {"method": case.method.as_str(), "path": format!("/Fuzz/api{path}"), "protocol": "HTTP/1.1"},
        "headers": headers,
        "isBase64Encoded": binary,
    });
    if !params.is_empty() {
        object["queryStringParameters"] = Value::Object(params);
    }
    if !case.body.is_empty() {
        use base64::Engine as _;
        object["rawBody"] = if binary {
            json!(base64::engine::general_purpose::STANDARD.encode(&case.body))
        } else {
            json!(String::from_utf8_lossy(&case.body))
        };
    }
    object
}

fn parts(case: &Case) -> (Uri, HeaderMap) {
    let uri: Uri = format!("/Fuzz/api{}", case.target)
        .parse()
        .expect("a corpus URI");
    let mut headers = HeaderMap::new();
    for (name, value) in &case.headers {
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).expect("a corpus header"),
            HeaderValue::from_str(value).expect("a corpus header"),
        );
    }
    (uri, headers)
}

/// The request as the `emulator_front` target reads it: the method, the target, header lines,
/// an empty line, the body.
fn raw_http(case: &Case) -> Vec<u8> {
    let mut out = format!("{}\n{}\n", case.method, case.target);
    for (name, value) in &case.headers {
        out.push_str(&format!("{name}: {value}\n"));
    }
    out.push('\n');
    let mut out = out.into_bytes();
    out.extend_from_slice(&case.body);
    out
}
