//! # gzrs
//!
//! Runs a Rust HTTP service (an axum `Router`, or any `tower::Service` over `http` types) where
//! only JavaScript runs, in wasm mode or native mode: as a fetch handler for Node, Deno, Bun and
//! Cloudflare Workers (`--platform web`), as a server for containers (`--platform server`), or
//! as a Genezio project. `gzrs build` writes the build, `gzrs local` serves it, `gzrs bench`
//! compares the modes with plain JavaScript, `gzrs sdk` writes a typed class's SDK, and `gzrs
//! new` starts a crate.

mod bench;
mod describe;
mod dev;
mod genezio;
mod js_host;
mod local;
mod native;
mod new;
mod progress;
mod project;
mod sdk;
mod server;
mod toolchain;
mod usize_scan;
mod wasi_c;
mod wasm;
mod wasm_check;
mod wasm_opt;
mod web;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::builder::TypedValueParser as _;
use clap::{Parser, Subcommand, ValueEnum};

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
    /// Build a service crate: a fetch handler (`--platform web`), a server (`--platform server`)
    /// or a Genezio project (the default, with `--mode`).
    ///
    /// A Genezio project (genezio.yaml and a backend folder) deploys with `genezio deploy` and
    /// runs with `genezio local`, unmodified; its routes are served at
    /// `/<class>/<method>/<your routes>`. The web and server builds serve them at `/`, or under
    /// `--base-path`. Class, method and the function that builds the service come from
    /// `[package.metadata.gzrs]` in the crate's Cargo.toml.
    #[command(after_help = "Examples:
  gzrs build --platform web                    # target/gzrs/web: handler.mjs, server.mjs, the module
  gzrs build --platform web --base-path /api   # the routes answer under /api
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
  gzrs bench --json bench.json                       # Genezio's providers, figures as JSON
  gzrs bench --url wasm=https://example.com/MyServiceWasm/api --url native=https://example.com/MyServiceNative/api")]
    Bench(bench::BenchArgs),
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

