//! Per-request cost of the wasm path — Genezio request object in, response object out, through
//! the generated host, the wasm boundary and gzrs-core — beside the same router called natively
//! in-process, measured the same way in one run: the median over batches of the time per
//! request in a batch of sequential requests.
//!
//! `cargo bench -p gzrs-wasm --bench request_path` needs `examples/hello` built in wasm mode at
//! `GZRS_BENCH_PROJECT` (default: target/gzrs/wasm); `scripts/run.sh` builds it and runs this.
//! The wasm side runs in node through `bench/js/request-path.mjs`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use futures_util::FutureExt;
use http_body_util::BodyExt;
use tower::ServiceExt;

const BATCHES: usize = 31;
const BATCH_SIZE: usize = 2000;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Nanoseconds per request through the wasm path, median over batches.
fn wasm_path(project: &Path, route: &str, body: usize, batch_size: usize) -> f64 {
    let output = Command::new("node")
        .arg(repo().join("bench/js/request-path.mjs"))
        .arg(project)
        .args([
            "Hello/api",
            route,
            &body.to_string(),
            &BATCHES.to_string(),
            &batch_size.to_string(),
        ])
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The last line: the host logs its start line before it.
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .lines()
        .last()
        .unwrap_or_default()
        .parse()
        .expect("nanoseconds")
}

/// Nanoseconds per request for the router alone, natively: no Genezio, no wasm.
fn native(route: &str, body: usize, batch_size: usize) -> f64 {
    let app = hello::app();
    let payload = bytes_of(body);
    let one = || {
        let mut request = http::Request::builder()
            .method(if body > 0 { "POST" } else { "GET" })
            .uri(route)
            .header("host", "localhost")
            .header("user-agent", "bench")
            .header("accept", "*/*");
        if body > 0 {
            request = request.header("content-type", "text/plain");
        }
        let request = request.body(gzrs_core::Body::new(payload.clone())).unwrap();
        let response = app
            .clone()
            .oneshot(request)
            .now_or_never()
            .unwrap()
            .unwrap();
        let bytes = response
            .into_body()
            .collect()
            .now_or_never()
            .unwrap()
            .unwrap()
            .to_bytes();
        std::hint::black_box(bytes);
    };
    let warm = Instant::now();
    while warm.elapsed().as_millis() < 500 {
        one();
    }
    let mut per_request: Vec<f64> = (0..BATCHES)
        .map(|_| {
            let start = Instant::now();
            (0..batch_size).for_each(|_| one());
            start.elapsed().as_nanos() as f64 / batch_size as f64
        })
        .collect();
    per_request.sort_by(f64::total_cmp);
    per_request[BATCHES / 2]
}

fn bytes_of(n: usize) -> bytes::Bytes {
    bytes::Bytes::from("x".repeat(n))
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would pass nothing useful here.
    let project = std::env::var_os("GZRS_BENCH_PROJECT")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/gzrs/wasm"));
    if !project.join("server/gzrs/service.wasm").exists() {
        eprintln!("no wasm build at {}: run `gzrs build --mode wasm examples/hello` first (scripts/run.sh does)", project.display());
        std::process::exit(2);
    }
    println!("request path, examples/hello, median of {BATCHES} batches (ns per request)");
    println!(
        "{:<14} {:>12} {:>12} {:>14} {:>8}",
        "case", "native", "wasm path", "wasm - native", "ratio"
    );
    for (name, route, body, batch) in [
        ("small GET", "/", 0usize, BATCH_SIZE),
        ("64 KiB echo", "/echo", 64 * 1024, BATCH_SIZE / 20),
    ] {
        let native = native(route, body, batch);
        let wasm = wasm_path(&project, route, body, batch);
        println!(
            "{name:<14} {native:>12.0} {wasm:>12.0} {:>14.0} {:>7.1}x",
            wasm - native,
            wasm / native
        );
    }
}
