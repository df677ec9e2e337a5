//! The fixture service the end-to-end tests build in every mode: one route per case of the
//! request corpus, written as any axum user would.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::{
    body::{Body, Bytes},
    extract::{Path, Query},
    http::{header, HeaderMap, Method, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post, put},
    Json, Router,
};
use serde_json::{json, Value};

pub fn app() -> Router {
    // For the test of a contestant that crashes at init (`gzrs bench`): only natively, where
    // the environment is visible.
    #[cfg(not(target_arch = "wasm32"))]
    if std::env::var_os("GZRS_FIXTURE_CRASH_AT_INIT").is_some() {
        panic!("the fixture crashed at init, as GZRS_FIXTURE_CRASH_AT_INIT asked");
    }
    // One count for the whole process: the server builds `app()` once, for every thread.
    let hits = Arc::new(AtomicUsize::new(0));
    let router = Router::new()
        .route("/", get(|| async { "fixture root" }))
        .route(
            "/count",
            get(move || async move { (hits.fetch_add(1, Ordering::SeqCst) + 1).to_string() }),
        )
        .route("/cpu/{ms}", get(cpu))
        .route("/users/{id}/posts/{post}", get(user_post))
        .route("/query", get(query))
        .route(
            "/echo/json",
            post(|Json(v): Json<Value>| async move { Json(v) }),
        )
        .route("/echo/text", post(|text: String| async move { text }))
        .route("/echo/binary", post(echo_binary))
        .route(
            "/size",
            post(|body: Bytes| async move { body.len().to_string() }),
        )
        // A body as large as the service's own limit allows, past axum's 2 MB default.
        .route(
            "/size/unlimited",
            post(|body: Bytes| async move { body.len().to_string() })
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        // A request body read frame by frame: when each frame came.
        .route("/upload/frames", post(frames))
        .route("/big/{n}", get(big))
        .route("/status/{code}", get(status))
        .route("/headers", get(headers))
        .route("/cookies", get(cookies))
        .route("/utf8", get(|| async { "héllo wörld ✓ 日本語 🎉" }))
        .route("/items/{id}", put(item).patch(item).delete(item))
        .route(
            "/files/{*rest}",
            get(|Path(rest): Path<String>| async move { format!("file: {rest}") }),
        )
        .route("/yield/{n}", get(yield_then_answer).post(yield_then_answer))
        .route("/framing", post(framing))
        .route("/panic", get(panics))
        // Bodies produced over time: events `ms` apart, an endless stream counted while it
        // lives, and streams that fail or panic after their first event.
        .route(
            "/sleep/{ms}",
            get(|Path(ms): Path<u64>| async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                format!("slept {ms} ms")
            }),
        )
        // Work that outlives its response: done `ms` after the answer, counted when it is.
        .route(
            "/spawn/{ms}",
            get(|Path(ms): Path<u64>| async move {
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    SPAWNED_DONE.fetch_add(1, Ordering::SeqCst);
                });
                "spawned"
            }),
        )
        .route(
            "/spawned",
            get(|| async { SPAWNED_DONE.load(Ordering::SeqCst).to_string() }),
        )
        .route("/stream/events", get(events))
        .route("/stream/live", get(live))
        .route(
            "/stream/live-count",
            get(|| async { LIVE.load(Ordering::SeqCst).to_string() }),
        )
        // `mib` MiB as fast as the client takes them, and how much of it was produced so far.
        .route("/stream/fast/{mib}", get(fast))
        .route(
            "/stream/produced",
            get(|| async { PRODUCED.load(Ordering::SeqCst).to_string() }),
        )
        .route("/stream/fail", get(|| async { failing(false) }))
        .route("/stream/panic", get(|| async { failing(true) }))
        // A body with no content type, which no front may add one to.
        .route(
            "/untyped",
            get(|| async { axum::body::Body::from("bytes of no declared type") }),
        )
        // For the tests that kill the service mid-request: a request that never completes, and
        // the process that serves (native mode only: wasm32 has no processes).
        .route("/hang", get(std::future::pending::<()>))
        .route("/pid", get(pid));
    #[cfg(not(target_family = "wasm"))]
    let router = router.route("/ws", get(websocket::echo));
    router
}

/// Busy for `ms` milliseconds of CPU, as a handler that computes is.
async fn cpu(Path(ms): Path<u64>) -> String {
    let started = std::time::Instant::now();
    let mut x: u64 = 1;
    while started.elapsed() < Duration::from_millis(ms) {
        for _ in 0..10_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
        }
    }
    format!("busy {ms} ms ({})", x % 10)
}

/// axum's WebSocket echo: each text or binary message comes back as it was; a close is answered.
#[cfg(not(target_family = "wasm"))]
mod websocket {
    use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
    use axum::response::Response;

    pub async fn echo(upgrade: WebSocketUpgrade) -> Response {
        upgrade.on_upgrade(|mut socket: WebSocket| async move {
            while let Some(Ok(message)) = socket.recv().await {
                // A close is answered by the socket itself, on the next `recv`.
                if matches!(message, Message::Close(_)) {
                    continue;
                }
                if socket.send(message).await.is_err() {
                    break;
                }
            }
        })
    }
}

async fn user_post(Path((id, post)): Path<(u64, String)>) -> Json<Value> {
    Json(json!({ "user": id, "post": post }))
}

/// The query as the pairs the router decoded: the raw string is not part of the contract.
async fn query(Query(pairs): Query<Vec<(String, String)>>) -> Json<Value> {
    Json(json!(pairs))
}

