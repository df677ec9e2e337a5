//! The exact deploy bundle of a `gzrs build --mode wasm` project, as `genezio bundleClass` writes
//! it for each provider, unzipped and called through its `handler` with that provider's events,
//! from Node, in the bundle's own directory, as Lambda runs it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use serde_json::{json, Map, Value};

/// Calls `handler` of the bundle in the working directory with each event of a JSON file, in
/// order, and writes the results to another file (stdout is the handler's log).
const INVOKE_SCRIPT: &str = r#"
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [eventsFile, resultsFile] = process.argv.slice(2);
const { handler } = await import(pathToFileURL(path.resolve("index.mjs")).href);
const results = [];
for (const event of JSON.parse(readFileSync(eventsFile, "utf8"))) {
  // genezio-cloud hands the handler a URL object; JSON only carries its text.
  if (typeof event.url === "string") event.url = new URL(event.url);
  try {
    results.push(await handler(event, {}));
  } catch (error) {
    results.push({ thrown: String(error?.stack ?? error) });
  }
}
writeFileSync(resultsFile, JSON.stringify(results));
// A handler may leave timers or handles behind; the results are out, so end here.
process.exit(0);
"#;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Adapter {
    Aws,
    Genezio,
}

impl Adapter {
    fn name(self) -> &'static str {
        match self {
            Adapter::Aws => "aws",
            Adapter::Genezio => "genezio",
        }
    }
}

fn work_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("gzrs-tests/wasm-bundle")
}

/// The fixture project, built once for both adapters.
fn project() -> &'static Path {
    static PROJECT: OnceLock<PathBuf> = OnceLock::new();
    PROJECT.get_or_init(|| {
        gzrs_tests::build_project(
            &gzrs_tests::repo_root().join("tests/fixture-app"),
            &work_dir().join("fixture-app"),
        )
    })
}

/// The unzipped bundle for `adapter`, made once per test binary (tests share it).
fn unzipped_bundle(adapter: Adapter) -> &'static Path {
    static AWS: OnceLock<PathBuf> = OnceLock::new();
    static GENEZIO: OnceLock<PathBuf> = OnceLock::new();
    let slot = match adapter {
        Adapter::Aws => &AWS,
        Adapter::Genezio => &GENEZIO,
    };
    slot.get_or_init(|| bundle(adapter))
}

/// Runs `genezio bundleClass` for `adapter` and unzips the bundle; returns the unzipped dir.
fn bundle(adapter: Adapter) -> PathBuf {
    gzrs_tests::lambda::bundle(
        project(),
        "Fixture",
        adapter.name(),
        &work_dir().join(adapter.name()),
    )
}

/// One call to the handler, in terms independent of the provider.
struct Call<'a> {
    method: &'a str,
    /// The whole path, `/Fixture/api` included.
    path: &'a str,
    /// Decoded query pairs.
    query: &'a [(&'a str, &'a str)],
    headers: &'a [(&'a str, &'a str)],
    body: Option<&'a [u8]>,
    /// Send the body as base64, as the provider does for a binary body.
    binary: bool,
}

impl<'a> Call<'a> {
    fn get(path: &'a str) -> Self {
        Self {
            method: "GET",
            path,
            query: &[],
            headers: &[],
            body: None,
            binary: false,
        }
    }

    /// The event `adapter`'s provider hands the handler.
    fn event(&self, adapter: Adapter) -> Value {
        let headers: Map<String, Value> = self
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        let body = self.body.map(|bytes| match self.binary {
            true => BASE64.encode(bytes),
            false => String::from_utf8(bytes.to_vec()).expect("a text body"),
        });
        let http = json!({
            "method": self.method,
            "path": self.path,
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": "test",
        });
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_millis() as u64;
        match adapter {
            Adapter::Aws => {
                // API Gateway v2 joins repeated query values with commas.
                let mut query = Map::new();
                for (key, value) in self.query {
                    let joined = match query.get(*key).and_then(Value::as_str) {
                        Some(previous) => format!("{previous},{value}"),
                        None => value.to_string(),
                    };
                    query.insert(key.to_string(), json!(joined));
                }
                json!({
                    "version": "2.0",
                    "rawPath": self.path,
                    "headers": headers,
                    "queryStringParameters": if query.is_empty() { Value::Null } else { Value::Object(query) },
                    "body": body,
                    "isBase64Encoded": self.binary,
                    "requestContext": { "http": http, "timeEpoch": now },
                })
            }
            Adapter::Genezio => json!({
                "http": http,
                "url": format!("https://x.example{}{}", self.path, query_string(self.query)),
                "headers": headers,
                "body": body,
                "isBase64Encoded": self.binary,
                "requestTimestampMs": now,
            }),
        }
    }
}

