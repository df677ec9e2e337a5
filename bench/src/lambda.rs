//! The local benchmark: each contestant's Genezio aws bundle run by a Node runtime loop against
//! the Runtime API emulator, as a Lambda runs it.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use bytes::Bytes;
use gzrs_emulator::{http_event, Config, Emulator, RuntimeProcess};
use http::{HeaderMap, HeaderValue, Method, Uri};

use crate::args::BenchArgs;
use crate::contestants::project_for;
use crate::figures::{Contestant, Figures, Machine, Report, Route};
use crate::measure::{ms, peak_rss};
use crate::progress::Progress;
use crate::stats::Summary;
use gzrs_build::native::Arch;
use gzrs_build::platform::genezio::lambda_local as local;
use gzrs_build::UserCrate;

/// How long a runtime may take to reach its first `next`, and a request to be answered.
const PATIENCE: Duration = Duration::from_secs(60);
/// Warm requests are measured in this many rounds, contestants taking turns.
const ROUNDS: usize = 5;

type MakeRuntime = Box<dyn Fn() -> Command + Send + Sync>;

struct Entry {
    name: String,
    description: String,
    runtime: Option<MakeRuntime>,
    /// Where the runtime's output goes (it would drown the progress otherwise).
    log: PathBuf,
    failed: Option<String>,
    figures: Figures,
    init: Vec<f64>,
    first: Vec<f64>,
}

impl Entry {
    fn new(name: &str, description: &str, work: &Path) -> Entry {
        let dir = work.join(name.replace(' ', "-"));
        let _ = fs::create_dir_all(&dir);
        let log = dir.join("runtime.log");
        let _ = fs::remove_file(&log);
        Entry {
            name: name.to_owned(),
            description: description.to_owned(),
            runtime: None,
            log,
            failed: None,
            figures: Figures::default(),
            init: Vec::new(),
            first: Vec::new(),
        }
    }

    fn alive(&self) -> bool {
        self.failed.is_none() && self.runtime.is_some()
    }

    fn fail(&mut self, error: impl std::fmt::Display) {
        let log = fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(8).collect();
        let mut message = error.to_string();
        if !tail.is_empty() {
            message.push_str("\nits last output:\n");
            for line in tail.iter().rev() {
                message.push_str("  ");
                message.push_str(line);
                message.push('\n');
            }
        }
        eprintln!("✗ {}: {}", self.name, message.trim_end());
        self.failed = Some(message.trim_end().to_owned());
    }

    fn command(&self) -> Result<Command> {
        let make = self
            .runtime
            .as_ref()
            .ok_or_else(|| anyhow!("not prepared"))?;
        let mut command = make();
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .with_context(|| format!("cannot open {}", self.log.display()))?;
        command.stdout(log.try_clone()?).stderr(log);
        Ok(command)
    }

    fn into_contestant(self) -> Contestant {
        let mut figures = self.figures;
        figures.init_ms = Summary::of(&self.init);
        figures.first_response_ms = Summary::of(&self.first);
        Contestant {
            name: self.name,
            description: self.description,
            failed: self.failed,
            figures,
        }
    }
}

