//! The genezio-cloud model: each contestant's `--cloudAdapter genezio` bundle in one Node process
//! that imports its `index.mjs` and calls Genezio's own handler for each request, behind a small
//! HTTP front (`bench/js/cloud-front.mjs`), as genezio-cloud runs a class: constructed lazily,
//! inside the first request, with no Lambda Runtime API (so native mode runs as the sidecar).
//! Requests are handled concurrently by that one process.
//!
//! Measured: spawn to listening (the module's import) and spawn to the first response (the
//! class's construction included), warm latency one at a time and with `--concurrency` in
//! flight, throughput, and the peak memory of the process group. And, without the HTTP front
//! (whose cost is the same for every contestant and hides what each mode adds), Genezio's
//! handler called in-process by `bench/js/cloud-handler.mjs`: microseconds a request after
//! a warm-up, and the first request, in fresh processes, rounds alternating.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::args::BenchArgs;
use crate::contestants::project_for;
use crate::figures::{Contestant, Figures, Machine, Report, Route};
use crate::measure::{ms, peak_rss};
use crate::progress::Progress;
use crate::remote::{self, Endpoint};
use crate::stats::Summary;
use gzrs_build::platform::genezio::lambda_local as local;
use gzrs_build::UserCrate;

const FRONT: &str = include_str!("../js/cloud-front.mjs");
const HANDLER: &str = include_str!("../js/cloud-handler.mjs");
/// How long a front may take to listen, and a first request to be answered.
const PATIENCE: Duration = Duration::from_secs(60);

struct Entry {
    name: &'static str,
    description: &'static str,
    bundle: Option<PathBuf>,
    failed: Option<String>,
    figures: Figures,
    init: Vec<f64>,
    first: Vec<f64>,
    handler: Vec<f64>,
    handler_first: Vec<f64>,
}

impl Entry {
    fn fail(&mut self, error: impl std::fmt::Display) {
        eprintln!("✗ {} (genezio-cloud): {error}", self.name);
        self.failed = Some(error.to_string());
    }

    fn alive(&self) -> bool {
        self.failed.is_none() && self.bundle.is_some()
    }
}

