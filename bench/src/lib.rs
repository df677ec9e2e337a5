//! `gzrs bench`: the service in wasm mode, in native mode, and a plain TypeScript Genezio class
//! (the floor: Node's own cost, no Rust at all), each run exactly as a Lambda runs it — Genezio's
//! aws bundle under a real Node runtime loop against gzrs's Runtime API emulator — and measured
//! side by side: cold start, warm latency (sequential and concurrent), throughput, size and
//! memory. Contestants alternate (A B C A B C ...) so the machine's drift hits all alike, and
//! every figure is also given as a ratio to the floor, measured in the same run.
//!
//! `--url NAME=URL` measures deployed endpoints instead (warm latency and throughput).

mod cloud;
mod contestants;
mod floor;
mod lambda;
mod measure;
mod null_runtime;
mod progress;
mod remote;
mod report;
mod stats;
mod web;

use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use serde::Serialize;

pub use null_runtime::run as run_null_runtime;
use stats::Summary;

use gzrs_build::platform::genezio::lambda_local::NodeRuntime;
use gzrs_build::platform::web::runtime::Runtime;
use gzrs_build::PlatformName;

#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// The service crate: a directory with Cargo.toml, or one inside it.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Smaller sizes (5 cold starts, 100 requests each): a run in under a minute once built.
    #[arg(long)]
    quick: bool,
    /// Cold starts per contestant [default: 20, 5 with --quick].
    #[arg(long, value_name = "N")]
    cold: Option<usize>,
    /// Warm requests per contestant, for each of sequential and concurrent
    /// [default: 500, 100 with --quick].
    #[arg(long, value_name = "N")]
    requests: Option<usize>,
    /// Requests in flight at once in the concurrent phase.
    #[arg(long, default_value_t = 10, value_name = "N")]
    concurrency: usize,
    /// Requests to measure, comma-separated: `GET /`, `POST /echo`, `/path` (GET). A POST sends a
    /// small JSON body [default: `GET /`, and `POST /echo` if the service answers it].
    #[arg(long, value_delimiter = ',', value_name = "ROUTES")]
    routes: Vec<String>,
    /// Measure deployed endpoints instead of building: `--url wasm=https://... --url
    /// native=https://...` (the URL of `/<class>/<method>`; routes are appended).
    #[arg(long = "url", value_name = "NAME=URL")]
    urls: Vec<String>,
    /// Write every figure (and every sample) as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Where to draw the latency distributions of the contestants side by side, as SVG
    /// [default: beside the JSON, or <target dir>/gzrs/bench/<crate>.svg].
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Which Genezio provider to model: `aws` (genezio-aws: the aws bundle under a Node
    /// runtime loop against the Runtime API emulator, the class built at init, native mode as
    /// the trap), `cloud` (genezio-cloud, where new projects land: the genezio bundle's handler
    /// in one Node process behind an HTTP front, the class built in the first request, native
    /// mode as the sidecar; also that handler called in-process, without HTTP, for what each
    /// mode adds per request), or both, one after the other.
    #[arg(long, value_enum, default_value_t = Provider::Both)]
    provider: Provider,
    /// Where to measure: `genezio` (both providers' models, with a TypeScript class as the
    /// floor) or `web` (on each JavaScript runtime: the wasm fetch handler, the native server,
    /// and a JavaScript fetch handler with the same routes as the floor).
    #[arg(long, value_enum, default_value_t = PlatformName::Genezio)]
    platform: PlatformName,
    /// With `--platform web`: the runtimes to measure on, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Runtime::Node, Runtime::Deno, Runtime::Bun, Runtime::Workerd])]
    runtimes: Vec<Runtime>,
    /// The Node runtime loop that runs the aws bundles.
    #[arg(long, value_enum, default_value_t = NodeRuntime::Auto)]
    node_runtime: NodeRuntime,
    /// Show the full output of cargo, npm and Genezio.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Aws,
    Cloud,
    Both,
}

impl BenchArgs {
    fn cold_starts(&self) -> usize {
        self.cold.unwrap_or(if self.quick { 5 } else { 20 })
    }

    fn warm_requests(&self) -> usize {
        self.requests.unwrap_or(if self.quick { 100 } else { 500 })
    }
}

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
        let body = if matches!(method.as_str(), "GET" | "HEAD" | "DELETE" | "OPTIONS") {
            Vec::new()
        } else {
            br#"{"message":"hello from gzrs bench"}"#.to_vec()
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
    fn this() -> Machine {
        Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            arch: std::env::consts::ARCH,
            os: std::env::consts::OS,
        }
    }
}

/// Where the chart goes when no path is given: the crate's target dir, named after the crate
/// and what was measured; for deployed URLs outside a crate, the current directory.
fn default_chart(args: &BenchArgs) -> PathBuf {
    let suffix = if !args.urls.is_empty() {
        "-urls"
    } else if args.platform == PlatformName::Web {
        "-web"
    } else {
        ""
    };
    match gzrs_build::UserCrate::load(&args.path) {
        Ok(krate) => krate
            .target_dir
            .join("gzrs/bench")
            .join(format!("{}{suffix}.svg", krate.name)),
        Err(_) => PathBuf::from(format!("gzrs-bench{suffix}.svg")),
    }
}

pub fn run(args: BenchArgs) -> Result<()> {
    if args.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    let routes = args
        .routes
        .iter()
        .map(|spec| Route::parse(spec))
        .collect::<Result<Vec<_>>>()?;
    let reports = if !args.urls.is_empty() {
        vec![remote::run(&args, routes)?]
    } else if args.platform == PlatformName::Web {
        web::run(&args, routes)?
    } else if args.platform == PlatformName::Server {
        bail!("gzrs bench --platform web measures the native server beside the fetch handlers")
    } else {
        let mut reports = Vec::new();
        if matches!(args.provider, Provider::Aws | Provider::Both) {
            reports.push(lambda::run(&args, routes.clone())?);
        }
        if matches!(args.provider, Provider::Cloud | Provider::Both) {
            reports.push(cloud::run(&args, routes)?);
        }
        reports
    };
    for report in &reports {
        print!("{}", report::table(report));
    }
    if let Some(path) = &args.json {
        report::write_json(&reports, path)?;
        eprintln!("figures written to {}", path.display());
    }
    let chart = match (&args.svg, &args.json) {
        (Some(path), _) => path.clone(),
        (None, Some(json)) => json.with_extension("svg"),
        (None, None) => default_chart(&args),
    };
    if let Some(dir) = chart.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    report::write_svg(&reports, &chart)?;
    eprintln!("chart written to {}", chart.display());
    for report in &reports {
        let failed: Vec<_> = report
            .contestants
            .iter()
            .filter(|c| c.failed.is_some())
            .map(|c| c.name.as_str())
            .collect();
        if failed.len() == report.contestants.len() {
            bail!("every contestant failed ({})", failed.join(", "));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_parse_with_or_without_a_method() {
        let get = Route::parse("/hello/x").unwrap();
        assert_eq!(
            (get.method.as_str(), get.path.as_str()),
            ("GET", "/hello/x")
        );
        assert!(get.body.is_empty());
        let post = Route::parse(" post /echo ").unwrap();
        assert_eq!(
            (post.method.as_str(), post.path.as_str()),
            ("POST", "/echo")
        );
        assert!(!post.body.is_empty());
        assert!(Route::parse("GET nowhere").is_err());
        assert!(Route::parse("G(T /x").is_err());
    }
}
