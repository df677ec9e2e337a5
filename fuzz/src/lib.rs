//! # gzrs-fuzz
//!
//! The properties every gzrs parser that reads outside bytes must hold, one function per fuzz
//! target (`fuzz_targets/`, run by `scripts/fuzz.sh` through cargo fuzz): whatever the bytes, no
//! panic escapes, nothing hangs, and the input gets a well-formed answer, a clear 4xx/5xx, or
//! (for a stream that is out of step) a clean end of the connection.
//!
//! - [`request_object`]: gzrs-core's request object, through a service, with its limits;
//! - [`lambda_dispatch`]: `gzrs_core::lambda::dispatch`, the trap's reading of a Lambda event;
//! - [`sidecar_frames`]: the sidecar's frame decoder (gzrs-native), fed over a real socket;
//! - [`emulator_front`]: raw HTTP to the emulator's front, with the real trap polling behind it;
//! - [`emulator_runtime_api`]: what a runtime may post to the emulator's Runtime API.
//!
//! The class side of the sidecar (`FrameReader` in build/js-host/genezio/native-host.mjs) is fuzzed by
//! build/js-host/test/frames.test.mjs.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::Duration;

use axum::body::Bytes;
use axum::routing::{get, post};
use axum::Router;
use gzrs_core::lambda::{dispatch_to, rpc_answer, Dispatch, Target};
use gzrs_core::{limits, RequestObject, ResponseObject};
use serde_json::Value;

