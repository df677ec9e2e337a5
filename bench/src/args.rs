//! `gzrs bench`'s arguments.

use std::path::PathBuf;

use gzrs_build::platform::genezio::lambda_local::NodeRuntime;
use gzrs_build::platform::web::runtime::Runtime;
use gzrs_build::PlatformName;

#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// The service crate: a directory with Cargo.toml, or one inside it.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Smaller sizes (5 cold starts, 100 requests each): a run in under a minute once built.
    #[arg(long)]
    pub quick: bool,
    /// Cold starts per contestant [default: 20, 5 with --quick].
    #[arg(long, value_name = "N")]
    pub cold: Option<usize>,
    /// Warm requests per contestant, for each of sequential and concurrent
    /// [default: 500, 100 with --quick].
    #[arg(long, value_name = "N")]
    pub requests: Option<usize>,
    /// Requests in flight at once in the concurrent phase.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub concurrency: usize,
    /// Requests to measure, comma-separated: `GET /`, `POST /echo`, `/path` (GET), `POST /path
    /// @FILE` (the file's bytes as the body; otherwise a POST sends a small JSON body). Each
    /// route also gets its own row [default: `GET /`, and `POST /echo` if the service answers it].
    #[arg(long, value_delimiter = ',', value_name = "ROUTES")]
    pub routes: Vec<String>,
    /// Measure deployed endpoints instead of building: `--url wasm=https://... --url
    /// native=https://...` (the URL of `/<class>/<method>`; routes are appended).
    #[arg(long = "url", value_name = "NAME=URL")]
    pub urls: Vec<String>,
    /// Write every figure (and every sample) as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Where to draw the latency distributions of the contestants side by side, as SVG
    /// [default: beside the JSON, or <target dir>/gzrs/bench/<crate>.svg].
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Which Genezio provider to model: `aws` (genezio-aws: the aws bundle under a Node
    /// runtime loop against the Runtime API emulator, the class built at init, native mode as
    /// the trap), `cloud` (genezio-cloud, where new projects land: the genezio bundle's handler
    /// in one Node process behind an HTTP front, the class built in the first request, native
    /// mode as the sidecar; also that handler called in-process, without HTTP, for what each
    /// mode adds per request), or both, one after the other.
    #[arg(long, value_enum, default_value_t = Provider::Both)]
    pub provider: Provider,
    /// Where to measure: `genezio` (both providers' models, with a TypeScript class as the
    /// floor), `web` (on each JavaScript runtime: the wasm fetch handler, the native server,
    /// and a JavaScript fetch handler with the same routes as the floor) or `server` (the server
    /// executable beside the same app() under axum::serve, driven by wrk at 1 and 64
    /// connections; GET routes, e.g. `--routes /,/sleep/20`).
    #[arg(long, value_enum, default_value_t = PlatformName::Genezio)]
    pub platform: PlatformName,
    /// With `--platform web`: the JavaScript contestant is this fetch handler (a module with
    /// `export default { fetch }`), the same routes written in JavaScript, instead of gzrs's
    /// floor (a handler that answers GET with a short text and echoes a POST's body).
    /// For instance `gzrs bench --platform web --twin examples/compute/twin.mjs --routes
    /// /sieve,/sort examples/compute`.
    #[arg(long, value_name = "FILE")]
    pub twin: Option<PathBuf>,
    /// With `--platform web`: the runtimes to measure on, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Runtime::Node, Runtime::Deno, Runtime::Bun, Runtime::Workerd])]
    pub runtimes: Vec<Runtime>,
    /// The Node runtime loop that runs the aws bundles.
    #[arg(long, value_enum, default_value_t = NodeRuntime::Auto)]
    pub node_runtime: NodeRuntime,
    /// Show the full output of cargo, npm and Genezio.
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Aws,
    Cloud,
    Both,
}

impl BenchArgs {
    pub fn cold_starts(&self) -> usize {
        self.cold.unwrap_or(if self.quick { 5 } else { 20 })
    }

    pub fn warm_requests(&self) -> usize {
        self.requests.unwrap_or(if self.quick { 100 } else { 500 })
    }
}