pub fn run(args: &BenchArgs, mut routes: Vec<Route>) -> Result<Report> {
    let krate = UserCrate::load(&args.path)?;
    let genezio = local::find_genezio()?;
    let work = krate.target_dir.join("gzrs/bench").join(&krate.name);
    let class = krate.config.class.clone();

    // The floor, then the service in each mode; a contestant that cannot be built is reported,
    // and the others still run.
    let mut entries = vec![
        Entry::new(
            "typescript",
            "a plain TypeScript Genezio class: the floor",
            &work,
        ),
        Entry::new("wasm", "the service in wasm mode, in the Node class", &work),
        Entry::new("native", "the service in native mode: the trap", &work),
    ];
    let mut runtime_name = None;
    for entry in &mut entries {
        match prepare(&entry.name, &krate, &genezio, &work, args) {
            Ok((task, artifact)) => {
                entry.figures.artifact_bytes = artifact;
                entry.figures.bundle_bytes = fs::metadata(task.with_file_name("bundle/bundle.zip"))
                    .ok()
                    .map(|m| m.len());
                match local::node_runtime(&task, args.node_runtime) {
                    Ok((make, name)) => {
                        entry.runtime = Some(Box::new(make));
                        runtime_name = Some(name);
                    }
                    Err(error) => entry.fail(format!("{error:#}")),
                }
            }
            Err(error) => entry.fail(format!("{error:#}")),
        }
    }
    // The native executable on its own, no Node: what the trap costs beyond it.
    let mut alone = Entry::new(
        "native executable alone",
        "the native mode's executable started directly, without Node",
        &work,
    );
    let executable = work
        .join("native/project/server/gzrs")
        .join(gzrs_build::native::binary_name(Arch::host()?));
    if entries[2].alive() && executable.exists() {
        alone.runtime = Some(Box::new(move || Command::new(&executable)));
        entries.push(alone);
    }
    let mut overhead = Entry::new(
        "emulator round trip",
        "a runtime that answers at once: the benchmark's own cost per request",
        &work,
    );
    let gzrs = std::env::current_exe().context("cannot find the gzrs executable")?;
    let names = [class.clone(), krate.config.method.clone()];
    overhead.runtime = Some(Box::new(move || {
        let mut command = Command::new(&gzrs);
        command.arg("__null-runtime").args(&names);
        command
    }));
    // Measured like the others, last in each round; reported apart at the end.
    entries.push(overhead);

    let events = |routes: &[Route]| -> Vec<(Route, Bytes)> {
        routes
            .iter()
            .map(|route| (route.clone(), event(route, &class, &krate.config.method)))
            .collect()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let default_routes = routes.is_empty();
    if default_routes {
        routes.push(Route::parse("GET /")?);
    }
    let cold_starts = args.cold_starts();
    let requests = args.warm_requests();
    runtime.block_on(async {
        let progress = Progress::new(
            (cold_starts * entries.len()) as u64 + (2 * ROUNDS * entries.len()) as u64,
        );
        // Cold starts, interleaved: a fresh process each time.
        let first_route = events(&routes).remove(0).1;
        for _ in 0..cold_starts {
            for entry in entries.iter_mut() {
                if entry.alive() {
                    progress.set(&format!("cold start: {}", entry.name));
                    match cold_start(entry, &first_route).await {
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

        // Warm instances, one per contestant.
        let mut instances = Vec::new();
        for entry in entries.iter_mut() {
            if !entry.alive() {
                instances.push(None);
                continue;
            }
            progress.set(&format!("starting a warm instance: {}", entry.name));
            match Instance::start(entry).await {
                Ok(instance) => instances.push(Some(Arc::new(instance))),
                Err(error) => {
                    entry.fail(format!("{error:#}"));
                    instances.push(None);
                }
            }
        }
        if default_routes {
            // A small POST too, if the service has one.
            let probe = Route::parse("POST /echo").expect("a valid route");
            let body = event(&probe, &class, &krate.config.method);
            // Asked of the service itself (the floor and the probe answer anything).
            let rust = entries
                .iter()
                .zip(&instances)
                .filter(|(e, _)| matches!(e.name.as_str(), "wasm" | "native"))
                .find_map(|(_, i)| i.clone());
            if let Some(instance) = rust {
                if instance.call(&body).await.is_ok() {
                    routes.push(probe);
                }
            }
        }
        let events = events(&routes);

        let per_round = requests.div_ceil(ROUNDS).max(1);
        let mut sequential = vec![Vec::new(); instances.len()];
        for _ in 0..ROUNDS {
            for (i, instance) in instances.iter().enumerate() {
                if let Some(instance) = instance {
                    progress.set("warm requests, one at a time");
                    let (latencies, errors) = instance.sequential(&events, per_round).await;
                    sequential[i].extend(latencies);
                    entries[i].figures.errors += errors;
                }
                progress.tick();
            }
        }
        let mut concurrent = vec![(Vec::new(), Duration::ZERO); instances.len()];
        for _ in 0..ROUNDS {
            for (i, instance) in instances.iter().enumerate() {
                if let Some(instance) = instance {
                    progress.set(&format!("warm requests, {} in flight", args.concurrency));
                    let (latencies, elapsed, errors) = instance
                        .concurrent(&events, per_round, args.concurrency)
                        .await;
                    concurrent[i].0.extend(latencies);
                    concurrent[i].1 += elapsed;
                    entries[i].figures.errors += errors;
                }
                progress.tick();
            }
        }
        for (i, instance) in instances.iter().enumerate() {
            let entry = &mut entries[i];
            entry.figures.sequential_ms = Summary::of(&sequential[i]);
            entry.figures.concurrent_ms = Summary::of(&concurrent[i].0);
            if !concurrent[i].1.is_zero() {
                entry.figures.throughput_rps =
                    Some(concurrent[i].0.len() as f64 / concurrent[i].1.as_secs_f64());
            }
            if let Some(instance) = instance {
                entry.figures.peak_rss_bytes = peak_rss(instance.process.id());
            }
        }
        progress.finish();
        Ok::<_, anyhow::Error>(())
    })?;

    Ok(Report {
        app: krate.name.clone(),
        kind: "local",
        provider: Some("aws"),
        node_runtime: runtime_name,
        routes,
        cold_starts,
        requests,
        concurrency: args.concurrency,
        floor: Some("typescript".into()),
        overhead: entries.pop().map(Entry::into_contestant),
        contestants: entries.into_iter().map(Entry::into_contestant).collect(),
        machine: Machine::this(),
    })
}

/// Builds and bundles one contestant: the unzipped bundle and the artifact's size.
fn prepare(
    name: &str,
    krate: &UserCrate,
    genezio: &str,
    work: &Path,
    args: &BenchArgs,
) -> Result<(PathBuf, Option<u64>)> {
    let (project, artifact) = project_for(name, krate, work, args)?;
    let task = local::bundle(
        genezio,
        &project,
        &krate.config.class,
        "aws",
        &work.join(name).join("lambda"),
        args.verbose,
    )?;
    Ok((task, artifact))
}

/// The Lambda event for `route` of the class's method.
fn event(route: &Route, class: &str, method: &str) -> Bytes {
    let uri: Uri = format!("/{class}/{method}{}", route.path)
        .parse()
        .unwrap_or_else(|_| Uri::from_static("/"));
    let mut headers = HeaderMap::new();
    if !route.body.is_empty() {
        headers.insert("content-type", HeaderValue::from_static("application/json"));
    }
    headers.insert("user-agent", HeaderValue::from_static("gzrs-bench"));
    let method = Method::from_bytes(route.method.as_bytes()).unwrap_or(Method::GET);
    Bytes::from(http_event(&method, &uri, &headers, &route.body).to_string())
}

/// One cold start: spawn to the first `next` (init), and spawn to the first response.
async fn cold_start(entry: &Entry, event: &Bytes) -> Result<(f64, f64)> {
    let emulator = emulator().await?;
    let mut process = emulator.spawn_runtime(entry.command()?)?;
    let started = process.started;
    wait_for_init(&emulator, &mut process).await?;
    let init = started.elapsed();
    answer(&emulator, event.clone()).await?;
    let first = started.elapsed();
    Ok((ms(init), ms(first)))
}

async fn emulator() -> Result<Emulator> {
    Emulator::start(Config {
        timeout: PATIENCE,
        ..Config::default()
    })
    .await
    .context("cannot start the Runtime API emulator")
}

async fn wait_for_init(emulator: &Emulator, process: &mut RuntimeProcess) -> Result<()> {
    tokio::select! {
        _ = emulator.wait_for_polls(1) => Ok(()),
        ended = process.wait() => match emulator.init_error() {
            Some(error) => bail!("the runtime {ended} during init, reporting {error}"),
            None => bail!("the runtime {ended} during init"),
        },
        _ = tokio::time::sleep(PATIENCE) => bail!("the runtime did not reach `next` within {PATIENCE:?}"),
    }
}

/// Sends one event; an answer that is not a 2xx/3xx response is an error.
async fn answer(emulator: &Emulator, event: Bytes) -> Result<()> {
    let response = emulator.invoke(event).await?;
    let value: serde_json::Value =
        serde_json::from_slice(&response).context("the response is not JSON")?;
    let status = match &value["statusCode"] {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => Some(200),
    };
    match status {
        Some(status) if status < 400 => Ok(()),
        _ => {
            let body = value["body"].as_str().unwrap_or_default();
            bail!(
                "the function answered {}: {}",
                value["statusCode"],
                body.chars().take(300).collect::<String>()
            )
        }
    }
}

/// A warm function: its emulator and its runtime process.
struct Instance {
    emulator: Emulator,
    process: RuntimeProcess,
}

impl Instance {
    async fn start(entry: &Entry) -> Result<Instance> {
        let emulator = emulator().await?;
        let mut process = emulator.spawn_runtime(entry.command()?)?;
        wait_for_init(&emulator, &mut process).await?;
        Ok(Instance { emulator, process })
    }

    async fn call(&self, event: &Bytes) -> Result<()> {
        answer(&self.emulator, event.clone()).await
    }

    /// `n` requests one after the other, cycling through the routes: latencies in ms, errors.
    async fn sequential(&self, events: &[(Route, Bytes)], n: usize) -> (Vec<f64>, usize) {
        let mut latencies = Vec::with_capacity(n);
        let mut errors = 0;
        for i in 0..n {
            let started = Instant::now();
            match self.call(&events[i % events.len()].1).await {
                Ok(()) => latencies.push(ms(started.elapsed())),
                Err(_) => errors += 1,
            }
        }
        (latencies, errors)
    }

    /// `n` requests with `concurrency` in flight: latencies in ms, the elapsed time, errors.
    async fn concurrent(
        self: &Arc<Self>,
        events: &[(Route, Bytes)],
        n: usize,
        concurrency: usize,
    ) -> (Vec<f64>, Duration, usize) {
        let next = Arc::new(AtomicUsize::new(0));
        let events: Arc<Vec<Bytes>> = Arc::new(events.iter().map(|(_, e)| e.clone()).collect());
        let started = Instant::now();
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                let (instance, next, events) = (self.clone(), next.clone(), events.clone());
                tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    let mut errors = 0;
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= n {
                            break;
                        }
                        let sent = Instant::now();
                        match instance.call(&events[i % events.len()]).await {
                            Ok(()) => latencies.push(ms(sent.elapsed())),
                            Err(_) => errors += 1,
                        }
                    }
                    (latencies, errors)
                })
            })
            .collect();
        let mut latencies = Vec::with_capacity(n);
        let mut errors = 0;
        for worker in workers {
            if let Ok((l, e)) = worker.await {
                latencies.extend(l);
                errors += e;
            }
        }
        (latencies, started.elapsed(), errors)
    }
}