/// The service behind every target: echoes, a JSON route (serde's own limits), and a panic.
pub fn service() -> Router {
    Router::new()
        .route("/echo", post(|body: Bytes| async move { body }))
        .route(
            "/json",
            post(|axum::Json(v): axum::Json<Value>| async move { axum::Json(v) }),
        )
        .route(
            "/panic",
            get(|| async { panic!("fuzz panic") as &'static str }),
        )
        .fallback(|uri: http::Uri| async move { format!("fallback {uri}") })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

/// An answer must be one Genezio accepts: a status, headers, and a head that serializes.
fn check_answer(answer: ResponseObject) {
    assert!(
        (100..600).contains(&answer.status_code),
        "{}",
        answer.status_code
    );
    let (head, _binary) = answer.into_head_json();
    let head: Value = serde_json::from_str(&head).expect("the head is JSON");
    assert!(head["statusCode"].is_u64());
}

/// gzrs-core's request object: parsed, made an HTTP request within the limits, answered.
pub fn request_object(data: &[u8]) {
    let object = match RequestObject::from_json(data) {
        Ok(object) => object,
        Err(error) => {
            assert_eq!(error.status, 400);
            assert!(!error.message.is_empty());
            return;
        }
    };
    match object.clone().into_http() {
        Ok(request) => {
            let url = request.uri().to_string();
            assert!(
                url.len() <= limits::MAX_URL_BYTES + 1,
                "{} bytes",
                url.len()
            );
            assert!(request.headers().len() <= limits::MAX_HEADERS);
        }
        Err(error) => {
            assert!(
                [400, 413, 431].contains(&error.status.as_u16()),
                "{error:?}"
            );
            assert!(!error.message.is_empty());
        }
    }
    let answer = runtime().block_on(gzrs_native::answer(service(), object, None));
    check_answer(answer);
}

/// The class the trap targets are for: an HTTP method and two typed ones (which the fuzz
/// service, having no class, answers as an HTTP request).
const FUZZ: Target<'static> = Target {
    class: "Fuzz",
    http_method: "api",
    methods: &["add", "sweep"],
};

/// The trap's reading of a Lambda event: an answer Genezio's handler would give, or a call.
pub fn lambda_dispatch(data: &[u8]) {
    match dispatch_to(data, &FUZZ) {
        Dispatch::Answer(Value::Null) => {}
        Dispatch::Answer(answer) => {
            let status = answer["statusCode"].as_u64().expect("a status");
            assert!((200..600).contains(&status), "{answer}");
            assert!(
                answer["body"].is_null() || answer["body"].is_string(),
                "{answer}"
            );
        }
        Dispatch::Call(object) | Dispatch::Cron(object) => {
            let answer = runtime().block_on(gzrs_native::answer(service(), object, None));
            check_answer(answer);
        }
        Dispatch::Rpc { id, object } => {
            let answer = runtime().block_on(gzrs_native::answer(service(), object, None));
            let envelope = rpc_answer(id, &answer);
            assert!(envelope["body"].is_string(), "{envelope}");
        }
    }
}

/// The frames a well-behaved decoder reads from `data`: the complete ones, in order, and whether
/// a header out of bounds ends the stream.
fn frames_in(data: &[u8]) -> (Vec<u32>, bool) {
    let (mut ids, mut at) = (Vec::new(), 0);
    while data.len() - at >= 12 {
        let field =
            |i: usize| u32::from_le_bytes(data[at + i * 4..at + i * 4 + 4].try_into().unwrap());
        let (id, meta, body) = (field(0), field(1), field(2));
        let body_len = if body == gzrs_native::sidecar::NO_BODY {
            0
        } else {
            body
        };
        if meta > gzrs_native::sidecar::META_LIMIT
            || (body != gzrs_native::sidecar::NO_BODY && body > gzrs_native::sidecar::BODY_LIMIT)
        {
            return (ids, true);
        }
        let total = 12 + meta as usize + body_len as usize;
        if data.len() - at < total {
            break;
        }
        ids.push(id);
        at += total;
    }
    (ids, false)
}

/// The sidecar's decoder, over a real unix socket: every complete frame is answered with a
/// well-formed frame for its id, and the service ends when the class hangs up, never hangs.
pub fn sidecar_frames(data: &[u8]) {
    let (expected, out_of_step) = frames_in(data);
    let tasks = tokio::task::LocalSet::new();
    tasks.block_on(runtime(), async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (class, service_end) = tokio::net::UnixStream::pair().expect("a socket pair");
        let serving = tokio::task::spawn_local(gzrs_native::sidecar::serve(service(), service_end));
        let (mut reader, mut writer) = class.into_split();
        let input = data.to_vec();
        tokio::task::spawn_local(async move {
            let _ = writer.write_all(&input).await;
            // Held open until the answers are read, as the class holds it.
            std::future::pending::<()>().await;
            drop(writer);
        });
        let mut answered = Vec::new();
        let read_answers = async {
            let mut header = [0u8; 12];
            while answered.len() < expected.len() || out_of_step {
                if reader.read_exact(&mut header).await.is_err() {
                    break;
                }
                let field =
                    |i: usize| u32::from_le_bytes(header[i * 4..i * 4 + 4].try_into().unwrap());
                let (id, head_len, body_len) = (field(0), field(1), field(2));
                let mut head = vec![0; head_len as usize];
                reader.read_exact(&mut head).await.expect("a whole head");
                let head: Value = serde_json::from_slice(&head).expect("the head is JSON");
                assert!(head["statusCode"].is_u64(), "{head}");
                if body_len != gzrs_native::sidecar::NO_BODY {
                    let mut body = vec![0; body_len as usize];
                    reader.read_exact(&mut body).await.expect("a whole body");
                }
                answered.push(id);
            }
        };
        tokio::time::timeout(Duration::from_secs(10), read_answers)
            .await
            .expect("the sidecar answered every complete frame in time");
        if !out_of_step {
            let (mut got, mut want) = (answered.clone(), expected.clone());
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "one answer per complete frame");
        }
        serving.abort();
    });
}

struct Emulated {
    front: SocketAddr,
    runtime: SocketAddr,
}

