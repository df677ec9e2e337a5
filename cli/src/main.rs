//! # gzrs
//!
//! Runs a Rust HTTP service (an axum `Router`, or any `tower::Service` over `http` types) where
//! only JavaScript runs, in wasm mode or native mode: as a fetch handler for Node, Deno, Bun and
//! Cloudflare Workers (`--platform web`), as a server for containers (`--platform server`), or
//! as a Genezio project. `gzrs build` writes the build, `gzrs local` serves it, `gzrs bench`
//! compares the modes with plain JavaScript, `gzrs sdk` writes a typed class's SDK, and `gzrs
//! new` starts a crate.

mod deploy;
mod dev;
mod local;
mod new;
mod sdk;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::TypedValueParser as _;
use clap::{Parser, Subcommand, ValueEnum as _};
use gzrs_build::{BuildArgs, LocalArgs, Mode, UserCrate};

#[derive(Parser, Debug)]
#[command(
    name = "gzrs",
    version,
    about = "Run a Rust HTTP service where only JavaScript runs: Node, Deno, Bun, Cloudflare Workers, Genezio, or as a native server",
    long_about = None,
    after_help = "Examples:
  gzrs new my-service && cd my-service
  gzrs local --platform web            # serve it with Node on http://localhost:8080
  gzrs build --platform web            # a fetch handler for Node, Deno, Bun and Workers
  gzrs build --platform server         # static executables serving $PORT, and a Dockerfile
  gzrs build --mode wasm               # a Genezio project
  gzrs deploy --to cloudflare          # build a Worker and run wrangler deploy

