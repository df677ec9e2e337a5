//! # gzrs-wasm
//!
//! Exports a user's `tower::Service` (an axum `Router`, typically) to the JavaScript host that
//! gzrs generates, through wasm-bindgen.
//!
//! The host hands over a Genezio request object as JSON plus its raw body; [`gzrs-core`] turns
//! it into an `http::Request`, the service answers, and the reply goes back as status, headers
//! and a text or binary body.
//!
//! Futures are driven by a small executor whose scheduler is the host: a task's waker asks the
//! host to poll it again, and every poll is a call the host makes and guards. That is what lets
//! many requests be in flight on one instance, and what makes a panic recoverable: a panic (which
//! aborts on `wasm32-unknown-unknown`) always surfaces as a trap inside a host call, never inside
//! a detached callback, so the host can answer 500 and re-create the instance.
//!
//! A user never calls this crate: `gzrs build --mode wasm` generates the one line that does,
//! `gzrs_wasm::serve(user_crate::app())`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::hash::{BuildHasherDefault, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use gzrs_core::{Body, RequestObject, ResponseObject};
use http::{Request, Response};
use tower_service::Service;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Asks the host to call [`gzrs_poll`] for this task soon.
    #[wasm_bindgen(js_namespace = __gzrs_host, js_name = wake)]
    fn host_wake(task: u32);
    /// Tells the host a panic is under way, just before the instance traps: its message, and the
    /// message with its source location for the log.
    #[wasm_bindgen(js_namespace = __gzrs_host, js_name = panicked)]
    fn host_panicked(message: &str, detail: &str);
}

type Task = Pin<Box<dyn Future<Output = ResponseObject>>>;
type Handler = Box<dyn Fn(RequestObject, Option<bytes::Bytes>) -> Task>;

thread_local! {
    static HANDLER: RefCell<Option<Handler>> = const { RefCell::new(None) };
    static TASKS: RefCell<Tasks> = RefCell::new(Tasks::default());
}

#[derive(Default)]
struct Tasks {
    /// Futures still pending, by the id the host gave them.
    live: HashMap<u32, Task, TaskIds>,
    /// Binary bodies of finished tasks, until the host takes them.
    binary: HashMap<u32, bytes::Bytes, TaskIds>,
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

/// Installs what the service may need while it is being built, before `serve`: the panic hook
/// (so a panic in the service's constructor reaches the log) and, with the `logs` feature, the
/// console logger (so its records do). The generated start function calls it first; calling it
/// again does nothing more.
pub fn prepare() {
    #[cfg(feature = "logs")]
    gzrs_platform::log::init();
    std::panic::set_hook(Box::new(|info| {
        // The client gets the panic's message; the log also gets where it happened.
        let message = info.payload_as_str().unwrap_or("the service panicked");
        host_panicked(message, &info.to_string());
    }));
}

/// Installs `service` as the one this instance serves. Call it once, from the module's start
/// function. Each request gets its own clone, as `tower::ServiceExt::oneshot` would.
pub fn serve<S, B>(service: S)
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + 'static,
    S::Error: Display,
    B: http_body::Body + 'static,
    B::Error: Display,
{
    prepare();
    let handler: Handler =
        Box::new(move |object, raw| Box::pin(gzrs_core::call_object(service.clone(), object, raw)));
    HANDLER.with(|slot| *slot.borrow_mut() = Some(handler));
}

/// Starts a request as task `task` (an id the host picks, unique among those in flight) and
/// polls it once. `meta` is the request object as UTF-8 JSON without its body; `raw_body` is the
/// UTF-8 bytes of `rawBody` as Genezio delivered it (bytes, not strings: a byte array is copied
/// in with one memcpy, a string is re-encoded character by character). Answers like
/// [`gzrs_poll`]: most handlers finish on this first poll, so most requests take one call.
#[wasm_bindgen]
pub fn gzrs_start(task: u32, meta: &[u8], raw_body: Option<Vec<u8>>) -> Option<String> {
    let future: Task = match RequestObject::from_json(meta) {
        Ok(object) => {
            let raw = raw_body.map(bytes::Bytes::from);
            HANDLER.with(|slot| match slot.borrow().as_ref() {
                Some(handler) => handler(object, raw),
                None => Box::pin(std::future::ready(ResponseObject::from(
                    gzrs_core::ContractError::internal(
                        "no service installed: gzrs_wasm::serve was not called",
                    ),
                ))),
            })
        }
        Err(err) => Box::pin(std::future::ready(ResponseObject::from(err))),
    };
    poll_task(task, future)
}

/// Polls a pending task once. `undefined` while it is pending (its waker will call the host
/// back). Once it is done: the response object as JSON, `{statusCode, headers, body}`, where
/// `body` is present for a text body; a binary body is then taken with [`gzrs_take_binary`].
///
/// Plain strings rather than a wasm-bindgen object: this is every request's path, and an
/// exported object costs an allocation and a finalizer registration on the JS side.
#[wasm_bindgen]
pub fn gzrs_poll(task: u32) -> Option<String> {
    // Taken out while polling, so a future that starts or wakes other tasks finds no borrow held.
    let future = TASKS.with(|tasks| tasks.borrow_mut().live.remove(&task))?;
    poll_task(task, future)
}

fn poll_task(task: u32, mut future: Task) -> Option<String> {
    let waker = Waker::from(Arc::new(HostWaker(task)));
    match future.as_mut().poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(response) => {
            let (head, binary) = response.into_head_json();
            if let Some(bytes) = binary {
                TASKS.with(|tasks| tasks.borrow_mut().binary.insert(task, bytes));
            }
            Some(head)
        }
        Poll::Pending => {
            TASKS.with(|tasks| tasks.borrow_mut().live.insert(task, future));
            None
        }
    }
}

/// The binary body of a finished task whose head had no `body`.
#[wasm_bindgen]
pub fn gzrs_take_binary(task: u32) -> Option<Vec<u8>> {
    TASKS
        .with(|tasks| tasks.borrow_mut().binary.remove(&task))
        .map(Vec::from)
}

struct HostWaker(u32);

impl Wake for HostWaker {
    fn wake(self: Arc<Self>) {
        host_wake(self.0);
    }
}
