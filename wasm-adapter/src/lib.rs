//! # gzrs-wasm
//!
//! Exports a user's `tower::Service` (an axum `Router`, typically), compiled to `wasm32-wasip1`,
//! to the JavaScript host that gzrs generates (`build/js-host/genezio/wasm-host.mjs`).
//!
//! **Why WASI.** On `wasm32-wasip1` the standard library works: `SystemTime`, `Instant`,
//! `std::env`, `println!` and randomness become WASI calls that the host answers from Node
//! (`Date.now`, `process.hrtime`, `process.env`, the console, `crypto`). So crates written for
//! servers (uuid, chrono, tower-http's `TraceLayer`, tower's timeout) run unchanged. wasm-bindgen
//! compiles its runtime out on WASI, so the boundary to the host is this crate's own, in
//! [`abi`]: a few plain exports and imports over the instance's memory.
//!
//! **The executor.** Futures are driven by a small executor whose scheduler is the host: a
//! task's waker asks the host to poll it again, and every poll is a call the host makes and
//! guards. That lets many requests be in flight on one instance, and makes a panic recoverable:
//! a panic (which aborts) always surfaces as a trap inside a host call, so the host answers 500
//! and re-creates the instance.
//!
//! **Tokio's timers** (feature `tokio-time`, turned on by `gzrs build` when the service's tokio
//! has `time`): see [`turns`]. The host drives a current-thread runtime without ever blocking.
//!
//! A user never calls this crate: `gzrs build --mode wasm` generates the one export that does,
//! `gzrs_wasm::init(user_crate::app)`.

mod abi;
mod request_body;
mod turns;

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::hash::{BuildHasherDefault, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use gzrs_core::{Body, RequestBody, RequestObject, ResponseObject};
use http::{Request, Response};
use tower_service::Service;

/// A request in flight: a future that answers through the host's imports as it goes.
type Task = Pin<Box<dyn Future<Output = ()>>>;
type Handler = Box<dyn Fn(u32, RequestObject, RequestBody, Head) -> Task>;

thread_local! {
    static HANDLER: RefCell<Option<Handler>> = const { RefCell::new(None) };
    /// Futures still pending, by the id the host gave them.
    static TASKS: RefCell<HashMap<u32, Task, TaskIds>> = RefCell::new(HashMap::default());
}

/// Task ids are distinct counters chosen by the host: they need no hashing.
type TaskIds = BuildHasherDefault<IdHasher>;

#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u32(&mut self, id: u32) {
        self.0 = u64::from(id);
    }
}

/// Builds the service with `build` and installs it as the one this instance serves. The
/// generated entry's `gzrs_init` export calls it once per instance.
///
/// Before `build` runs: the panic hook (so a panic while building reaches the log), the tokio
/// runtime's context when there is one, and with the `logs` feature the console logger as this
/// thread's default only, so a service that installs its own subscriber still can. After: the
/// console logger for good, unless the service installed its own.
pub fn init<F, S, B>(build: F)
where
    F: FnOnce() -> S,
    S: Service<Request<Body>, Response = Response<B>> + Clone + 'static,
    S::Error: Display,
    B: http_body::Body + 'static,
    B::Error: Display,
{
    std::panic::set_hook(Box::new(|info| {
        // The client gets the panic's message; the log also gets where it happened.
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("the service panicked");
        abi::panicked(message, &info.to_string());
    }));
    let service = {
        #[cfg(feature = "logs")]
        let _scoped = gzrs_platform::log::scoped();
        turns::in_context(build)
    };
    #[cfg(feature = "logs")]
    gzrs_platform::log::init();
    serve(service);
}

/// Installs an already built `service`. Each request gets its own clone, as
/// `tower::ServiceExt::oneshot` would.
pub fn serve<S, B>(service: S)
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + 'static,
    S::Error: Display,
    B: http_body::Body + 'static,
    B::Error: Display,
{
    let handler: Handler = Box::new(move |task, object, body, head| {
        let service = service.clone();
        match head {
            // Genezio's hosts take an answer whole.
            Head::Json => Box::pin(async move {
                respond(
                    task,
                    head,
                    gzrs_core::call_object(service, object, body).await,
                )
            }),
            Head::Compact => Box::pin(answer_streamed(task, service, object, body)),
        }
    });
    HANDLER.with(|slot| *slot.borrow_mut() = Some(handler));
}