/// `?k=v&…`, every byte but the unreserved ones percent-encoded.
fn query_string(pairs: &[(&str, &str)]) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let joined: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    if joined.is_empty() {
        String::new()
    } else {
        format!("?{}", joined.join("&"))
    }
}

/// Calls the unzipped bundle's handler with `calls`, in order, in one Node process (so state,
/// like a recovered panic, carries from one call to the next). Returns the handler's results.
fn invoke(bundle: &Path, adapter: Adapter, calls: &[Call]) -> Vec<Value> {
    let events: Vec<Value> = calls.iter().map(|call| call.event(adapter)).collect();
    invoke_events(bundle, adapter.name(), &events)
}

/// Calls the bundle's handler with raw events; `name` keeps the files of concurrent tests apart.
fn invoke_events(bundle: &Path, name: &str, events_json: &[Value]) -> Vec<Value> {
    let dir = bundle.parent().expect("the bundle's work dir");
    let (script, events, results) = (
        dir.join(format!("invoke-{name}.mjs")),
        dir.join(format!("events-{name}.json")),
        dir.join(format!("results-{name}.json")),
    );
    fs::write(&script, INVOKE_SCRIPT).expect("write the invoke script");
    fs::write(
        &events,
        serde_json::to_vec(events_json).expect("events as JSON"),
    )
    .expect("write the events");
    let _ = fs::remove_file(&results);
    let mut command = Command::new("node");
    command
        .arg(&script)
        .arg(&events)
        .arg(&results)
        .current_dir(bundle)
        .env("LAMBDA_TASK_ROOT", bundle);
    gzrs_tests::run_logged(
        &mut command,
        &dir.join(format!("node-{name}.log")),
        Duration::from_secs(120),
    )
    .unwrap_or_else(|failure| panic!("calling the bundle's handler ({name}) failed: {failure}"));
    serde_json::from_slice(&fs::read(&results).expect("the results file"))
        .expect("the results are JSON")
}

/// The body of a handler result as bytes, decoding base64 when it says so.
fn body_bytes(result: &Value) -> Vec<u8> {
    let body = result["body"].as_str().unwrap_or_default();
    match result["isBase64Encoded"] == true {
        true => BASE64.decode(body).expect("a base64 body"),
        false => body.as_bytes().to_vec(),
    }
}

