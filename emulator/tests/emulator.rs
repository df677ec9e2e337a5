//! The emulator from both sides: a runtime polling its Runtime API over real HTTP (a minimal
//! client here; AWS's own Node client is exercised by the native-mode tests), and plain HTTP
//! requests to its front.

use std::io::Read;
use std::thread;
use std::time::Duration;

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use gzrs_emulator::{Config, Emulator};
use serde_json::{json, Value};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// A runtime that answers `n` invocations with `answer(event)` through the Runtime API, then
/// stops; returns the events it saw.
fn runtime(
    api: String,
    n: usize,
    answer: fn(&Value) -> Result<Value, Value>,
) -> thread::JoinHandle<Vec<Value>> {
    thread::spawn(move || {
        let agent = agent();
        let base = format!("http://{api}/2018-06-01/runtime/invocation");
        (0..n)
            .map(|_| {
                let mut next = agent.get(&format!("{base}/next")).call().expect("next");
                let id = next
                    .headers()
                    .get("lambda-runtime-aws-request-id")
                    .expect("request id")
                    .to_str()
                    .unwrap()
                    .to_owned();
                assert!(next.headers().get("lambda-runtime-deadline-ms").is_some());
                let event: Value =
                    serde_json::from_reader(next.body_mut().as_reader()).expect("JSON event");
                let (path, body) = match answer(&event) {
                    Ok(response) => ("response", response),
                    Err(error) => ("error", error),
                };
                let posted = agent
                    .post(&format!("{base}/{id}/{path}"))
                    .send(body.to_string())
                    .expect("post");
                assert_eq!(posted.status(), 202);
                event
            })
            .collect()
    })
}

