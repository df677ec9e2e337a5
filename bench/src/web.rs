//! `gzrs bench --platform web`: on each JavaScript runtime (Node, Deno, Bun, workerd), the wasm
//! fetch handler next to a plain JavaScript fetch handler with the same routes (the floor: what
//! the runtime costs by itself) and the native server, each its own process on this machine.
//! Cold start: a fresh process from spawn to its first answer, in wall time and in CPU time
//! (every thread's, from the kernel's scheduler statistics, to the nanosecond); then warm
//! latency, one request at a time and with `--concurrency` in flight, and throughput, with the
//! contestants taking turns.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::args::BenchArgs;
use crate::figures::{Contestant, Machine, Report, Route};
use crate::remote::{self, Endpoint};
use crate::stats::Summary;
use gzrs_build::js_host::host_file;
use gzrs_build::native::Arch;
use gzrs_build::platform::web::runtime::Runtime;
use gzrs_build::{BuildArgs, PlatformName, UserCrate};

const FLOOR_HANDLER: &str = include_str!("../js/floors/floor-handler.mjs");
/// How long a contestant may take to answer its first request.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// One contestant: how to start it on a port.
struct Entry {
    name: String,
    description: String,
    /// What it runs: the module, the executable, the handler.
    artifact: PathBuf,
    start: Box<dyn Fn(u16) -> Result<Command>>,
}

pub fn run(args: &BenchArgs, mut routes: Vec<Route>) -> Result<Vec<Report>> {
    let krate = UserCrate::load(&args.path)?;
    let work = krate
        .target_dir
        .join("gzrs/bench")
        .join(&krate.name)
        .join("web");
    let build = |platform: PlatformName, out: PathBuf| BuildArgs {
        mode: None,
        platform,
        base_path: None,
        arch: Some(Arch::host().unwrap_or_default()),
        out: Some(out),
        no_install: true,
        no_wasm_opt: false,
        verbose: args.verbose,
        path: args.path.clone(),
    };
    let wasm = gzrs_build::build(&krate, &build(PlatformName::Web, work.join("wasm")))?;
    let native = gzrs_build::build(&krate, &build(PlatformName::Server, work.join("native")))?;
    let native = native.join(gzrs_build::platform::server::binary_name(Arch::host()?));
    let floor = write_floor(&work.join("javascript"), args.twin.as_deref())?;

    let runtimes: Vec<(Runtime, PathBuf)> = args
        .runtimes
        .iter()
        .filter_map(|runtime| match runtime.find(krate.dir()) {
            Ok(binary) => Some((*runtime, binary)),
            Err(error) => {
                gzrs_build::progress::warn(&format!("{error:#}; left out"));
                None
            }
        })
        .collect();
    if runtimes.is_empty() {
        bail!("none of the runtimes asked for was found (see the warnings above)");
    }
    let default_routes = routes.is_empty();
    if default_routes {
        routes.push(Route::parse("GET /")?);
    }

    let mut reports = Vec::new();
    for (runtime, binary) in runtimes {
        let js = {
            let (binary, floor) = (binary.clone(), floor.clone());
            Entry {
                name: "javascript".into(),
                artifact: floor.join("handler.mjs"),
                description: match &args.twin {
                    Some(twin) => format!("{} on {}", twin.display(), runtime.name()),
                    None => format!(
                        "a JavaScript fetch handler, the same routes, on {}",
                        runtime.name()
                    ),
                },
                start: Box::new(move |port| runtime.command(&binary, &floor, port, &[])),
            }
        };
        let wasm_entry = {
            let (binary, wasm) = (binary.clone(), wasm.clone());
            Entry {
                name: "wasm".into(),
                artifact: wasm.join("gzrs").join(gzrs_build::wasm::MODULE_FILE),
                description: format!("gzrs's fetch handler (wasm) on {}", runtime.name()),
                start: Box::new(move |port| runtime.command(&binary, &wasm, port, &[])),
            }
        };
        let native_entry = {
            let native = native.clone();
            Entry {
                name: "native".into(),
                artifact: native.clone(),
                description: "gzrs's native server (the executable serving HTTP itself)".into(),
                start: Box::new(move |port| {
                    let mut command = Command::new(&native);
                    command
                        .env("PORT", port.to_string())
                        .env("HOST", "127.0.0.1");
                    Ok(command)
                }),
            }
        };
        let entries = [js, wasm_entry, native_entry];
        eprintln!("\n== {} ==", runtime.name());
        let mut routes = routes.clone();
        if default_routes {
            let probe = Route::parse("POST /echo")?;
            if answers(&entries[1], &probe)? {
                routes.push(probe);
            }
        }
        reports.push(measure_runtime(args, runtime, &entries, routes)?);
    }
    Ok(reports)
}

