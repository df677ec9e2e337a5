//! The boundary with the JavaScript host: plain exports and imports over the instance's memory
//! (wasm-bindgen compiles its runtime out on WASI, so it is not used). `build/js-host/genezio/wasm-host.mjs`
//! and `build/js-host/core/wasm-service.mjs` are the other side.
//!
//! A request goes in as one buffer the host fills (from [`gzrs_alloc`]): the request's head
//! (the request object's JSON, or gzrs-core's compact head), then the raw body. Its answer
//! comes out through the host's `respond` import, called synchronously with pointers into this
//! memory that the host copies from at once; or, for a compact request whose body is not
//! complete at once, through `respond_head`, `respond_chunk`s and `respond_end` as the service
//! produces it.
#![allow(unsafe_code)] // exports and imports across the wasm boundary are raw by nature

use bytes::Bytes;

#[link(wasm_import_module = "gzrs")]
extern "C" {
    /// Asks the host to call [`gzrs_poll`] for this task soon.
    #[link_name = "wake"]
    fn host_wake(task: u32);
    /// A panic is under way, just before the instance traps: its message, and the message with
    /// its source location for the log.
    #[link_name = "panicked"]
    fn host_panicked(message: *const u8, message_len: usize, detail: *const u8, detail_len: usize);
    /// Task `task` is done: the response head as JSON (`{statusCode, headers, body?}`, `body`
    /// present for a text body), and the binary body apart when `has_binary` is 1.
    #[link_name = "respond"]
    fn host_respond(
        task: u32,
        head: *const u8,
        head_len: usize,
        body: *const u8,
        body_len: usize,
        has_binary: u32,
    );
    /// Task `task` streams its answer: the head (gzrs-core's compact head) now, its body in
    /// `respond_chunk`s as the service produces it, then `respond_end`.
    #[link_name = "respond_head"]
    fn host_respond_head(task: u32, head: *const u8, head_len: usize);
    /// Bytes of a streaming task's body. Answers 1 if the host wants more now, 0 if its client
    /// has enough unread: the host then polls the task again once the client has read.
    #[link_name = "respond_chunk"]
    fn host_respond_chunk(task: u32, bytes: *const u8, len: usize) -> u32;
    /// A streaming task's body has ended: cleanly (`failed` 0), or with an error (1).
    #[link_name = "respond_end"]
    fn host_respond_end(task: u32, failed: u32);
    /// The service wants the next chunk of task `task`'s streamed request body: the host reads
    /// it and hands it over with [`gzrs_body_chunk`], or says it ended with [`gzrs_body_end`].
    #[link_name = "request_body_read"]
    fn host_request_body_read(task: u32);
}

pub(crate) fn wake(task: u32) {
    // SAFETY: a plain call to the host with a number.
    unsafe { host_wake(task) }
}

pub(crate) fn panicked(message: &str, detail: &str) {
    // SAFETY: the host reads both strings during the call and keeps no pointer.
    unsafe {
        host_panicked(
            message.as_ptr(),
            message.len(),
            detail.as_ptr(),
            detail.len(),
        )
    }
}

pub(crate) fn respond(task: u32, head: &str, binary: Option<&[u8]>) {
    let (body, body_len) = binary.map_or((std::ptr::null(), 0), |b| (b.as_ptr(), b.len()));
    // SAFETY: the host copies both slices during the call and keeps no pointer.
    unsafe {
        host_respond(
            task,
            head.as_ptr(),
            head.len(),
            body,
            body_len,
            u32::from(binary.is_some()),
        )
    }
}

pub(crate) fn respond_head(task: u32, head: &str) {
    // SAFETY: the host copies the slice during the call and keeps no pointer.
    unsafe { host_respond_head(task, head.as_ptr(), head.len()) }
}

/// Whether the host wants more of the body now.
pub(crate) fn respond_chunk(task: u32, bytes: &[u8]) -> bool {
    // SAFETY: the host copies the slice during the call and keeps no pointer.
    unsafe { host_respond_chunk(task, bytes.as_ptr(), bytes.len()) != 0 }
}

pub(crate) fn request_body_read(task: u32) {
    // SAFETY: a plain call to the host with a number.
    unsafe { host_request_body_read(task) }
}

pub(crate) fn respond_end(task: u32, failed: bool) {
    // SAFETY: a plain call to the host with numbers.
    unsafe { host_respond_end(task, u32::from(failed)) }
}

extern "C" {
    /// wasm-ld's function that runs static constructors (wasi-libc's among them).
    fn __wasm_call_ctors();
}

/// The reactor's initializer, which the host calls once per instance before `gzrs_init`.
/// Defining it matters beyond running constructors: a module without one is linked as a
/// *command*, and wasm-ld then wraps every export to run the constructors and destructors
/// around each call, every request included.
#[no_mangle]
pub extern "C" fn _initialize() {
    // SAFETY: called once per instance by the host, before any other export.
    unsafe { __wasm_call_ctors() }
}

