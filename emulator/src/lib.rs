//! # gzrs-emulator
//!
//! A Lambda Runtime API emulator. Any runtime — gzrs's Rust loop, AWS's Node runtime client —
//! polls it as it would poll Lambda (`AWS_LAMBDA_RUNTIME_API` = [`Emulator::runtime_api`]), and
//! plain HTTP requests to its front port become Genezio-style Lambda events (API Gateway v2
//! shape), so `curl localhost:PORT/<Class>/<method>/...` reaches the function. Used by
//! `gzrs local` and the benchmarks, and by the tests that prove the native mode's trap.
//!
//! [`Emulator::supervise`] runs the function's runtime process as Lambda does: started at once
//! (its init ends at its first `next`), killed when an invocation times out, and started again
//! for the next invocation after it exits; the invocations it held fail with
//! [`InvokeError::Exited`] instead of hanging.

mod event;
mod supervisor;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Path, Request, State as Extract};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch, Notify};

pub use event::{http_event, lambda_response, BODY_LIMIT};
pub use supervisor::RuntimeProcess;

const API: &str = "/2018-06-01/runtime";
/// How much of an oversized request body the front reads (and drops) before refusing it.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// Where to listen and how long an invocation may take.
#[derive(Debug, Clone)]
pub struct Config {
    /// The Runtime API's address (port 0 for any free port).
    pub runtime: SocketAddr,
    /// The HTTP front's address (port 0 for any free port).
    pub front: SocketAddr,
    /// How long an invocation may run before the caller gets a timeout.
    pub timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Config {
            runtime: any,
            front: any,
            timeout: Duration::from_secs(30),
        }
    }
}

/// How an invocation ended, when it did not end with a response.
#[derive(Debug, Clone, PartialEq)]
pub enum InvokeError {
    /// The runtime reported an error (`/invocation/{id}/error`): its JSON.
    Function(Value),
    /// No answer within the timeout.
    Timeout(Duration),
    /// The runtime process ended (or could not start) before answering: why.
    Exited(String),
}

impl std::fmt::Display for InvokeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InvokeError::Function(error) => write!(f, "the function reported an error: {error}"),
            InvokeError::Timeout(after) => {
                write!(f, "the function did not answer within {after:?}")
            }
            InvokeError::Exited(why) => write!(f, "the function's runtime {why}"),
        }
    }
}

impl std::error::Error for InvokeError {}

type Outcome = Result<Bytes, InvokeError>;

struct Invocation {
    id: String,
    event: Bytes,
    deadline_ms: u128,
    reply: oneshot::Sender<Outcome>,
}

struct Shared {
    /// Invocations no runtime has taken yet.
    queue: Mutex<VecDeque<Invocation>>,
    /// Signalled when an invocation is queued, and when the runtime changes.
    arrived: Notify,
    /// Bumped each time a supervised runtime ends: a `next` from before then comes from a dead
    /// process and must not take an invocation.
    generation: AtomicU64,
    /// Signalled when an invocation times out: a supervised runtime is then killed, as Lambda
    /// ends a function that overran.
    overran: Notify,
    in_flight: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    init_error: Mutex<Option<Value>>,
    polls: AtomicU64,
    /// Signalled on every `next`.
    polled: Notify,
    starts: AtomicU64,
    /// The supervised runtime's process group while it runs (0: none).
    runtime_group: std::sync::atomic::AtomicI32,
    ids: AtomicU64,
    timeout: Duration,
}

/// A running emulator; it stops when dropped.
pub struct Emulator {
    shared: Arc<Shared>,
    runtime: SocketAddr,
    front: SocketAddr,
    stop: watch::Sender<()>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("runtime", &self.runtime)
            .field("front", &self.front)
            .finish()
    }
}

