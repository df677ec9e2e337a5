//! # gzrs-native
//!
//! The native entry of a gzrs service: the user's `tower::Service` linked into a static
//! executable, which the generated Genezio class starts or a container runs. It runs one of
//! three ways:
//!
//! - **the trap** ([`lambda`]): with `AWS_LAMBDA_RUNTIME_API` set, it polls the Lambda Runtime API
//!   itself (through AWS's `lambda_runtime`) and answers every event as Genezio's own handler
//!   would, so the Node runtime that started it never handles a request;
//! - **the sidecar** ([`sidecar`]): `--sidecar SOCKET` serves request objects that the class
//!   forwards over a unix socket, where there is no Runtime API to take over (`genezio local`,
//!   genezio-cloud);
//! - **the server** (`http_server`, with the `server` feature): anywhere else (a container),
//!   it serves HTTP on `$PORT` itself,
//!   with a class's typed methods at `POST /<Class>`.
//!
//! Both go through [`gzrs_core`], as the wasm mode does, so a request means the same thing in
//! every mode. A panicking handler answers 500 with the panic's message, and the next request is
//! served. Before anything else the executable checks its own bytes against what the class
//! recorded ([`integrity`]), so a damaged or stale executable never serves.
//!
//! A user never calls this crate: `gzrs build --mode native` generates the `main` that does,
//! `gzrs_native::start(user_crate::app, "Class", "method")`.

#[cfg(feature = "server")]
pub mod http_server;
pub mod integrity;
pub mod lambda;
#[cfg(target_arch = "x86_64")]
mod memcpy;
mod serve;
pub mod sidecar;

use std::fmt::Display;
use std::process::ExitCode;

/// For the entries of services written for lambda_http: a function URL's request context.
pub use gzrs_core::function_url;
pub use gzrs_core::lambda::Target;
use gzrs_core::Body;
use http::{Request, Response};
use tower_service::Service;

pub use serve::answer;

/// The allocator the generated `main` installs, unless the service declares its own
/// `#[global_allocator]`. musl's allocator (mallocng) unmaps a group of same-sized blocks as
/// soon as its last block is freed, so a request that allocates a few kilobytes and frees them
/// (a router's future, a body) paid an `mmap` and a `munmap` every time: about a fifth of a
/// small request's time through the sidecar. dlmalloc keeps freed memory for reuse and gives
/// back only what stays unused at the top of its heap (over 2 MB).
pub use dlmalloc::GlobalDlmalloc as Allocator;

/// The allocator of a server on every core: dlmalloc has one lock, and with a thread per CPU the
/// threads spent a third of their time waiting on it (perf, 64 connections). mimalloc keeps a
/// heap per thread. It is C, so the build installs it only where it finds a C compiler for the
/// target.
#[cfg(feature = "mimalloc")]
pub use mimalloc::MiMalloc as ThreadedAllocator;

/// What the executable was asked to do.
#[derive(Debug, PartialEq)]
enum Role {
    Trap,
    Sidecar(String),
    Http,
    Usage(String),
}

/// The trap where there is a Lambda Runtime API to take over, the sidecar when the class asks
/// for one, and otherwise (a container, a terminal) an HTTP server of its own.
fn role(args: &[String], runtime_api: Option<&str>) -> Role {
    match args {
        [flag, socket] if flag == "--sidecar" => Role::Sidecar(socket.clone()),
        [] if runtime_api.is_some_and(|api| !api.is_empty()) => Role::Trap,
        [] if cfg!(feature = "server") => Role::Http,
        [flag] if flag == "--http" && cfg!(feature = "server") => Role::Http,
        [] => Role::Usage(
            "AWS_LAMBDA_RUNTIME_API is not set, so there is no Lambda to serve (`gzrs build --platform server` builds an executable that serves HTTP itself)".to_string(),
        ),
        other => Role::Usage(format!(
            "unexpected arguments {other:?} (no arguments serves HTTP on $PORT, or takes over the Lambda Runtime API where there is one)"
        )),
    }
}

/// Installs the console logger for good (unless the service installed its own subscriber);
/// calling it again does nothing more.
pub fn prepare() {
    gzrs_platform::log::init();
}

/// Builds the service with `build`, then serves it as [`main`] does. While it is being built the
/// console logger is this thread's default only, so records from its construction reach the log
/// and a service that installs its own subscriber (tracing-subscriber's `.init()`) still can.
/// The generated `main` calls this.
pub fn start<F, S, B>(build: F, class: &'static str, method: &'static str) -> ExitCode
where
    F: FnOnce() -> S,
    S: Service<Request<Body>, Response = Response<B>> + Clone + 'static,
    S::Error: Display,
    B: http_body::Body + 'static,
    B::Error: Display,
{
    start_class(build, class, method, &[])
}