/// The JavaScript contestant's folder: its handler (the twin, or gzrs's floor), Node's server
/// for it, and the same handler as workerd's entry.
fn write_floor(dir: &Path, twin: Option<&Path>) -> Result<PathBuf> {
    fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let handler = match twin {
        Some(twin) => fs::read_to_string(twin).with_context(|| {
            format!(
                "could not read --twin {}: give the JavaScript fetch handler's file",
                twin.display()
            )
        })?,
        None => FLOOR_HANDLER.to_owned(),
    };
    // The same file is the entry on workerd, which takes it as `worker.mjs`.
    fs::write(dir.join("handler.mjs"), &handler)?;
    fs::write(dir.join(gzrs_build::platform::web::WORKER), handler)?;
    fs::write(dir.join("server.mjs"), host_file("js-host/web/server.mjs"))?;
    Ok(dir.to_path_buf())
}

/// Whether the contestant answers `route` with a success (the service has that route).
fn answers(entry: &Entry, route: &Route) -> Result<bool> {
    let mut process = Process::start(entry)?;
    process.first_answer()?;
    let agent = remote::agent(1);
    Ok(remote::call(&agent, &process.url(), route).is_ok())
}

fn measure_runtime(
    args: &BenchArgs,
    runtime: Runtime,
    entries: &[Entry],
    routes: Vec<Route>,
) -> Result<Report> {
    let cold = args.cold_starts();
    let mut first_response: Vec<Vec<f64>> = vec![Vec::new(); entries.len()];
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); entries.len()];
    let mut failed: Vec<Option<String>> = vec![None; entries.len()];
    eprintln!("cold starts: {cold} fresh processes each, taking turns...");
    for _ in 0..cold {
        for (i, entry) in entries.iter().enumerate() {
            if failed[i].is_some() {
                continue;
            }
            match Process::start(entry).and_then(|mut p| p.first_answer()) {
                Ok((wall, cpu_ms)) => {
                    first_response[i].push(wall);
                    cpu[i].push(cpu_ms);
                }
                Err(error) => failed[i] = Some(format!("{error:#}")),
            }
        }
    }
    eprintln!("warm requests...");
    let mut running = Vec::new();
    let mut endpoints = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let mut endpoint = Endpoint::new(&entry.name, "http://127.0.0.1:1");
        match Process::start(entry).and_then(|mut p| p.first_answer().map(|_| p)) {
            Ok(process) => {
                endpoint.url = process.url();
                running.push(process);
            }
            Err(error) => endpoint.failed = Some(failed[i].clone().unwrap_or(format!("{error:#}"))),
        }
        endpoints.push(endpoint);
    }
    let requests = args.warm_requests();
    remote::measure(&mut endpoints, &routes, requests, args.concurrency);
    drop(running);
    let contestants = entries
        .iter()
        .zip(endpoints)
        .enumerate()
        .map(|(i, (entry, endpoint))| {
            let mut figures = endpoint.figures(&routes);
            figures.init_ms = Summary::of(&cpu[i]);
            figures.first_response_ms = Summary::of(&first_response[i]);
            figures.artifact_bytes = fs::metadata(&entry.artifact).ok().map(|m| m.len());
            Contestant {
                name: entry.name.clone(),
                description: entry.description.clone(),
                failed: failed[i].clone().or(endpoint.failed),
                figures,
            }
        })
        .collect();
    Ok(Report {
        app: format!("{} on {}", args.path.display(), runtime.name()),
        kind: "web",
        provider: Some(runtime.name()),
        node_runtime: None,
        routes,
        cold_starts: cold,
        requests,
        concurrency: args.concurrency,
        floor: Some("javascript".into()),
        contestants,
        overhead: None,
        machine: Machine::this(),
    })
}

/// A contestant's process, ended when dropped.
struct Process {
    child: Child,
    port: u16,
    started: Instant,
}

impl Process {
    fn start(entry: &Entry) -> Result<Process> {
        let port = free_port()?;
        let mut command = (entry.start)(port)?;
        let started = Instant::now();
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("could not start {}", entry.name))?;
        Ok(Process {
            child,
            port,
            started,
        })
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Waits for the first answer to `GET /`: the wall time since the spawn and the CPU time
    /// the process used until then, both in ms.
    fn first_answer(&mut self) -> Result<(f64, f64)> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .into();
        let url = format!("{}/", self.url());
        loop {
            if agent.get(&url).call().is_ok() {
                let wall = self.started.elapsed().as_secs_f64() * 1000.0;
                return Ok((wall, cpu_ms(self.child.id())));
            }
            if let Some(status) = self.child.try_wait()? {
                bail!("exited ({status}) before answering");
            }
            if self.started.elapsed() > START_TIMEOUT {
                bail!("did not answer within {START_TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The CPU time all threads of `pid` have used, in ms (the first field of each thread's
/// `schedstat`: nanoseconds on the CPU).
fn cpu_ms(pid: u32) -> f64 {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return f64::NAN;
    };
    let nanos: u64 = tasks
        .flatten()
        .filter_map(|task| fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    nanos as f64 / 1e6
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("no free port")?;
    Ok(listener.local_addr()?.port())
}