impl Emulator {
    /// Binds both ports and serves them on the current tokio runtime.
    pub async fn start(config: Config) -> std::io::Result<Emulator> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(VecDeque::new()),
            arrived: Notify::new(),
            generation: AtomicU64::new(0),
            overran: Notify::new(),
            in_flight: Mutex::new(HashMap::new()),
            init_error: Mutex::new(None),
            polls: AtomicU64::new(0),
            polled: Notify::new(),
            starts: AtomicU64::new(0),
            runtime_group: std::sync::atomic::AtomicI32::new(0),
            ids: AtomicU64::new(0),
            timeout: config.timeout,
        });
        let runtime_listener = TcpListener::bind(config.runtime).await?;
        let front_listener = TcpListener::bind(config.front).await?;
        let (runtime, front) = (runtime_listener.local_addr()?, front_listener.local_addr()?);

        let runtime_api = Router::new()
            .route(&format!("{API}/invocation/next"), get(next_invocation))
            .route(&format!("{API}/invocation/{{id}}/response"), post(respond))
            .route(&format!("{API}/invocation/{{id}}/error"), post(fail))
            .route(&format!("{API}/init/error"), post(init_error))
            // Sizes are checked where Lambda checks them (6 MB), not at axum's 2 MB default.
            .layer(axum::extract::DefaultBodyLimit::disable())
            .with_state(shared.clone());
        let front_app = Router::new()
            .fallback(front_door)
            .with_state(shared.clone());

        // Both servers stop when the emulator (holding the sender) is dropped.
        let (stop, stopped) = watch::channel(());
        for (listener, app) in [(runtime_listener, runtime_api), (front_listener, front_app)] {
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move { while stopped.changed().await.is_ok() {} })
                    .await;
            });
        }
        Ok(Emulator {
            shared,
            runtime,
            front,
            stop,
        })
    }

    /// The value for `AWS_LAMBDA_RUNTIME_API`: `host:port`.
    pub fn runtime_api(&self) -> String {
        self.runtime.to_string()
    }

    /// The front's base URL: requests to it become events.
    pub fn front_url(&self) -> String {
        format!("http://{}", self.front)
    }

    /// Sends one event to the function and waits for its response (the JSON the runtime posted).
    pub async fn invoke(&self, event: impl Into<Bytes>) -> Result<Bytes, InvokeError> {
        invoke(&self.shared, event.into()).await
    }

    /// What the runtime reported to `/runtime/init/error`, if it did.
    pub fn init_error(&self) -> Option<Value> {
        self.shared.init_error.lock().expect("lock").clone()
    }

    /// How many times a runtime has called `next`: the first call ends the function's init.
    pub fn polls(&self) -> u64 {
        self.shared.polls.load(Ordering::SeqCst)
    }

    /// Waits until `next` has been called `n` times in all: `polls() + 1` is the end of the
    /// init of a runtime that is starting now.
    pub async fn wait_for_polls(&self, n: u64) {
        loop {
            let polled = self.shared.polled.notified();
            tokio::pin!(polled);
            polled.as_mut().enable();
            if self.polls() >= n {
                return;
            }
            polled.await;
        }
    }
}

impl Drop for Emulator {
    /// Ends a supervised runtime's whole process group at once: its tasks may never run again.
    fn drop(&mut self) {
        supervisor::kill_group(self.shared.runtime_group.swap(0, Ordering::SeqCst));
    }
}

async fn invoke(shared: &Shared, event: Bytes) -> Result<Bytes, InvokeError> {
    let id = format!("gzrs-{:08}", shared.ids.fetch_add(1, Ordering::SeqCst) + 1);
    let deadline_ms = now_ms() + shared.timeout.as_millis();
    let (reply, answer) = oneshot::channel();
    let invocation = Invocation {
        id: id.clone(),
        event,
        deadline_ms,
        reply,
    };
    shared.queue.lock().expect("lock").push_back(invocation);
    shared.arrived.notify_waiters();
    match tokio::time::timeout(shared.timeout, answer).await {
        Ok(Ok(outcome)) => outcome,
        // No answer in time (or the invocation was dropped unanswered).
        Ok(Err(_)) | Err(_) => {
            shared.in_flight.lock().expect("lock").remove(&id);
            shared.overran.notify_waiters();
            Err(InvokeError::Timeout(shared.timeout))
        }
    }
}

/// The oldest queued invocation whose caller still waits (one that timed out while queued is
/// dropped: nobody wants its answer).
fn take_live(shared: &Shared) -> Option<Invocation> {
    let mut queue = shared.queue.lock().expect("lock");
    while let Some(invocation) = queue.pop_front() {
        if !invocation.reply.is_closed() {
            return Some(invocation);
        }
    }
    None
}