/// Answers a fetch handler's request: whole when its body is complete at once, else the head
/// at once and the body's bytes as the service produces them.
async fn answer_streamed<S, B>(task: u32, service: S, object: RequestObject, body: RequestBody)
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: Display,
    B: http_body::Body,
    B::Error: Display,
{
    use bytes::Buf as _;
    match gzrs_core::call_object_streamed(service, object, body).await {
        gzrs_core::Streamed::Whole(answer) => respond(task, Head::Compact, answer),
        gzrs_core::Streamed::Head {
            head,
            ready,
            mut rest,
        } => {
            abi::respond_head(task, &head.into_head_compact().0);
            let mut wanted = ready.is_empty() || abi::respond_chunk(task, &ready);
            loop {
                // The client's side holds enough unread: wait until it reads (backpressure, as
                // hyper gives natively).
                if !wanted {
                    until_polled_again().await;
                }
                match std::future::poll_fn(|cx| rest.as_mut().poll_frame(cx)).await {
                    Some(Ok(frame)) => {
                        if let Ok(mut data) = frame.into_data() {
                            while data.has_remaining() {
                                let chunk = data.chunk();
                                let len = chunk.len();
                                wanted = abi::respond_chunk(task, chunk);
                                data.advance(len);
                            }
                        }
                    }
                    Some(Err(_)) => return abi::respond_end(task, true),
                    None => return abi::respond_end(task, false),
                }
            }
        }
    }
}

/// Pending once, then ready: for a task the host polls again when it wants it to go on (here,
/// when the client has read what the host held).
async fn until_polled_again() {
    let mut polled = false;
    std::future::poll_fn(|_| {
        if std::mem::replace(&mut polled, true) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

/// Answers `task` whole, in the form its request came in.
fn respond(task: u32, head: Head, response: ResponseObject) {
    match head {
        Head::Json => {
            let (head, binary) = response.into_head_json();
            abi::respond(task, &head, binary.as_deref());
        }
        Head::Compact => {
            let (head, body) = response.into_head_compact();
            abi::respond(task, &head, Some(&body));
        }
    }
}

/// Drops a task whose client went away.
fn cancel(task: u32) {
    let dropped = TASKS.with(|tasks| tasks.borrow_mut().remove(&task));
    // Dropped outside the borrow: its `Drop`s may wake or start other tasks.
    drop(dropped);
}

/// How a task's answer is written for the host: as the request came.
#[derive(Clone, Copy)]
enum Head {
    /// The response object's JSON, a text body inline (Genezio's hosts).
    Json,
    /// gzrs-core's compact head, the body always apart (the fetch handler).
    Compact,
}

/// Starts a request as task `task`: `meta` is the request's head (the request object as JSON
/// without its body, or gzrs-core's compact head), `body` the body as the host has it (its
/// bytes as received, or streamed in). Polls it once (most handlers finish there) and answers whether it is done; a
/// done task has answered through the host's `respond`.
fn start(task: u32, meta: &[u8], body: RequestBody) -> bool {
    let (head, object) = match meta.split_first() {
        Some((&gzrs_core::compact::COMPACT_HEAD, rest)) => {
            (Head::Compact, RequestObject::from_compact(rest))
        }
        _ => (Head::Json, RequestObject::from_json(meta)),
    };
    let future: Task = match object {
        Ok(object) => HANDLER.with(|slot| match slot.borrow().as_ref() {
            Some(handler) => handler(task, object, body, head),
            None => {
                let error = gzrs_core::ContractError::internal(
                    "no service installed: the module's gzrs_init was not called",
                );
                Box::pin(async move { respond(task, head, error.into()) })
            }
        }),
        Err(err) => Box::pin(async move { respond(task, head, err.into()) }),
    };
    let done = poll_task(task, future);
    turns::after_poll(done);
    done
}

fn pending_tasks() -> u32 {
    TASKS.with(|tasks| tasks.borrow().len() as u32)
}

/// Polls a pending task once (after its waker asked the host to). Stale ids are ignored.
fn poll(task: u32) -> bool {
    // Taken out while polling, so a future that starts or wakes other tasks finds no borrow held.
    let Some(future) = TASKS.with(|tasks| tasks.borrow_mut().remove(&task)) else {
        return true;
    };
    let done = poll_task(task, future);
    turns::after_poll(done);
    done
}

/// Polls a task once; whether it is done (it has answered in full).
fn poll_task(task: u32, mut future: Task) -> bool {
    let waker = Waker::from(Arc::new(HostWaker(task)));
    let polled = turns::in_context(|| future.as_mut().poll(&mut Context::from_waker(&waker)));
    match polled {
        Poll::Ready(()) => true,
        Poll::Pending => {
            TASKS.with(|tasks| tasks.borrow_mut().insert(task, future));
            false
        }
    }
}

struct HostWaker(u32);

impl Wake for HostWaker {
    fn wake(self: Arc<Self>) {
        abi::wake(self.0);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        abi::wake(self.0);
    }
}
