//! What a run measures: the routes it sends, each contestant's figures, and the report of the
//! whole run.

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::stats::Summary;

/// One request the benchmark sends.
#[derive(Debug, Clone, Serialize)]
pub struct Route {
    pub method: String,
    pub path: String,
    #[serde(skip)]
    pub body: Vec<u8>,
}

impl Route {
    pub fn parse(spec: &str) -> Result<Route> {
        let spec = spec.trim();
        let (method, path) = match spec.split_once(' ') {
            Some((method, path)) => (method.trim().to_ascii_uppercase(), path.trim()),
            None => ("GET".to_owned(), spec),
        };
        if !path.starts_with('/') {
            bail!("a route is `METHOD /path` or `/path`, not {spec:?}");
        }
        if http::Method::from_bytes(method.as_bytes()).is_err() {
            bail!("{method:?} is not an HTTP method (in route {spec:?})");
        }
        // `POST /path @file`: the body is the file's bytes.
        let (path, body_file) = match path.split_once(char::is_whitespace) {
            Some((path, file)) => (path, Some(file.trim())),
            None => (path, None),
        };
        let body = match body_file {
            Some(file) => {
                let Some(file) = file.strip_prefix('@') else {
                    bail!("a route's body is `@FILE` after the path, as in `POST /summary @order.json`, not {spec:?}");
                };
                std::fs::read(file)
                    .with_context(|| format!("could not read {file}, the body of route {spec:?}"))?
            }
            None if matches!(method.as_str(), "GET" | "HEAD" | "DELETE" | "OPTIONS") => Vec::new(),
            None => br#"{"message":"hello from gzrs bench"}"#.to_vec(),
        };
        Ok(Route {
            method,
            path: path.to_owned(),
            body,
        })
    }

    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Figures for one contestant.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Figures {
    /// Spawn to the first `next`: the function's init.
    pub init_ms: Option<Summary>,
    /// Spawn to the first response.
    pub first_response_ms: Option<Summary>,
    /// One request at a time, all routes together.
    pub sequential_ms: Option<Summary>,
    /// The same, route by route (`METHOD /path`), when more than one was measured.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sequential_by_route: Vec<(String, Summary)>,
    /// With `concurrency` requests in flight.
    pub concurrent_ms: Option<Summary>,
    /// Requests per second in the concurrent phase.
    pub throughput_rps: Option<f64>,
    /// genezio-cloud model only: microseconds a request takes through Genezio's own handler
    /// called in-process, no HTTP (one sample per fresh process, after a warm-up): what each
    /// mode adds to Genezio's per-request path.
    pub handler_us: Option<Summary>,
    /// genezio-cloud model only: the first call of that handler in a fresh process (the class
    /// built inside it), in milliseconds.
    pub handler_first_ms: Option<Summary>,
    /// Requests that did not get a 2xx/3xx answer.
    pub errors: usize,
    /// The service's artifact: the `.wasm` module or the executable.
    pub artifact_bytes: Option<u64>,
    /// Genezio's deploy bundle (bundle.zip).
    pub bundle_bytes: Option<u64>,
    /// The largest resident set the function's processes reached, summed over them.
    pub peak_rss_bytes: Option<u64>,
}

/// A contestant: its figures, or why it could not be measured.
#[derive(Debug, Clone, Serialize)]
pub struct Contestant {
    pub name: String,
    pub description: String,
    pub failed: Option<String>,
    pub figures: Figures,
}

/// A whole run.
#[derive(Debug, Serialize)]
pub struct Report {
    pub app: String,
    /// "local" (built and run here) or "remote".
    pub kind: &'static str,
    /// For a local run, the provider modelled: "aws" (the bundle under a Node runtime loop
    /// against the Runtime API emulator) or "cloud" (genezio-cloud's handler in one Node process
    /// behind an HTTP front, the class constructed in the first request).
    pub provider: Option<&'static str>,
    pub node_runtime: Option<String>,
    pub routes: Vec<Route>,
    pub cold_starts: usize,
    pub requests: usize,
    pub concurrency: usize,
    /// The floor the ratios are taken against.
    pub floor: Option<String>,
    pub contestants: Vec<Contestant>,
    /// The tool's own cost: the emulator's round trip for a runtime that does nothing.
    pub overhead: Option<Contestant>,
    pub machine: Machine,
}

#[derive(Debug, Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub arch: &'static str,
    pub os: &'static str,
}

impl Machine {
    pub fn this() -> Machine {
        Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            arch: std::env::consts::ARCH,
            os: std::env::consts::OS,
        }
    }
}