/// Fails every invocation a runtime holds, and (`queued_too`) every one waiting for a runtime.
fn fail_all(shared: &Shared, why: &str, queued_too: bool) {
    let held: Vec<_> = shared.in_flight.lock().expect("lock").drain().collect();
    for (_, reply) in held {
        let _ = reply.send(Err(InvokeError::Exited(why.to_owned())));
    }
    if queued_too {
        let queued: Vec<_> = shared.queue.lock().expect("lock").drain(..).collect();
        for invocation in queued {
            let _ = invocation
                .reply
                .send(Err(InvokeError::Exited(why.to_owned())));
        }
    }
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

async fn next_invocation(Extract(shared): Extract<Arc<Shared>>) -> Response {
    let generation = shared.generation.load(Ordering::SeqCst);
    shared.polls.fetch_add(1, Ordering::SeqCst);
    shared.polled.notify_waiters();
    let invocation = loop {
        let arrived = shared.arrived.notified();
        tokio::pin!(arrived);
        arrived.as_mut().enable();
        if shared.generation.load(Ordering::SeqCst) != generation {
            // The runtime that polled is gone; its successor polls for itself.
            return StatusCode::GONE.into_response();
        }
        if let Some(invocation) = take_live(&shared) {
            break invocation;
        }
        arrived.await;
    };
    shared
        .in_flight
        .lock()
        .expect("lock")
        .insert(invocation.id.clone(), invocation.reply);
    (
        [
            ("lambda-runtime-aws-request-id", invocation.id.as_str()),
            (
                "lambda-runtime-deadline-ms",
                &invocation.deadline_ms.to_string(),
            ),
            (
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:000000000000:function:gzrs-local",
            ),
            (
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000000;Sampled=0",
            ),
            ("content-type", "application/json"),
        ],
        invocation.event,
    )
        .into_response()
}

async fn respond(
    Extract(shared): Extract<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if body.len() > BODY_LIMIT {
        // What Lambda does with an oversized response: the invocation fails, and the runtime
        // is told so.
        let error = json!({
            "errorType": "Function.ResponseSizeTooLarge",
            "errorMessage": format!("Response payload size ({} bytes) exceeded maximum allowed payload size ({BODY_LIMIT} bytes).", body.len()),
        });
        let _ = complete(&shared, &id, Err(InvokeError::Function(error.clone())));
        return (StatusCode::PAYLOAD_TOO_LARGE, axum::Json(error)).into_response();
    }
    complete(&shared, &id, Ok(body))
}

async fn fail(
    Extract(shared): Extract<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let error = serde_json::from_slice(&body)
        .unwrap_or_else(|_| json!({ "errorMessage": String::from_utf8_lossy(&body) }));
    complete(&shared, &id, Err(InvokeError::Function(error)))
}

fn complete(shared: &Shared, id: &str, outcome: Outcome) -> Response {
    match shared.in_flight.lock().expect("lock").remove(id) {
        Some(reply) => {
            let _ = reply.send(outcome);
            (StatusCode::ACCEPTED, axum::Json(json!({ "status": "OK" }))).into_response()
        }
        None => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "errorMessage": format!("unknown or finished request id {id}"), "errorType": "InvalidRequestID" })),
        )
            .into_response(),
    }
}

async fn init_error(Extract(shared): Extract<Arc<Shared>>, body: Bytes) -> Response {
    let error = serde_json::from_slice(&body)
        .unwrap_or_else(|_| json!({ "errorMessage": String::from_utf8_lossy(&body) }));
    *shared.init_error.lock().expect("lock") = Some(error);
    (StatusCode::ACCEPTED, axum::Json(json!({ "status": "OK" }))).into_response()
}

/// A plain HTTP request: turned into an event, sent to the function, and its Lambda response
/// turned back into HTTP as API Gateway would.
async fn front_door(Extract(shared): Extract<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // Read past the limit (up to a point), so the client hears the 413 instead of a reset.
    let body = match to_bytes(body, DRAIN_LIMIT).await {
        Ok(body) if body.len() <= BODY_LIMIT => body,
        _ => {
            return too_large(&format!(
                "Request must be smaller than {BODY_LIMIT} bytes for the function"
            ))
        }
    };
    let event = http_event(&parts.method, &parts.uri, &parts.headers, &body).to_string();
    if event.len() > BODY_LIMIT {
        // Lambda's limit is on the whole event: a binary body under 6 MB can still exceed it
        // once base64-encoded.
        return too_large(&format!(
            "the event for this request is {} bytes, over Lambda's {BODY_LIMIT}: send a smaller body (binary bodies grow by a third in base64)",
            event.len()
        ));
    }
    match invoke(&shared, Bytes::from(event)).await {
        Ok(response) => lambda_response(&response),
        Err(InvokeError::Timeout(after)) => (
            StatusCode::GATEWAY_TIMEOUT,
            axum::Json(
                json!({ "message": format!("the function did not answer within {after:?}") }),
            ),
        )
            .into_response(),
        Err(InvokeError::Exited(why)) => (
            StatusCode::BAD_GATEWAY,
            axum::Json(json!({ "message": format!("the function's runtime {why}") })),
        )
            .into_response(),
        Err(InvokeError::Function(error)) => (
            StatusCode::BAD_GATEWAY,
            HeaderMap::new(),
            Body::from(json!({ "message": "the function failed", "error": error }).to_string()),
        )
            .into_response(),
    }
}

fn too_large(message: &str) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        axum::Json(json!({ "message": message })),
    )
        .into_response()
}
