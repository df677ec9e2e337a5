//! The Node host's side of the platform in wasm mode (`build/js-host/genezio/wasm-host.mjs`, its
//! `gzrs_platform` imports). What std answers through WASI (the environment, clocks,
//! randomness, stdout) needs nothing here; what is asynchronous (timers, fetch) is a *host call*:
//! the instance asks, the host works on it in Node, then hands the answer back through
//! [`gzrs_platform_buffer`] and [`gzrs_platform_complete`], which wake the waiting future.
#![allow(unsafe_code)] // exports and imports across the wasm boundary are raw by nature

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

#[link(wasm_import_module = "gzrs_platform")]
extern "C" {
    #[link_name = "log"]
    fn host_log(level: u32, line: *const u8, line_len: usize);
    #[link_name = "sleep"]
    fn host_sleep(call: u32, ms: f64);
    /// `head` is `{"method", "url", "headers": [[name, value], ...]}`.
    #[link_name = "fetch"]
    fn host_fetch(call: u32, head: *const u8, head_len: usize, body: *const u8, body_len: usize);
    /// The future waiting on `call` was dropped: the host may stop working on it.
    #[link_name = "cancel"]
    fn host_cancel(call: u32);
}

/// A line to the console at `level` (1 error .. 5 trace).
pub fn log(level: u32, line: &str) {
    // SAFETY: the host reads the string during the call and keeps no pointer.
    unsafe { host_log(level, line.as_ptr(), line.len()) }
}

pub fn sleep(ms: f64) -> HostCall {
    // SAFETY: a plain call with numbers.
    HostCall::start(|call| unsafe { host_sleep(call, ms) })
}

pub fn fetch(head: &[u8], body: &[u8]) -> HostCall {
    // SAFETY: the host copies both slices during the call and keeps no pointer.
    HostCall::start(|call| unsafe {
        host_fetch(call, head.as_ptr(), head.len(), body.as_ptr(), body.len())
    })
}

struct Call {
    waker: Option<Waker>,
    buffer: Vec<u8>,
    /// `Some(true)` answered, `Some(false)` failed (the buffer holds why).
    done: Option<bool>,
}

thread_local! {
    static CALLS: RefCell<HashMap<u32, Call>> = RefCell::new(HashMap::new());
    static LAST_CALL: Cell<u32> = const { Cell::new(0) };
}

/// A request to the host, answered later: its answer's bytes, or why it failed. Only an id
/// crosses threads, so it is `Send` as axum requires (the instance has one thread anyway).
#[derive(Debug)]
pub struct HostCall {
    id: u32,
}

impl HostCall {
    fn start(ask: impl FnOnce(u32)) -> HostCall {
        let id = LAST_CALL.with(|last| {
            let id = last.get().wrapping_add(1);
            last.set(id);
            id
        });
        CALLS.with(|calls| {
            calls.borrow_mut().insert(
                id,
                Call {
                    waker: None,
                    buffer: Vec::new(),
                    done: None,
                },
            )
        });
        ask(id);
        HostCall { id }
    }
}

impl Future for HostCall {
    type Output = Result<Vec<u8>, String>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        CALLS.with(|calls| {
            let mut calls = calls.borrow_mut();
            let Some(call) = calls.get_mut(&self.id) else {
                return Poll::Ready(Err("the host call was already answered".into()));
            };
            match call.done {
                None => {
                    call.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
                Some(ok) => {
                    let buffer = calls.remove(&self.id).map(|c| c.buffer).unwrap_or_default();
                    Poll::Ready(if ok {
                        Ok(buffer)
                    } else {
                        Err(String::from_utf8_lossy(&buffer).into_owned())
                    })
                }
            }
        })
    }
}

impl Drop for HostCall {
    fn drop(&mut self) {
        let unanswered = CALLS.with(|calls| {
            calls
                .borrow_mut()
                .remove(&self.id)
                .is_some_and(|call| call.done.is_none())
        });
        if unanswered {
            // SAFETY: a plain call with a number.
            unsafe { host_cancel(self.id) }
        }
    }
}

/// Room for the answer to `call`, `len` bytes, for the host to fill before
/// [`gzrs_platform_complete`]. Null if nobody waits for that call any more.
#[no_mangle]
pub extern "C" fn gzrs_platform_buffer(call: u32, len: usize) -> *mut u8 {
    CALLS.with(|calls| match calls.borrow_mut().get_mut(&call) {
        Some(call) => {
            call.buffer = vec![0; len];
            call.buffer.as_mut_ptr()
        }
        None => std::ptr::null_mut(),
    })
}

/// `call` is answered (`ok` 1) or failed (`ok` 0, the buffer says why): wakes its future.
#[no_mangle]
pub extern "C" fn gzrs_platform_complete(call: u32, ok: u32) {
    let waker = CALLS.with(|calls| {
        let mut calls = calls.borrow_mut();
        let call = calls.get_mut(&call)?;
        call.done = Some(ok == 1);
        call.waker.take()
    });
    if let Some(waker) = waker {
        waker.wake();
    }
}
