//! What a build and a local serve are asked for: `gzrs build`'s and `gzrs local`'s arguments,
//! shared by the CLI and the bench.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::ValueEnum;

use crate::native::Arch;
use crate::platform::genezio::lambda_local::NodeRuntime;
use crate::platform::web::runtime::Runtime;
use crate::wasm::WasmOptions;

#[derive(clap::Args, Debug, Clone)]
pub struct LocalArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    /// Port to serve on [default: 8083 for genezio, 8000 for deno, 8080 otherwise].
    #[arg(long)]
    pub port: Option<u16>,
    /// With `--platform web`: the JavaScript runtime that serves the build.
    #[arg(long, value_enum, default_value_t = Runtime::Node)]
    pub runtime: Runtime,
    /// With `--platform web`: a variable of the service's environment, `NAME=VALUE` (repeat
    /// for more; the crate's `.dev.vars` file is read too). On workerd these are the only ones,
    /// as Workers' vars; the other runtimes also pass on their own environment.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Serve under the real `genezio local` instead (in native mode: the sidecar).
    #[arg(long)]
    pub genezio: bool,
    /// The Node runtime loop that runs the bundle.
    #[arg(long, value_enum, default_value_t = NodeRuntime::Auto)]
    pub node_runtime: NodeRuntime,
    /// Seconds an invocation may run before it times out (and the runtime restarts).
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
}

#[derive(clap::Args, Debug, Clone)]
pub struct BuildArgs {
    /// How the service runs: `wasm` inside the Node class, or `native` as its own executable
    /// [default: wasm on every platform but genezio, native on server].
    #[arg(long, value_enum, required_if_eq("platform", "genezio"))]
    pub mode: Option<Mode>,
    /// Where it runs: `genezio` (a Genezio project), `web` (a fetch handler for Node, Bun, Deno
    /// and workerd; wasm mode), `cloudflare` (a Worker for wrangler), `deno` (for Deno and Deno
    /// Deploy), `netlify` or `vercel` (a Function for each), or `server` (executables serving HTTP themselves, for containers; native mode).
    #[arg(long, value_enum, default_value_t = PlatformName::Genezio)]
    pub platform: PlatformName,
    /// With a platform other than genezio: the path the service is served under (`/api`: a
    /// request for `/api/users` reaches the route `/users`) [default: `/`].
    #[arg(long, value_name = "PATH")]
    pub base_path: Option<String>,
    /// Build the native executable for this CPU only [default: both arm64 and x86_64, and the
    /// class runs the one for the CPU it finds itself on (genezio-cloud runs x86_64, genezio-aws
    /// arm64); for `gzrs local`, this machine's]. genezio.yaml's `architecture` is arm64 unless
    /// this says x86_64.
    #[arg(long, value_enum)]
    pub arch: Option<Arch>,
    /// Output directory [default: <target dir>/gzrs/<mode>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Do not run `npm install` in the generated backend folder.
    #[arg(long)]
    pub no_install: bool,
    /// Ship the wasm module as rustc built it (only stripped), without binaryen's `wasm-opt`
    /// [default: optimize with `wasm-opt -Oz` when it is installed, or `GZRS_WASM_OPT` names it;
    /// it makes the module about 12% smaller, and a build without it says so and goes on].
    #[arg(long)]
    pub no_wasm_opt: bool,
    /// Show the full output of cargo and npm.
    #[arg(long, short)]
    pub verbose: bool,
    /// The service crate: a directory with Cargo.toml, or one inside it (as cargo, gzrs looks
    /// upward).
    #[arg(default_value = ".")]
    pub path: PathBuf,
}

impl BuildArgs {
    /// How the wasm module is built.
    pub fn wasm_options(&self) -> WasmOptions {
        WasmOptions {
            optimize: !self.no_wasm_opt,
            verbose: self.verbose,
        }
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// wasm32-wasip1 (std works: clocks, env, stdout), loaded by the generated class: one artifact for arm64 and x86_64.
    Wasm,
    /// A static musl executable for each CPU (or `--arch`), started by the generated class: it
    /// takes over the Lambda Runtime API on genezio-aws (the trap) and runs beside Node elsewhere
    /// (the sidecar).
    Native,
    /// Both, as two classes of one project, `<Class>Wasm` and `<Class>Native`: one `genezio
    /// deploy` puts them side by side, for `gzrs bench --url` to compare.
    Ab,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Wasm => "wasm",
            Mode::Native => "native",
            Mode::Ab => "ab",
        }
    }
}

/// `--platform`: where the service runs.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformName {
    /// A Genezio project: genezio.yaml and a backend folder with the generated class.
    Genezio,
    /// A folder any JavaScript runtime serves: `handler.mjs` (`export default { fetch }`) for
    /// Bun and Deno, `server.mjs` for Node, and `worker.mjs` with `workerd.capnp` for workerd.
    Web,
    /// Static executables that serve HTTP on $PORT themselves, and a `FROM scratch`
    /// Dockerfile: for containers (native mode).
    Server,
    /// A Worker for Cloudflare: `worker.mjs` and `wrangler.toml`, which `wrangler deploy` takes
    /// as they are.
    Cloudflare,
    /// Deno and Deno Deploy: `main.mjs`, which imports the module and needs no file access.
    Deno,
    /// A Netlify Function with the module, for `netlify deploy --build`.
    Netlify,
    /// A Vercel Function with the module, every path routed to it, for `vercel deploy`.
    Vercel,
}

impl LocalArgs {
    /// The service's environment for `gzrs local` and `gzrs dev` on the web and server
    /// platforms: the crate's `.dev.vars`, then each `--var`.
    pub fn vars(&self, crate_dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
        let mut vars = crate::serve::dev_vars(crate_dir);
        for var in &self.vars {
            let (name, value) = var
                .split_once('=')
                .with_context(|| format!("--var {var:?} is not NAME=VALUE"))?;
            vars.push((name.to_string(), value.to_string()));
        }
        Ok(vars)
    }
}