/// One emulator for the process, with the real trap (gzrs-native's Runtime API loop, serving
/// [`service`] as the class `Fuzz`) polling it from its own thread.
fn emulated() -> &'static Emulated {
    static EMULATED: OnceLock<Emulated> = OnceLock::new();
    EMULATED.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let config = gzrs_emulator::Config {
                    timeout: Duration::from_secs(5),
                    ..Default::default()
                };
                let emulator = gzrs_emulator::Emulator::start(config)
                    .await
                    .expect("an emulator");
                tx.send((emulator.runtime_api(), emulator.front_url()))
                    .unwrap();
                std::future::pending::<()>().await;
                drop(emulator);
            });
        });
        let (runtime_api, front_url) = rx.recv().expect("the emulator started");
        std::env::set_var("AWS_LAMBDA_RUNTIME_API", &runtime_api);
        std::thread::spawn(|| gzrs_native::lambda::run(service(), FUZZ));
        let front = front_url
            .trim_start_matches("http://")
            .parse()
            .expect("an address");
        Emulated {
            front,
            runtime: runtime_api.parse().expect("an address"),
        }
    })
}

/// Sends a whole `request` (it says `connection: close`) on a fresh connection, then reads until
/// the server closes it: the status of the response, if any. Panics if the server neither
/// answers nor closes in time. (The write side stays open: hyper takes a half-closed
/// connection for a client that left, and drops its answer.)
fn exchange(to: SocketAddr, request: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(to).expect("the emulator accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    if let Err(e) = stream.read_to_end(&mut answer) {
        assert!(
            e.kind() == std::io::ErrorKind::ConnectionReset,
            "no answer and no close within 10 s: {e}"
        );
    }
    let line = answer.split(|&b| b == b'\r').next()?;
    let line = std::str::from_utf8(line).expect("an ASCII status line");
    if line.is_empty() {
        return None;
    }
    assert!(line.starts_with("HTTP/1.1 "), "{line:?}");
    Some(line[9..12].parse().expect("a status"))
}

/// The front still serves an ordinary request: the instance survived what came before.
fn assert_alive(front: SocketAddr) {
    let request = b"POST /Fuzz/api/echo HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
    assert_eq!(
        exchange(front, request),
        Some(200),
        "the next request is served"
    );
}

/// An HTTP request to the emulator's front, with the trap behind it, made from the input's
/// lines: the method, the target, header lines up to an empty line, then the body (framed by
/// the harness, so the server never waits for more). Bytes the front cannot take get a 4xx;
/// everything else an answer from the service through the trap; never a hang, and the next
/// request is served.
pub fn emulator_front(data: &[u8]) {
    let emulated = emulated();
    let mut rest = data;
    let mut line = || {
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let line = &rest[..end];
        rest = &rest[(end + 1).min(rest.len())..];
        line.strip_suffix(b"\r").unwrap_or(line)
    };
    let (method, target) = (line(), line());
    let mut request = [method, b" /Fuzz/api", target, b" HTTP/1.1\r\n"].concat();
    loop {
        let header = line();
        if header.is_empty() {
            break;
        }
        request.extend_from_slice(header);
        request.extend_from_slice(b"\r\n");
    }
    let body = rest;
    request.extend_from_slice(
        format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    request.extend_from_slice(body);
    if let Some(status) = exchange(emulated.front, &request) {
        assert!((100..600).contains(&status));
        // The trap's own failures would be a 502 (runtime gone) or 504 (no answer).
        assert!(
            status != 502 && status != 504,
            "status {status} for {data:?}"
        );
    }
    assert_alive(emulated.front);
}

/// What a runtime posts to the Runtime API, on each endpoint it may post to: the first byte
/// picks the endpoint, the next up to 32 (percent-encoded) are the request id, the rest is the
/// body. Each gets an answer (202, or a 4xx for an unknown id or an oversized body); the front
/// goes on serving through the trap.
pub fn emulator_runtime_api(data: &[u8]) {
    let emulated = emulated();
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let (id, body) = rest.split_at(rest.len().min(32));
    let id: String = id.iter().map(|b| format!("%{b:02X}")).collect();
    let path = match which % 3 {
        0 => format!("/2018-06-01/runtime/invocation/{id}/response"),
        1 => format!("/2018-06-01/runtime/invocation/{id}/error"),
        _ => "/2018-06-01/runtime/init/error".to_owned(),
    };
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    let status = exchange(emulated.runtime, &request).expect("an answer");
    assert!([202, 400, 404, 413].contains(&status), "status {status}");
    assert_alive(emulated.front);
}