pub fn run(args: &BenchArgs, mut routes: Vec<Route>) -> Result<Report> {
    let krate = UserCrate::load(&args.path)?;
    let genezio = local::find_genezio()?;
    let work = krate.target_dir.join("gzrs/bench").join(&krate.name);
    fs::create_dir_all(&work)?;
    let front = work.join("cloud-front.mjs");
    fs::write(&front, FRONT).with_context(|| format!("cannot write {}", front.display()))?;
    let in_process = work.join("cloud-handler.mjs");
    fs::write(&in_process, HANDLER)
        .with_context(|| format!("cannot write {}", in_process.display()))?;
    let base_path = format!("/{}/{}", krate.config.class, krate.config.method);

    let mut entries = [
        ("typescript", "a plain TypeScript Genezio class: the floor"),
        ("wasm", "the service in wasm mode, in the Node class"),
        ("native", "the service in native mode: the sidecar"),
    ]
    .map(|(name, description)| Entry {
        name,
        description,
        bundle: None,
        failed: None,
        figures: Figures::default(),
        init: Vec::new(),
        first: Vec::new(),
        handler: Vec::new(),
        handler_first: Vec::new(),
    });
    for entry in &mut entries {
        let prepared = project_for(entry.name, &krate, &work, args).and_then(|(project, size)| {
            let dir = work.join(entry.name).join("cloud");
            let task = local::bundle(
                &genezio,
                &project,
                &krate.config.class,
                "genezio",
                &dir,
                args.verbose,
            )?;
            Ok((task, size, dir))
        });
        match prepared {
            Ok((task, size, dir)) => {
                entry.figures.artifact_bytes = size;
                entry.figures.bundle_bytes = fs::metadata(dir.join("bundle/bundle.zip"))
                    .ok()
                    .map(|m| m.len());
                entry.bundle = Some(task);
            }
            Err(error) => entry.fail(format!("{error:#}")),
        }
    }

    let default_routes = routes.is_empty();
    if default_routes {
        routes.push(Route::parse("GET /")?);
    }
    let cold_starts = args.cold_starts();
    let requests = args.warm_requests();
    let progress = Progress::new((cold_starts * entries.len()) as u64);
    for _ in 0..cold_starts {
        for entry in entries.iter_mut() {
            if entry.alive() {
                progress.set(&format!("genezio-cloud cold start: {}", entry.name));
                let bundle = entry.bundle.clone().expect("alive");
                match cold_start(&front, &bundle, &base_path, &routes[0]) {
                    Ok((init, first)) => {
                        entry.init.push(init);
                        entry.first.push(first);
                    }
                    Err(error) => entry.fail(format!("{error:#}")),
                }
            }
            progress.tick();
        }
    }
    progress.finish();

    // Genezio's handler called in-process, a fresh process per contestant and round, rounds
    // alternating: the per-request cost without the HTTP front's, which is the same for all.
    if routes[0].method == "GET" {
        let rounds = (cold_starts / 3).max(2);
        let per_round = requests * 4;
        let progress = Progress::new((rounds * entries.len()) as u64);
        for _ in 0..rounds {
            for entry in entries.iter_mut().filter(|e| e.alive()) {
                progress.set(&format!("genezio-cloud handler in-process: {}", entry.name));
                let bundle = entry.bundle.clone().expect("alive");
                match handler_round(&in_process, &bundle, &base_path, &routes[0], per_round) {
                    Ok((first, per_request)) => {
                        entry.handler_first.push(first);
                        entry.handler.push(per_request);
                    }
                    Err(error) => entry.fail(format!("{error:#}")),
                }
                progress.tick();
            }
        }
        progress.finish();
    }

    // Warm instances, one per contestant, measured in turns.
    let mut fronts = Vec::new();
    let mut endpoints = Vec::new();
    for entry in entries.iter_mut().filter(|e| e.alive()) {
        let bundle = entry.bundle.clone().expect("alive");
        match Front::start(&front, &bundle) {
            Ok(running) => {
                endpoints.push(Endpoint::new(
                    entry.name,
                    &format!("http://127.0.0.1:{}{base_path}", running.port),
                ));
                fronts.push((entry.name, running));
            }
            Err(error) => entry.fail(format!("{error:#}")),
        }
    }
    if default_routes {
        // A small POST too, if the service has one (asked of the service, not the floor).
        let probe = Route::parse("POST /echo").expect("a valid route");
        let agent = remote::agent(1);
        if let Some(service) = endpoints.iter().find(|e| e.name != "typescript") {
            if remote::call(&agent, &service.url, &probe).is_ok() {
                routes.push(probe);
            }
        }
    }
    remote::measure(&mut endpoints, &routes, requests, args.concurrency);
    for endpoint in endpoints {
        let entry = entries
            .iter_mut()
            .find(|e| e.name == endpoint.name)
            .expect("an endpoint per entry");
        let warm = endpoint.figures(&routes);
        entry.figures.sequential_ms = warm.sequential_ms;
        entry.figures.sequential_by_route = warm.sequential_by_route;
        entry.figures.concurrent_ms = warm.concurrent_ms;
        entry.figures.throughput_rps = warm.throughput_rps;
        entry.figures.errors += warm.errors;
        if let Some(error) = endpoint.failed {
            entry.fail(error);
        }
        if let Some((_, running)) = fronts.iter().find(|(name, _)| *name == entry.name) {
            entry.figures.peak_rss_bytes = peak_rss(running.child.id() as i32);
        }
    }
    drop(fronts);

    Ok(Report {
        app: krate.name.clone(),
        kind: "local",
        provider: Some("cloud"),
        node_runtime: Some("one Node process calling Genezio's genezio-cloud handler".into()),
        routes,
        cold_starts,
        requests,
        concurrency: args.concurrency,
        floor: Some("typescript".into()),
        overhead: None,
        contestants: entries
            .into_iter()
            .map(|mut e| {
                e.figures.init_ms = Summary::of(&e.init);
                e.figures.first_response_ms = Summary::of(&e.first);
                e.figures.handler_us = Summary::of(&e.handler);
                e.figures.handler_first_ms = Summary::of(&e.handler_first);
                Contestant {
                    name: e.name.to_owned(),
                    description: e.description.to_owned(),
                    failed: e.failed,
                    figures: e.figures,
                }
            })
            .collect(),
        machine: Machine::this(),
    })
}