fn check_bundle(adapter: Adapter) {
    let bundle = unzipped_bundle(adapter);
    let bundle = bundle.to_path_buf();

    // The wasm module ships at its path relative to the backend folder.
    let shipped =
        fs::read(bundle.join("gzrs/service.wasm")).expect("gzrs/service.wasm is in the bundle");
    let built =
        fs::read(project().join("server/gzrs/service.wasm")).expect("the project's wasm module");
    assert!(
        shipped == built,
        "[{}] gzrs/service.wasm in the bundle differs from the project's",
        adapter.name()
    );

    let all_bytes: Vec<u8> = (0..=255).collect();
    let calls = [
        Call::get("/Fixture/api/users/7/posts/abc"),
        Call {
            query: &[("q", "a b&c"), ("city", "København")],
            ..Call::get("/Fixture/api/query")
        },
        Call {
            method: "POST",
            headers: &[("content-type", "application/octet-stream")],
            body: Some(&all_bytes),
            binary: true,
            ..Call::get("/Fixture/api/echo/binary")
        },
        Call::get("/Fixture/api/cookies"),
        Call::get("/Fixture/api/panic"),
        Call::get("/Fixture/api/"),
    ];
    let results = invoke(&bundle, adapter, &calls);
    let [user, query, binary, cookies, panic, after_panic] = &results[..] else {
        panic!(
            "[{}] expected {} results, got {results:#?}",
            adapter.name(),
            calls.len()
        );
    };
    let context =
        |what: &str, result: &Value| format!("[{}] {what}: got {result:#}", adapter.name());

    assert_eq!(user["statusCode"], 200, "{}", context("path params", user));
    let user_json: Value = serde_json::from_slice(&body_bytes(user)).unwrap_or(Value::Null);
    assert_eq!(
        user_json,
        json!({"user": 7, "post": "abc"}),
        "{}",
        context("path params", user)
    );

    assert_eq!(query["statusCode"], 200, "{}", context("query", query));
    let pairs: Value = serde_json::from_slice(&body_bytes(query)).unwrap_or(Value::Null);
    // The service sees the pairs in the order the event carries them: the URL's order on
    // genezio-cloud; on aws, `queryStringParameters` is built here as a serde_json `Map`, which
    // keeps its keys sorted.
    let expected = match adapter {
        Adapter::Aws => json!([["city", "København"], ["q", "a b&c"]]),
        Adapter::Genezio => json!([["q", "a b&c"], ["city", "København"]]),
    };
    assert_eq!(pairs, expected, "{}", context("query", query));

    assert_eq!(
        binary["statusCode"],
        200,
        "{}",
        context("binary echo", binary)
    );
    assert_eq!(
        binary["isBase64Encoded"],
        true,
        "{}",
        context("binary echo", binary)
    );
    assert_eq!(
        body_bytes(binary),
        all_bytes,
        "{}",
        context("binary echo", binary)
    );

    assert_eq!(
        cookies["statusCode"],
        200,
        "{}",
        context("cookies", cookies)
    );
    assert_eq!(
        cookies["headers"]["set-cookie"],
        json!([
            "session=abc123; Path=/; HttpOnly",
            "theme=dark; Max-Age=3600"
        ]),
        "{}",
        context("cookies", cookies)
    );

    assert_eq!(panic["statusCode"], 500, "{}", context("panic", panic));
    let error: Value = serde_json::from_slice(&body_bytes(panic)).unwrap_or(Value::Null);
    assert!(
        error["error"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        context("panic", panic)
    );

    assert_eq!(
        after_panic["statusCode"],
        200,
        "{}",
        context("after a panic", after_panic)
    );
    assert_eq!(
        body_bytes(after_panic),
        b"fixture root",
        "{}",
        context("after a panic", after_panic)
    );
}

#[test]
fn aws_bundle_answers_lambda_events() {
    check_bundle(Adapter::Aws);
}

#[test]
fn genezio_cloud_bundle_answers_its_events() {
    check_bundle(Adapter::Genezio);
}

/// The events Genezio's own genezio-aws handler answers without calling the class method
/// (OPTIONS, a missing or unknown method, JSON-RPC errors, cron) get the same answers from
/// `gzrs_core::lambda::dispatch`, which the native mode uses in place of that handler.
#[test]
fn gzrs_core_answers_like_genezios_lambda_handler() {
    let bundle = unzipped_bundle(Adapter::Aws);
    let http = |method: &str, path: &str, body: Option<&str>| {
        json!({
            "version": "2.0",
            "headers": {"content-type": "application/json"},
            "requestContext": {"http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "t"}, "timeEpoch": 0},
            "body": body,
            "isBase64Encoded": false,
        })
    };
    let events = [
        http("OPTIONS", "/Fixture/api/x", None),
        http("GET", "/Fixture", None),
        http("GET", "/Fixture/", None),
        http("GET", "/Fixture/nope/x", None),
        http(
            "POST",
            "/Fixture",
            Some(r#"{"jsonrpc": "2.0", "method": "Fixture.nope", "params": [], "id": 3}"#),
        ),
        http(
            "POST",
            "/Fixture",
            Some(r#"{"jsonrpc": "2.0", "method": "Fixture.api", "id": 4}"#),
        ),
        http(
            "POST",
            "/Fixture",
            Some(r#"{"jsonrpc": "2.0", "params": [], "id": 5}"#),
        ),
        json!({"genezioEventType": "cron", "methodName": "nope", "cronString": "* * * * *"}),
    ];
    let genezio = invoke_events(bundle, "genezio-answers", &events);
    for (event, genezio) in events.iter().zip(&genezio) {
        let ours = match gzrs_core::lambda::dispatch(event.to_string().as_bytes(), "Fixture", "api")
        {
            gzrs_core::lambda::Dispatch::Answer(answer) => answer,
            other => panic!("gzrs-core called the service for {event}: {other:?}"),
        };
        // Genezio's handler returns `undefined` for cron; JSON carries it as null.
        assert_eq!(&ours, genezio, "event {event}");
    }
}