async fn front(
    emulator: &Emulator,
    method: &'static str,
    path: &str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let url = format!("{}{path}", emulator.front_url());
    tokio::task::spawn_blocking(move || {
        let request = http::Request::builder().method(method).uri(url);
        let request = match content_type {
            Some(ct) => request.header("content-type", ct),
            None => request,
        };
        let mut response = agent()
            .run(request.body(body).unwrap())
            .expect("front answers");
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        let mut bytes = Vec::new();
        response
            .body_mut()
            .as_reader()
            .read_to_end(&mut bytes)
            .unwrap();
        (response.status().as_u16(), headers, bytes)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn http_requests_become_events_and_responses_come_back() {
    let emulator = Emulator::start(Config::default()).await.unwrap();
    let seen = runtime(emulator.runtime_api(), 2, |event| {
        Ok(json!({
            "statusCode": 201,
            "headers": {"x-path": event["rawPath"], "set-cookie": ["a=1", "b=2"]},
            "cookies": ["c=3"],
            "body": BASE64.encode([0u8, 1, 255]),
            "isBase64Encoded": true,
        }))
    });
    let (status, headers, body) = front(
        &emulator,
        "GET",
        "/Hello/api/x?a=1&a=2&b=%20",
        None,
        Vec::new(),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(body, [0, 1, 255]);
    let values = |name: &str| {
        headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(values("x-path"), ["/Hello/api/x"]);
    assert_eq!(values("set-cookie"), ["a=1", "b=2", "c=3"]);

    let all: Vec<u8> = (0..=255).collect();
    front(
        &emulator,
        "POST",
        "/Hello/api/bin",
        Some("application/octet-stream"),
        all.clone(),
    )
    .await;
    let events = seen.join().unwrap();
    let get = &events[0];
    assert_eq!(get["requestContext"]["http"]["method"], "GET");
    assert_eq!(get["requestContext"]["http"]["path"], "/Hello/api/x");
    // AWS joins repeated query keys with commas.
    assert_eq!(get["queryStringParameters"], json!({"a": "1,2", "b": " "}));
    assert!(get.get("body").is_none());
    let post = &events[1];
    assert_eq!(post["isBase64Encoded"], true);
    assert_eq!(BASE64.decode(post["body"].as_str().unwrap()).unwrap(), all);
    assert_eq!(emulator.polls(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn function_errors_timeouts_and_init_errors_are_reported() {
    let emulator = Emulator::start(Config {
        timeout: Duration::from_millis(500),
        ..Config::default()
    })
    .await
    .unwrap();

    // Nobody polls: the caller gets a timeout, not a hang.
    let (status, _, body) = front(&emulator, "GET", "/Hello/api", None, Vec::new()).await;
    assert_eq!(status, 504, "{}", String::from_utf8_lossy(&body));

    let seen = runtime(emulator.runtime_api(), 1, |_| {
        Err(json!({"errorMessage": "boom", "errorType": "Panic"}))
    });
    let (status, _, body) = front(&emulator, "GET", "/Hello/api", None, Vec::new()).await;
    assert_eq!(status, 502);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["errorMessage"], "boom");
    seen.join().unwrap();

    let api = emulator.runtime_api();
    tokio::task::spawn_blocking(move || {
        agent()
            .post(&format!("http://{api}/2018-06-01/runtime/init/error"))
            .send(r#"{"errorMessage":"cannot start"}"#)
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        emulator.init_error().unwrap()["errorMessage"],
        "cannot start"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_body_is_refused_before_the_function() {
    let emulator = Emulator::start(Config::default()).await.unwrap();
    let big = vec![b'x'; gzrs_emulator::BODY_LIMIT + 1];
    let (status, _, body) = front(&emulator, "POST", "/Hello/api", Some("text/plain"), big).await;
    assert_eq!(status, 413);
    assert!(String::from_utf8_lossy(&body).contains("smaller than"));

    // Under the limit as bytes, over it as the base64 in the event.
    let binary = vec![0u8; gzrs_emulator::BODY_LIMIT - 1000];
    let (status, _, body) = front(
        &emulator,
        "POST",
        "/Hello/api",
        Some("application/octet-stream"),
        binary,
    )
    .await;
    assert_eq!(status, 413);
    assert!(String::from_utf8_lossy(&body).contains("base64"));
    assert_eq!(emulator.polls(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_response_that_is_not_a_response_object_is_a_200_with_its_json() {
    let emulator = Emulator::start(Config::default()).await.unwrap();
    let seen = runtime(emulator.runtime_api(), 1, |_| Ok(json!({"hello": "world"})));
    let (status, _, body) = front(&emulator, "GET", "/Hello/api", None, Vec::new()).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"hello": "world"})
    );
    seen.join().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn responses_up_to_6_mb_pass_and_larger_ones_fail_the_invocation() {
    let emulator = Emulator::start(Config::default()).await.unwrap();
    // Above axum's 2 MB default, below Lambda's 6 MB.
    let seen = runtime(emulator.runtime_api(), 1, |_| {
        Ok(json!({"statusCode": 200, "body": "x".repeat(3 << 20)}))
    });
    let (status, _, body) = front(&emulator, "GET", "/Hello/api", None, Vec::new()).await;
    assert_eq!((status, body.len()), (200, 3 << 20));
    seen.join().unwrap();

    let api = emulator.runtime_api();
    let poster = tokio::task::spawn_blocking(move || {
        let base = format!("http://{api}/2018-06-01/runtime/invocation");
        let next = agent().get(&format!("{base}/next")).call().unwrap();
        let id = next.headers()["lambda-runtime-aws-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let big = json!({"statusCode": 200, "body": "y".repeat(7 << 20)}).to_string();
        agent()
            .post(&format!("{base}/{id}/response"))
            .send(big)
            .unwrap()
            .status()
            .as_u16()
    });
    let (status, _, body) = front(&emulator, "GET", "/Hello/api", None, Vec::new()).await;
    assert_eq!(status, 502, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("ResponseSizeTooLarge"));
    assert_eq!(poster.await.unwrap(), 413, "the runtime is told");
}