gzrs looks for Cargo.toml in the current directory and above it, as cargo does."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a new service crate: a plain library with `pub fn app() -> axum::Router`.
    #[command(after_help = "Examples:
  gzrs new my-service
  cd my-service && gzrs local --platform web")]
    New {
        /// Directory to create; its last component is the crate name.
        path: PathBuf,
    },
    /// Build a service crate: a fetch handler (`--platform web`), a folder a platform's own
    /// tool deploys (`cloudflare`, `deno`, `netlify`, `vercel`), a server (`--platform server`)
    /// or a Genezio project (the default, with `--mode`).
    ///
    /// A Genezio project (genezio.yaml and a backend folder) deploys with `genezio deploy` and
    /// runs with `genezio local`, unmodified; its routes are served at
    /// `/<class>/<method>/<your routes>`. Every other platform serves them at `/`, or under
    /// `--base-path`. Class, method and the function that builds the service come from
    /// `[package.metadata.gzrs]` in the crate's Cargo.toml.
    ///
    /// The service compiles with the crate's own `[profile.release]` (its workspace root's, as
    /// cargo reads it) over gzrs's defaults: opt-level 3 (`z` for Genezio's executable), lto,
    /// one codegen unit. The panic strategy stays gzrs's: abort in wasm, unwind natively.
    #[command(after_help = "Examples:
  gzrs build --platform web                    # target/gzrs/web: handler.mjs, server.mjs, the module
  gzrs build --platform web --base-path /api   # the routes answer under /api
  gzrs build --platform cloudflare             # target/gzrs/cloudflare: worker.mjs, wrangler.toml
  gzrs build --platform vercel                 # target/gzrs/vercel: api/index.mjs, vercel.json
  gzrs build --platform server                 # executables for x86_64 and arm64, and a Dockerfile
  gzrs build --mode wasm                       # a Genezio project, wasm mode
  gzrs build --mode native --arch arm64        # a Genezio project for genezio-aws's CPU only
  gzrs build --mode ab --out ab                # both modes as two classes of one project")]
    Build(BuildArgs),
    /// Build and serve the service locally (Ctrl-C to stop).
    ///
    /// With `--platform web`, under a real JavaScript runtime (`--runtime`); with `--platform
    /// server`, this machine's executable. A Genezio project runs as a Lambda runs it: Genezio's
    /// deploy bundle under a real Node runtime loop (aws-lambda-ric when installed) against gzrs's
    /// Lambda Runtime API emulator, so in native mode the executable really takes over the
    /// Runtime API; `curl localhost:PORT/<class>/<method>/...` reaches it.
    #[command(
        mut_arg("mode", |arg| arg.value_parser(clap::builder::PossibleValuesParser::new([
            clap::builder::PossibleValue::new("wasm").help("wasm32-wasip1, run by the JavaScript host"),
            clap::builder::PossibleValue::new("native").help("this machine's executable: the trap under a Lambda runtime, or the sidecar under `genezio local`"),
        ]).map(|mode| Mode::from_str(&mode, true).expect("a listed mode")))),
        after_help = "Examples:
  gzrs local --platform web                                # Node, on http://localhost:8080
  gzrs local --platform web --runtime workerd --var TOKEN=dev
  gzrs local --platform server                             # this machine's executable, on :8080
  gzrs local --mode native                                 # as genezio-aws runs it, on :8083
  gzrs local --mode wasm --genezio                         # under the real `genezio local`"
    )]
    Local(LocalArgs),
    /// Build, serve, and build again and restart on every change to the crate's sources.
    ///
    /// Serves as `gzrs local` does, on the web platform by default (or `--platform server`, or
    /// `--platform genezio` with a mode). A build that fails shows the compiler's errors while
    /// the last good build keeps serving.
    #[command(
        mut_arg("platform", |arg| arg.default_value("web")),
        mut_arg("mode", |arg| arg.value_parser(clap::builder::PossibleValuesParser::new(["wasm", "native"])
            .map(|mode| Mode::from_str(&mode, true).expect("a listed mode")))),
        after_help = "Examples:
  gzrs dev                                   # Node, on http://localhost:8080
  gzrs dev --runtime deno --port 3000
  gzrs dev --platform server                 # this machine's executable
  gzrs dev --platform genezio --mode native  # as genezio-aws runs it, on :8083"
    )]
    Dev(LocalArgs),
    /// Build the service for a platform and deploy it with that platform's own tool.
    ///
    /// `--to cloudflare` runs `wrangler deploy` (wrangler 4, on Node.js 22.12 or later), `--to
    /// deno` runs `deno deploy`, `--to netlify` runs `netlify deploy --build --prod` (Node.js
    /// 22.13 or later), `--to vercel` runs `vercel deploy --prod`, `--to genezio` runs `genezio
    /// deploy` (with `--mode`). The tool
    /// is the one on PATH, or in node_modules/.bin, or else run with `npx` at the version gzrs is
    /// tested with; its own messages (a login it needs, say) are shown as they are.
    #[command(
        mut_arg("platform", |arg| arg
            .long("to")
            .value_name("PLATFORM")
            .required(true)
            .default_value(None::<&str>)
            .help("Where to deploy: cloudflare, deno, netlify, vercel or genezio (the web and server outputs are deployed by hand: see their READMEs)")),
        after_help = "Examples:
  gzrs deploy --to cloudflare --dry-run   # wrangler's offline check and the Worker's size
  gzrs deploy --to cloudflare             # wrangler deploy
  gzrs deploy --to deno                   # deno deploy
  gzrs deploy --to vercel --dry-run       # vercel build, offline
  gzrs deploy --to genezio --mode wasm    # genezio deploy"
    )]
    Deploy(deploy::DeployArgs),
    /// Compare wasm mode, native mode and plain JavaScript, side by side in one run.
    ///
    /// With `--platform web`, on each JavaScript runtime: the wasm fetch handler, the native
    /// server and a JavaScript fetch handler with the same routes (the floor). Otherwise, on
    /// Genezio's two providers: both modes and a TypeScript Genezio class, each Genezio bundle
    /// under a real Node runtime loop against gzrs's Runtime API emulator. Measures cold start,
    /// warm latency (sequential and concurrent), throughput, size and memory, interleaving the
    /// contestants. With --url, measures deployed endpoints.
    #[command(after_help = "Examples:
  gzrs bench --platform web                          # every runtime: wasm, native, JavaScript
  gzrs bench --platform web --runtimes deno --quick  # one runtime, a quick look
  gzrs bench --platform web --twin twin.mjs --routes '/sieve,POST /summary @order.json'
                                                     # against the same routes in JavaScript
  gzrs bench --json bench.json                       # Genezio's providers, figures as JSON
  gzrs bench --url wasm=https://example.com/MyServiceWasm/api --url native=https://example.com/MyServiceNative/api")]
    Bench(gzrs_bench::BenchArgs),
    /// Write the TypeScript SDK of the crate's typed methods, calling a URL of your choosing.
    ///
    /// Genezio's own generator writes it (`genezio sdk`, the npm package `genezio`), so a
    /// frontend keeps the client it had on Genezio and only its URL changes.
    #[command(after_help = "Examples:
  gzrs sdk --url https://my-service.example.com
  gzrs sdk --url http://localhost:8080 --out ../frontend/sdk")]
    Sdk(sdk::SdkArgs),
    /// A Lambda runtime that answers every event at once: the benchmark's overhead probe.
    #[command(name = "__null-runtime", hide = true)]
    NullRuntime { class: String, method: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::New { path } => new::run(&path),
        Command::Build(args) => build(&args),
        Command::Local(args) => local::run(args),
        Command::Dev(args) => dev::run(args),
        Command::Deploy(args) => deploy::run(&args),
        Command::Bench(args) => gzrs_bench::run(args),
        Command::Sdk(args) => sdk::run(&args),
        Command::NullRuntime { class, method } => gzrs_bench::run_null_runtime(&class, &method),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// `gzrs build`: the arguments before the crate (a missing --mode is said as such), then the
/// build, then what to do with it.
fn build(args: &BuildArgs) -> anyhow::Result<()> {
    args.mode()?;
    let krate = UserCrate::load(&args.path)?;
    let out = gzrs_build::build(&krate, args)?;
    eprintln!("{}", args.platform.get().done_message(&out));
    Ok(())
}
