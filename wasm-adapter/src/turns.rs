//! Tokio inside an instance whose host must never block.
//!
//! A service's futures are polled inside a current-thread tokio runtime's context, so
//! `tokio::time::sleep`, `tokio::time::timeout`, tower's timeout and `tokio::spawn` find a
//! runtime. The runtime only makes progress in *turns*, which the host drives:
//!
//! 1. After every poll of a request (and when the host's timer fires) the instance runs one turn:
//!    `block_on` of a probe future that is pending until the turn is over. Tokio runs whatever
//!    is runnable, then parks its time driver for as long as its next timer allows.
//! 2. On `wasm32-wasip1` without threads, tokio parks with `std::thread::sleep`, which is the
//!    WASI call `poll_oneoff` with that duration. The host answers it without sleeping: it
//!    notes the duration as its own `setTimeout` for the next turn, and calls back
//!    [`interrupt`], which defers the probe's waker onto tokio's own list of yielded tasks (the
//!    same thing `tokio::task::yield_now` does). Tokio wakes that list as soon as its park
//!    returns, the probe completes, and `block_on` returns.
//!
//! So timers fire when they are due, other requests go on meanwhile, and an idle instance costs
//! nothing. A probe timer a day away keeps the park a timed one (tokio would otherwise wait on a
//! condition variable, which panics without threads); the host ignores waits that long.
//!
//! Without a tokio runtime (no feature) all of this is a no-op.

#[cfg(feature = "tokio")]
mod runtime {
    use std::cell::{Cell, OnceCell, RefCell};
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    thread_local! {
        static RUNTIME: OnceCell<tokio::runtime::Runtime> = const { OnceCell::new() };
        /// The probe's waker while a turn is parked.
        static PROBE: RefCell<Option<Waker>> = const { RefCell::new(None) };
        /// Set by [`interrupt`]: the turn is over.
        static INTERRUPTED: Cell<bool> = const { Cell::new(false) };
        static TURNING: Cell<bool> = const { Cell::new(false) };
    }

    fn with_runtime<T>(f: impl FnOnce(&tokio::runtime::Runtime) -> T) -> T {
        RUNTIME.with(|cell| {
            f(cell.get_or_init(|| {
                let mut builder = tokio::runtime::Builder::new_current_thread();
                #[cfg(feature = "tokio-time")]
                builder.enable_time();
                builder
                    .build()
                    .expect("a current-thread tokio runtime builds on wasm32-wasip1")
            }))
        })
    }

    pub fn in_context<T>(f: impl FnOnce() -> T) -> T {
        let handle = with_runtime(|rt| rt.handle().clone());
        let _entered = handle.enter();
        f()
    }

    pub fn turn() {
        // A turn never nests: a wake-up during one only queues a poll on the host.
        if TURNING.replace(true) {
            return;
        }
        with_runtime(|rt| {
            #[cfg(feature = "tokio-time")]
            rt.block_on(async {
                // Made inside `block_on`: a timer needs the runtime's context to be created.
                let mut probe_timer =
                    pin!(tokio::time::sleep(std::time::Duration::from_secs(86_400)));
                std::future::poll_fn(|cx| {
                    if INTERRUPTED.replace(false) {
                        return Poll::Ready(());
                    }
                    let _ = probe_timer.as_mut().poll(cx);
                    PROBE.with(|probe| *probe.borrow_mut() = Some(cx.waker().clone()));
                    Poll::Pending
                })
                .await
            });
            // Without timers tokio never parks for long: one yield runs what is runnable.
            #[cfg(not(feature = "tokio-time"))]
            rt.block_on(tokio::task::yield_now());
        });
        PROBE.with(|probe| probe.borrow_mut().take());
        TURNING.set(false);
    }

    pub fn interrupt() -> bool {
        let Some(waker) = PROBE.with(|probe| probe.borrow_mut().take()) else {
            return false;
        };
        INTERRUPTED.set(true);
        // Polling `yield_now` once defers `waker` onto the scheduler's list of yielded tasks,
        // which tokio wakes right after its park returns; calling `wake` here instead would
        // take the parker's lock, which the sleeping park holds.
        let mut yielded = pin!(tokio::task::yield_now());
        let _ = yielded.as_mut().poll(&mut Context::from_waker(&waker));
        true
    }

    /// Tasks the service spawned on tokio that are still alive (work that may outlive the
    /// response). Counting them needs tokio 1.39; without it, none are known of.
    pub fn background_tasks() -> u32 {
        #[cfg(feature = "tokio-task-count")]
        return with_runtime(|rt| rt.metrics().num_alive_tasks()) as u32;
        #[cfg(not(feature = "tokio-task-count"))]
        0
    }

    /// After a request was polled: a turn, unless the request is done and tokio has no task of
    /// its own (nothing spawned), in which case nothing can be runnable or newly timed. Skipping
    /// it saves about 2 µs of a small request. Counting tasks needs tokio 1.39 (`gzrs build`
    /// turns `tokio-task-count` on when the service's tokio is that new).
    pub fn after_poll(done: bool) {
        #[cfg(feature = "tokio-task-count")]
        if done && with_runtime(|rt| rt.metrics().num_alive_tasks()) == 0 {
            return;
        }
        let _ = done;
        turn();
    }
}

#[cfg(not(feature = "tokio"))]
mod runtime {
    pub fn in_context<T>(f: impl FnOnce() -> T) -> T {
        f()
    }
    pub fn turn() {}
    pub fn interrupt() -> bool {
        false
    }
    pub fn after_poll(_done: bool) {}
    pub fn background_tasks() -> u32 {
        0
    }
}

pub(crate) use runtime::{after_poll, background_tasks, in_context, interrupt, turn};