/// [`start`] for a class with typed methods named `methods` (JSON-RPC and cron), which the
/// service built by `build` answers (gzrs-class's `serve`). The generated `main` of such a class
/// calls this.
pub fn start_class<F, S, B>(
    build: F,
    class: &'static str,
    method: &'static str,
    methods: &'static [&'static str],
) -> ExitCode
where
    F: FnOnce() -> S,
    S: Service<Request<Body>, Response = Response<B>> + Clone + 'static,
    S::Error: Display,
    B: http_body::Body + 'static,
    B::Error: Display,
{
    let service = match built(build) {
        Ok(service) => service,
        Err(code) => return code,
    };
    let target = Target {
        class,
        http_method: method,
        methods,
    };
    main(service, target)
}

/// [`start_class`] for the container server (`--platform server`), with a service whose futures
/// are `Send`: it serves HTTP on every core. The generated `main` of the server calls this, or
/// [`start_class`] when the service's futures are not `Send` (it then runs on one thread).
#[cfg(feature = "server")]
pub fn start_server<F, S, B>(
    build: F,
    class: &'static str,
    method: &'static str,
    methods: &'static [&'static str],
) -> ExitCode
where
    F: FnOnce() -> S,
    S: Service<Request<Body>, Response = Response<B>> + Clone + Send + Sync + 'static,
    S::Future: Send,
    S::Error: Display,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Display,
{
    let service = match built(build) {
        Ok(service) => service,
        Err(code) => return code,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime_api = std::env::var("AWS_LAMBDA_RUNTIME_API").ok();
    if role(&args, runtime_api.as_deref()) != Role::Http {
        let target = Target {
            class,
            http_method: method,
            methods,
        };
        return main(service, target);
    }
    prepare();
    finish(
        http_server::run_threaded(service, class).map_err(Into::into),
        class,
    )
}

/// The service `build` makes, once the executable has checked its own bytes (a damaged or stale
/// executable must not serve). While it is built the console logger is this thread's default only.
fn built<F: FnOnce() -> S, S>(build: F) -> Result<S, ExitCode> {
    if let Err(why) = integrity::check() {
        eprintln!("{why}");
        return Err(ExitCode::from(integrity::CORRUPT_EXIT));
    }
    let _scoped = gzrs_platform::log::scoped();
    Ok(build())
}

/// The exit code for how serving ended, said on stderr when it failed.
fn finish(result: Result<(), Box<dyn std::error::Error + Send + Sync>>, class: &str) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gzrs: the native service `{class}` stopped: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `service` as the class `target`: the trap when a Lambda Runtime API is present, the
/// sidecar when asked for one. Returns only when serving ends.
pub fn main<S, B>(service: S, target: Target<'static>) -> ExitCode
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + 'static,
    S::Error: Display,
    B: http_body::Body + 'static,
    B::Error: Display,
{
    prepare();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime_api = std::env::var("AWS_LAMBDA_RUNTIME_API").ok();
    let class = target.class;
    let result = match role(&args, runtime_api.as_deref()) {
        Role::Trap => lambda::run(service, target),
        Role::Sidecar(socket) => sidecar::run(service, &socket).map_err(Into::into),
        #[cfg(feature = "server")]
        Role::Http => http_server::run(service, class).map_err(Into::into),
        #[cfg(not(feature = "server"))]
        Role::Http => unreachable!("the HTTP role needs the `server` feature"),
        Role::Usage(why) => {
            eprintln!(
                "gzrs: this is the native half of the gzrs service `{class}`, started by its Genezio class; {why}.\n\
                 To run the service locally: `gzrs local --mode native`."
            );
            return ExitCode::from(2);
        }
    };
    finish(result, class)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_role_follows_arguments_then_the_runtime_api() {
        assert_eq!(
            role(&args(&["--sidecar", "/tmp/s"]), Some("127.0.0.1:9001")),
            Role::Sidecar("/tmp/s".into())
        );
        assert_eq!(role(&[], Some("127.0.0.1:9001")), Role::Trap);
        let http = |role: Role| match cfg!(feature = "server") {
            true => role == Role::Http,
            false => matches!(role, Role::Usage(_)),
        };
        assert!(http(role(&[], None)));
        assert!(http(role(&[], Some(""))));
        assert!(http(role(&args(&["--http"]), Some("127.0.0.1:9001"))));
        assert!(matches!(role(&args(&["--sidecar"]), None), Role::Usage(_)));
    }
}

/// An axum `Router` is served on every core: its futures are `Send`.
#[cfg(all(test, feature = "server"))]
#[allow(dead_code)]
fn an_axum_router_is_served_threaded() -> ExitCode {
    start_server(axum::Router::new, "A", "api", &[])
}