async fn echo_binary(headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(header::HeaderValue::from_static("application/octet-stream"));
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// `n` bytes of a pattern that covers every byte value.
async fn big(Path(n): Path<usize>) -> Response {
    let body: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
    ([(header::CONTENT_TYPE, "application/octet-stream")], body).into_response()
}

async fn status(Path(code): Path<u16>) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
    if status == StatusCode::NO_CONTENT {
        return status.into_response();
    }
    (status, Json(json!({ "status": code }))).into_response()
}

/// The body's length and the `content-length` the service was given with it, which a service
/// like tower-http's body limit trusts: the test of a body the front re-encoded.
async fn framing(request_headers: HeaderMap, body: Bytes) -> Json<Value> {
    let announced = request_headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok());
    Json(json!({ "content-length": announced, "body": body.len() }))
}

async fn headers(request_headers: HeaderMap) -> Response {
    let echoed = request_headers
        .get("x-echo")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (
        [
            ("x-custom", "custom value"),
            ("x-echoed", echoed.as_str()),
            ("cache-control", "no-store"),
        ],
        "headers set",
    )
        .into_response()
}

async fn cookies() -> Response {
    let mut response = "two cookies".into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        "session=abc123; Path=/; HttpOnly".parse().unwrap(),
    );
    headers.append(
        header::SET_COOKIE,
        "theme=dark; Max-Age=3600".parse().unwrap(),
    );
    response
}

async fn item(method: Method, Path(id): Path<String>) -> String {
    format!("{method} item {id}")
}

/// Returns pending `n` times (waking itself each time) before answering: exercises the
/// host-driven executor and keeps requests in flight together.
async fn yield_then_answer(Path(n): Path<u32>) -> String {
    YieldN(n).await;
    format!("yielded {n}")
}

struct YieldN(u32);

impl Future for YieldN {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Each frame of the request body as it came: its size and when, after the first.
async fn frames(body: Body) -> String {
    use futures_util::StreamExt as _;
    let mut frames = body.into_data_stream();
    let mut first = None;
    let mut lines = String::new();
    while let Some(frame) = frames.next().await {
        match frame {
            Ok(bytes) if bytes.is_empty() => {}
            Ok(bytes) => {
                let first = *first.get_or_insert_with(std::time::Instant::now);
                lines += &format!(
                    "{} bytes at {} ms\n",
                    bytes.len(),
                    first.elapsed().as_millis()
                );
            }
            Err(error) => {
                lines += &format!("error: {error}\n");
                break;
            }
        }
    }
    lines
}

#[derive(serde::Deserialize)]
struct Events {
    n: u32,
    ms: u64,
}

/// `n` server-sent events, the first at once and each next one `ms` later.
async fn events(Query(Events { n, ms }): Query<Events>) -> Response {
    let events = futures_util::stream::unfold(0, move |i| async move {
        if i == n {
            return None;
        }
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        Some((
            Ok::<_, std::io::Error>(format!("data: event {i}\n\n")),
            i + 1,
        ))
    });
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::from_stream(events),
    )
        .into_response()
}

/// Bytes `/stream/fast` has produced, over all its requests.
static PRODUCED: AtomicUsize = AtomicUsize::new(0);

/// `mib` MiB in 64 KiB frames, each produced as soon as the previous one is taken.
async fn fast(Path(mib): Path<usize>) -> Response {
    const FRAME: usize = 64 * 1024;
    let frames = futures_util::stream::unfold(0, move |i| async move {
        if i == mib * 1024 * 1024 / FRAME {
            return None;
        }
        // Not ready at once: a frame is made when it is asked for, as a file or a socket is read.
        tokio::task::yield_now().await;
        PRODUCED.fetch_add(FRAME, Ordering::SeqCst);
        Some((Ok::<_, std::io::Error>(vec![b'z'; FRAME]), i + 1))
    });
    Body::from_stream(frames).into_response()
}

/// Spawned work that has finished.
static SPAWNED_DONE: AtomicUsize = AtomicUsize::new(0);

/// Endless streams alive now: each one counts itself until it is dropped.
static LIVE: AtomicUsize = AtomicUsize::new(0);

struct Alive;

impl Alive {
    fn new() -> Self {
        LIVE.fetch_add(1, Ordering::SeqCst);
        Alive
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// An event every 100 ms, for as long as the client listens.
async fn live() -> Response {
    let events = futures_util::stream::unfold((Alive::new(), 0u64), |(alive, i)| async move {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Some((
            Ok::<_, std::io::Error>(format!("data: tick {i}\n\n")),
            (alive, i + 1),
        ))
    });
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::from_stream(events),
    )
        .into_response()
}

/// One event, then (100 ms later) an error, or a panic.
fn failing(panic: bool) -> Response {
    let events = futures_util::stream::unfold(0, move |i| async move {
        match i {
            0 => Some((Ok(String::from("data: first\n\n")), 1)),
            1 => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if panic {
                    panic!("the fixture's stream panicked on purpose");
                }
                Some((
                    Err(std::io::Error::other("the stream failed on purpose")),
                    2,
                ))
            }
            _ => None,
        }
    });
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::from_stream(events),
    )
        .into_response()
}

async fn panics() -> &'static str {
    panic!("the fixture panicked on purpose")
}

async fn pid() -> Response {
    #[cfg(not(target_arch = "wasm32"))]
    return std::process::id().to_string().into_response();
    #[cfg(target_arch = "wasm32")]
    return (StatusCode::NOT_IMPLEMENTED, "no process in wasm mode").into_response();
}