#[derive(clap::Args, Debug, Clone)]
pub struct LocalArgs {
    #[command(flatten)]
    build: BuildArgs,
    /// Port to serve on [default: 8083 for genezio, 8080 for web].
    #[arg(long)]
    port: Option<u16>,
    /// With `--platform web`: the JavaScript runtime that serves the build.
    #[arg(long, value_enum, default_value_t = web::Runtime::Node)]
    runtime: web::Runtime,
    /// With `--platform web`: a variable of the service's environment, `NAME=VALUE` (repeat
    /// for more; the crate's `.dev.vars` file is read too). On workerd these are the only ones,
    /// as Workers' vars; the other runtimes also pass on their own environment.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// Serve under the real `genezio local` instead (in native mode: the sidecar).
    #[arg(long)]
    genezio: bool,
    /// The Node runtime loop that runs the bundle.
    #[arg(long, value_enum, default_value_t = local::NodeRuntime::Auto)]
    node_runtime: local::NodeRuntime,
    /// Seconds an invocation may run before it times out (and the runtime restarts).
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

#[derive(clap::Args, Debug, Clone)]
pub struct BuildArgs {
    /// How the service runs: `wasm` inside the Node class, or `native` as its own executable
    /// [default with `--platform web`: wasm].
    #[arg(long, value_enum, required_if_eq("platform", "genezio"))]
    mode: Option<Mode>,
    /// Where it runs: `genezio` (a Genezio project), `web` (a fetch handler for Node, Deno, Bun
    /// and Cloudflare Workers; wasm mode), or `server` (executables serving HTTP themselves, for
    /// containers; native mode).
    #[arg(long, value_enum, default_value_t = Platform::Genezio)]
    platform: Platform,
    /// With `--platform web` or `server`: the path the service is served under (`/api`: a
    /// request for `/api/users` reaches the route `/users`) [default: `/`].
    #[arg(long, value_name = "PATH")]
    base_path: Option<String>,
    /// Build the native executable for this CPU only [default: both arm64 and x86_64, and the
    /// class runs the one for the CPU it finds itself on (genezio-cloud runs x86_64, genezio-aws
    /// arm64); for `gzrs local`, this machine's]. genezio.yaml's `architecture` is arm64 unless
    /// this says x86_64.
    #[arg(long, value_enum)]
    arch: Option<native::Arch>,
    /// Output directory [default: <target dir>/gzrs/<mode>].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Do not run `npm install` in the generated backend folder.
    #[arg(long)]
    no_install: bool,
    /// Ship the wasm module as rustc built it (only stripped), without binaryen's `wasm-opt`
    /// [default: optimize with `wasm-opt -Oz` when it is installed, or `GZRS_WASM_OPT` names it;
    /// it makes the module about 12% smaller, and a build without it says so and goes on].
    #[arg(long)]
    no_wasm_opt: bool,
    /// Show the full output of cargo and npm.
    #[arg(long, short)]
    verbose: bool,
    /// The service crate: a directory with Cargo.toml, or one inside it (as cargo, gzrs looks
    /// upward).
    #[arg(default_value = ".")]
    path: PathBuf,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// A Genezio project: genezio.yaml and a backend folder with the generated class.
    Genezio,
    /// A folder any JavaScript runtime serves: `handler.mjs` (`export default { fetch }`) for
    /// Deno, Bun and Cloudflare Workers, and `server.mjs` for Node.
    Web,
    /// Static executables that serve HTTP on $PORT themselves, and a `FROM scratch`
    /// Dockerfile: for containers (native mode).
    Server,
}

impl BuildArgs {
    /// The mode, which `--platform web` implies.
    pub fn mode(&self) -> anyhow::Result<Mode> {
        match (self.platform, self.mode) {
            (Platform::Web, None | Some(Mode::Wasm)) => Ok(Mode::Wasm),
            (Platform::Web, Some(other)) => anyhow::bail!(
                "--platform web runs the service as wasm in the JavaScript runtime: leave out --mode {} (or use --platform genezio)",
                other.name()
            ),
            (Platform::Server, None | Some(Mode::Native)) => Ok(Mode::Native),
            (Platform::Server, Some(other)) => anyhow::bail!(
                "--platform server runs the service's own executable: leave out --mode {} (or use --platform web for wasm)",
                other.name()
            ),
            (Platform::Genezio, Some(mode)) => Ok(mode),
            (Platform::Genezio, None) => {
                anyhow::bail!("--mode is required: wasm, native or ab (see gzrs build --help)")
            }
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::New { path } => new::run(&path),
        Command::Build(args) => build(&args).map(|out| match args.platform {
            Platform::Genezio => {
                eprintln!("\nGenezio project written to {}", out.display());
                eprintln!("  run it:    cd {} && genezio local", out.display());
                eprintln!("  deploy it: cd {} && genezio deploy", out.display());
            }
            Platform::Server => {
                eprintln!("\nServer written to {}", out.display());
                eprintln!("  run it:   PORT=8080 {}/service-amd64", out.display());
                eprintln!(
                    "  image:    cd {} && docker build -t my-service .",
                    out.display()
                );
            }
            Platform::Web => {
                eprintln!("\nFetch handler written to {}", out.display());
                eprintln!("  Node: cd {} && node server.mjs", out.display());
                eprintln!("  Deno: cd {} && deno serve -A handler.mjs", out.display());
                eprintln!("  Bun:  cd {} && bun handler.mjs", out.display());
                eprintln!("  deploying: {}", out.join("README.md").display());
            }
        }),
        Command::Local(args) => run_local(args),
        Command::Dev(args) => dev::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Sdk(args) => sdk::run(&args),
        Command::NullRuntime { class, method } => bench::run_null_runtime(&class, &method),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_local(mut args: LocalArgs) -> anyhow::Result<()> {
    let host = native::Arch::host()?;
    match args.build.arch {
        Some(arch) if arch != host && args.build.mode == Some(Mode::Native) => anyhow::bail!(
            "an {} executable cannot run on this {} machine: leave out --arch for `gzrs local`",
            arch.genezio_name(),
            host.genezio_name()
        ),
        _ => args.build.arch = Some(host),
    }
    // `ab` is not offered: `gzrs local` serves one class (`gzrs build --mode ab`, then `genezio
    // local`, serves both).
    let mode = args.build.mode()?;
    if args.build.platform != Platform::Genezio {
        let krate = project::UserCrate::load(&args.build.path)?;
        if args.build.platform == Platform::Web {
            args.runtime.find(krate.dir())?;
        }
        let out = build_crate(&krate, &args.build)?;
        let base = args.build.base_path.clone().unwrap_or_default();
        let base = format!("/{}", base.trim_matches('/'));
        let vars = local_vars(&args, krate.dir())?;
        if args.build.platform == Platform::Server {
            return server::serve(
                &out,
                args.port.unwrap_or(web::DEFAULT_PORT),
                args.build.base_path.as_deref(),
                &vars,
            );
        }
        return web::serve(
            args.runtime,
            &vars,
            krate.dir(),
            &out,
            args.port.unwrap_or(web::DEFAULT_PORT),
            base.trim_end_matches('/'),
        );
    }
    let port = args.port.unwrap_or(local::DEFAULT_PORT);
    let genezio = local::find_genezio()?;
    let krate = project::UserCrate::load(&args.build.path)?;
    let out = build_crate(&krate, &args.build)?;
    if args.genezio {
        return local::run_genezio_local(&genezio, &out, port);
    }
    // Per crate: two services of one workspace can be served side by side.
    let work = krate
        .target_dir
        .join("gzrs/local")
        .join(&krate.name)
        .join(mode.name());
    let task = local::bundle(
        &genezio,
        &out,
        &krate.config.class,
        "aws",
        &work,
        args.build.verbose,
    )?;
    local::serve(
        &task,
        args.node_runtime,
        port,
        &format!("/{}/{}", krate.config.class, krate.config.method),
        std::time::Duration::from_secs(args.timeout),
    )
}

/// The service's environment for `gzrs local` and `gzrs dev` on the web and server platforms:
/// the crate's `.dev.vars`, then each `--var`.
fn local_vars(
    args: &LocalArgs,
    crate_dir: &std::path::Path,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut vars = web::dev_vars(crate_dir);
    for var in &args.vars {
        let (name, value) = var
            .split_once('=')
            .with_context(|| format!("--var {var:?} is not NAME=VALUE"))?;
        vars.push((name.to_string(), value.to_string()));
    }
    Ok(vars)
}

fn build(args: &BuildArgs) -> anyhow::Result<PathBuf> {
    // The arguments before the crate: a missing --mode is said as such.
    args.mode()?;
    let krate = project::UserCrate::load(&args.path)?;
    build_crate(&krate, args)
}

fn build_crate(krate: &project::UserCrate, args: &BuildArgs) -> anyhow::Result<PathBuf> {
    let _lock = project::BuildLock::take(&krate.target_dir)?;
    let mut krate = krate.clone();
    krate.typed = describe::describe(&krate, args.verbose)?;
    let krate = &krate;
    let mode = args.mode()?;
    if args.base_path.is_some() && args.platform == Platform::Genezio {
        anyhow::bail!("--base-path is for --platform web and server: on Genezio, routes answer at /<Class>/<method>/");
    }
    let out = args.out.clone().unwrap_or_else(|| {
        let name = match args.platform {
            Platform::Web => "web",
            Platform::Server => "server",
            Platform::Genezio => mode.name(),
        };
        krate.target_dir.join("gzrs").join(name)
    });
    if args.platform == Platform::Server {
        let payload = native::build(krate, args)?;
        server::write(krate, &out, payload, args.base_path.as_deref())?;
        return Ok(out);
    }
    if args.platform == Platform::Web {
        let module = wasm::build(krate, args)?;
        web::write(krate, &out, module, args.base_path.as_deref())?;
        return Ok(out);
    }
    let class = &krate.config.class;
    let wasm = |name: String| -> anyhow::Result<genezio::Class> {
        Ok(genezio::Class {
            name,
            mode: Mode::Wasm,
            payload: wasm::build(krate, args)?,
        })
    };
    let native = |name: String| -> anyhow::Result<genezio::Class> {
        Ok(genezio::Class {
            name,
            mode: Mode::Native,
            payload: native::build(krate, args)?,
        })
    };
    let classes = match mode {
        Mode::Wasm => vec![wasm(class.clone())?],
        Mode::Native => vec![native(class.clone())?],
        Mode::Ab => vec![
            wasm(format!("{class}Wasm"))?,
            native(format!("{class}Native"))?,
        ],
    };
    genezio::write_project(krate, &out, &classes, args)?;
    Ok(out)
}