/// One cold start: spawn to listening (the bundle imported) and spawn to the first answer
/// (the class constructed inside it, as genezio-cloud does).
fn cold_start(front: &Path, bundle: &Path, base_path: &str, route: &Route) -> Result<(f64, f64)> {
    let started = Instant::now();
    let running = Front::start(front, bundle)?;
    let init = started.elapsed();
    let agent = remote::agent(1);
    if let Err(error) = remote::call(
        &agent,
        &format!("http://127.0.0.1:{}{base_path}", running.port),
        route,
    ) {
        // Give the service's own last words (a panic while it starts, say) time to arrive.
        std::thread::sleep(Duration::from_millis(200));
        bail!("the first request failed: {error:#}{}", running.tail());
    }
    Ok((ms(init), ms(started.elapsed())))
}

/// One fresh process calling the bundle's genezio-cloud handler (`cloud-handler.mjs --child`):
/// the first call in milliseconds, then microseconds a request over `requests` after a warm-up.
fn handler_round(
    script: &Path,
    bundle: &Path,
    base_path: &str,
    route: &Route,
    requests: usize,
) -> Result<(f64, f64)> {
    let output = Command::new("node")
        .arg(script)
        .arg("--child")
        .arg(bundle)
        .arg(base_path.trim_start_matches('/'))
        .arg(&route.path)
        .arg(requests.to_string())
        .current_dir(bundle)
        .env("GENEZIO_NO_TELEMETRY", "1")
        .stdin(Stdio::null())
        .output()
        .context("cannot start node: install Node.js 20")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let figures: Option<Vec<f64>> = stdout
        .lines()
        .find_map(|line| line.strip_prefix("RESULT "))
        .map(|rest| rest.split(' ').filter_map(|x| x.parse().ok()).collect());
    match figures.as_deref() {
        Some(&[first, per_request]) if output.status.success() => Ok((first, per_request)),
        _ => bail!(
            "Genezio's handler called in-process failed ({}):\n{}{}",
            output.status,
            stdout.trim_end(),
            String::from_utf8_lossy(&output.stderr).trim_end()
        ),
    }
}

/// A running `cloud-front.mjs`, its own process group, ended when dropped.
struct Front {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Front {
    fn start(front: &Path, bundle: &Path) -> Result<Front> {
        let log_path = bundle.with_extension("front.log");
        let mut log = fs::File::create(&log_path)
            .with_context(|| format!("cannot create {}", log_path.display()))?;
        let mut child = Command::new("node")
            .arg(front)
            .arg(bundle)
            .arg("0")
            .current_dir(bundle)
            .env("GENEZIO_NO_TELEMETRY", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log.try_clone()?)
            .process_group(0)
            .spawn()
            .context("cannot start node: install Node.js 20")?;
        // The port comes on stdout; the rest of stdout (the service's own lines) goes to the
        // log, read as it comes so the process never blocks on a full pipe.
        let stdout = child.stdout.take().expect("piped stdout");
        let (port_sender, port_receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(port) = line.strip_prefix("listening ") {
                    let _ = port_sender.send(port.trim().parse::<u16>().ok());
                }
                let _ = writeln!(log, "{line}");
            }
        });
        let mut running = Front {
            child,
            port: 0,
            log: log_path.clone(),
        };
        match port_receiver.recv_timeout(PATIENCE) {
            Ok(Some(port)) => {
                running.port = port;
                Ok(running)
            }
            _ => bail!("the genezio-cloud front did not start{}", running.tail()),
        }
    }

    /// The last lines the process printed, for an error message.
    fn tail(&self) -> String {
        let output = fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = output.lines().rev().take(8).collect();
        if tail.is_empty() {
            return String::new();
        }
        let lines: Vec<&str> = tail.into_iter().rev().collect();
        format!("\nits last output:\n  {}", lines.join("\n  "))
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        // The whole group: node and, in native mode, the sidecar it started.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
    }
}