/// A buffer of `len` bytes for the host to fill with a request, handed back to [`gzrs_start`].
#[no_mangle]
pub extern "C" fn gzrs_alloc(len: usize) -> *mut u8 {
    let mut buffer = Vec::<u8>::with_capacity(len.max(1));
    let ptr = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    ptr
}

/// Starts request `task` from the buffer at `ptr` (from [`gzrs_alloc`] with
/// `meta_len + body_len` bytes): the request's head (JSON or compact), then the raw body,
/// absent when `body_len` is -1. Answers 1 if the task is done (it has answered through
/// `respond`), 0 if it is pending (its waker will call the host).
#[no_mangle]
pub extern "C" fn gzrs_start(task: u32, ptr: *mut u8, meta_len: usize, body_len: isize) -> u32 {
    let total = meta_len + body_len.max(0) as usize;
    // SAFETY: the host allocated `ptr` with `gzrs_alloc(total)` and filled all `total` bytes;
    // ownership comes back here exactly once.
    let buffer = unsafe { Vec::from_raw_parts(ptr, total, total.max(1)) };
    let buffer = Bytes::from(buffer);
    let raw_body = (body_len >= 0).then(|| buffer.slice(meta_len..));
    u32::from(crate::start(task, &buffer[..meta_len], raw_body.into()))
}

/// Starts request `task` as [`gzrs_start`] does, its head (compact) in the buffer at `ptr` (from
/// [`gzrs_alloc`] with `meta_len` bytes) and its body streamed in by the host as the service
/// reads it (`request_body_read`, [`gzrs_body_chunk`], [`gzrs_body_end`]). A body past `limit`
/// bytes ends with the error axum's extractors answer 413 for.
#[no_mangle]
pub extern "C" fn gzrs_start_streamed(
    task: u32,
    ptr: *mut u8,
    meta_len: usize,
    limit: usize,
) -> u32 {
    // SAFETY: as in `gzrs_start`, with no body bytes after the head.
    let meta = unsafe { Vec::from_raw_parts(ptr, meta_len, meta_len.max(1)) };
    let body = gzrs_core::Body::streaming(crate::request_body::FedBody::new(task), limit);
    u32::from(crate::start(
        task,
        &meta,
        gzrs_core::RequestBody::Streaming(body),
    ))
}

/// The next chunk of task `task`'s streamed request body, in the buffer at `ptr` (from
/// [`gzrs_alloc`] with `len` bytes, which this takes over). Answers 0 when nobody reads that body
/// any more (the service dropped it, or the task ended): the host then stops reading it.
#[no_mangle]
pub extern "C" fn gzrs_body_chunk(task: u32, ptr: *mut u8, len: usize) -> u32 {
    // SAFETY: the host allocated `ptr` with `gzrs_alloc(len)` and filled it; ownership comes
    // back here exactly once.
    let chunk = unsafe { Vec::from_raw_parts(ptr, len, len.max(1)) };
    u32::from(crate::request_body::chunk(task, Bytes::from(chunk)))
}

/// Task `task`'s streamed request body has ended: all of it sent (`failed` 0), or cut short
/// (1: the client went away, or its body failed).
#[no_mangle]
pub extern "C" fn gzrs_body_end(task: u32, failed: u32) {
    crate::request_body::end(task, failed != 0);
}

/// How many tasks the instance holds (started, not yet answered): the soak checks it returns
/// to zero.
#[no_mangle]
pub extern "C" fn gzrs_pending_tasks() -> u32 {
    crate::pending_tasks()
}

/// Polls a pending task once; answers like [`gzrs_start`].
#[no_mangle]
pub extern "C" fn gzrs_poll(task: u32) -> u32 {
    u32::from(crate::poll(task))
}

/// How many tasks the service spawned on tokio are still alive: work that outlives its response,
/// which the host keeps the instance running for (Workers' `ctx.waitUntil`).
#[no_mangle]
pub extern "C" fn gzrs_background_tasks() -> u32 {
    crate::turns::background_tasks()
}

/// Drops task `task` (its client went away): its future and, for a streaming answer, the
/// service's body, whose `Drop` runs now. Unknown ids are ignored.
#[no_mangle]
pub extern "C" fn gzrs_cancel(task: u32) {
    crate::cancel(task);
}

/// A turn of tokio's runtime: runs spawned tasks, fires expired timers and, through the host's
/// `poll_oneoff`, tells the host when the next timer is due. Called by the host's timer.
#[no_mangle]
pub extern "C" fn gzrs_turn() {
    crate::turns::turn();
}

/// Called by the host's `poll_oneoff` while it reads a sleep's deadline: answers 1 if that sleep
/// is tokio's park inside a turn (the turn then ends instead of sleeping), 0 if it is a real
/// `std::thread::sleep` the host must honour.
#[no_mangle]
pub extern "C" fn gzrs_turn_interrupt() -> u32 {
    u32::from(crate::turns::interrupt())
}
