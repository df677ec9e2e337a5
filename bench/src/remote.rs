//! The remote benchmark: deployed endpoints (or any HTTP servers), measured warm, interleaved.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::args::BenchArgs;
use crate::figures::{Contestant, Figures, Machine, Report, Route};
use crate::stats::Summary;

/// Requests per endpoint and route before measuring: connections opened, instances warm.
const WARM_UP: usize = 10;
const ROUNDS: usize = 5;

/// An HTTP endpoint being measured: `url` is that of `/<class>/<method>`.
pub(super) struct Endpoint {
    pub name: String,
    pub url: String,
    pub sequential: Vec<f64>,
    /// The sequential latencies again, by route (in the order of the routes measured).
    pub sequential_by_route: Vec<Vec<f64>>,
    pub concurrent: Vec<f64>,
    pub concurrent_time: Duration,
    pub errors: usize,
    pub failed: Option<String>,
}

impl Endpoint {
    pub fn new(name: &str, url: &str) -> Endpoint {
        Endpoint {
            name: name.to_owned(),
            url: url.trim_end_matches('/').to_owned(),
            sequential: Vec::new(),
            sequential_by_route: Vec::new(),
            concurrent: Vec::new(),
            concurrent_time: Duration::ZERO,
            errors: 0,
            failed: None,
        }
    }

    /// Its warm figures, for the report; `routes`: those measured.
    pub fn figures(&self, routes: &[Route]) -> Figures {
        Figures {
            sequential_ms: Summary::of(&self.sequential),
            sequential_by_route: routes
                .iter()
                .zip(&self.sequential_by_route)
                .filter_map(|(route, latencies)| Some((route.label(), Summary::of(latencies)?)))
                .collect(),
            concurrent_ms: Summary::of(&self.concurrent),
            throughput_rps: (!self.concurrent_time.is_zero())
                .then(|| self.concurrent.len() as f64 / self.concurrent_time.as_secs_f64()),
            errors: self.errors,
            ..Figures::default()
        }
    }
}

/// An agent for measuring: any status is an answer, keep-alive for `concurrency` connections.
pub(super) fn agent(concurrency: usize) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .max_idle_connections_per_host(concurrency.max(1))
        .build()
        .into()
}

pub fn run(args: &BenchArgs, mut routes: Vec<Route>) -> Result<Report> {
    let mut endpoints = args
        .urls
        .iter()
        .map(|spec| {
            let Some((name, url)) = spec.split_once('=') else {
                bail!("--url takes NAME=URL (for instance native=https://example.com/Hello/api), not {spec:?}");
            };
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!("--url {name}={url}: the URL must start with http:// or https://");
            }
            Ok(Endpoint::new(name, url))
        })
        .collect::<Result<Vec<_>>>()?;
    if routes.is_empty() {
        routes.push(Route::parse("GET /")?);
    }
    let requests = args.warm_requests();
    measure(&mut endpoints, &routes, requests, args.concurrency);

    let floor = endpoints.first().map(|e| e.name.clone());
    let measured = routes.clone();
    Ok(Report {
        app: endpoints
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>()
            .join(" vs "),
        kind: "remote",
        provider: None,
        node_runtime: None,
        routes,
        cold_starts: 0,
        requests,
        concurrency: args.concurrency,
        floor,
        contestants: endpoints
            .into_iter()
            .map(|e| Contestant {
                description: e.url.clone(),
                figures: e.figures(&measured),
                name: e.name,
                failed: e.failed,
            })
            .collect(),
        overhead: None,
        machine: Machine::this(),
    })
}

/// Warms each endpoint up, then measures `requests` warm requests on each, one at a time and
/// then `concurrency` in flight, in rounds with the endpoints taking turns. An endpoint that
/// fails its warm-up is marked failed and skipped.
pub(super) fn measure(
    endpoints: &mut [Endpoint],
    routes: &[Route],
    requests: usize,
    concurrency: usize,
) {
    let agent = agent(concurrency);
    eprintln!("warming up {} endpoints...", endpoints.len());
    for endpoint in endpoints.iter_mut() {
        for route in routes {
            for _ in 0..WARM_UP {
                if let Err(error) = call(&agent, &endpoint.url, route) {
                    endpoint.failed =
                        Some(format!("{} {}: {error:#}", route.label(), endpoint.url));
                    break;
                }
            }
        }
        if let Some(error) = &endpoint.failed {
            eprintln!("✗ {}: {error}", endpoint.name);
        }
    }

    let per_round = requests.div_ceil(ROUNDS).max(1);
    eprintln!("warm requests, one at a time...");
    for endpoint in endpoints.iter_mut() {
        endpoint.sequential_by_route = vec![Vec::new(); routes.len()];
    }
    // Routes in turn across rounds, so that each gets its share even when a round is shorter
    // than the list.
    for round in 0..ROUNDS {
        for endpoint in endpoints.iter_mut().filter(|e| e.failed.is_none()) {
            for i in round * per_round..(round + 1) * per_round {
                let route = i % routes.len();
                let started = Instant::now();
                match call(&agent, &endpoint.url, &routes[route]) {
                    Ok(()) => {
                        let ms = started.elapsed().as_secs_f64() * 1000.0;
                        endpoint.sequential.push(ms);
                        endpoint.sequential_by_route[route].push(ms);
                    }
                    Err(_) => endpoint.errors += 1,
                }
            }
        }
    }
    eprintln!("warm requests, {} in flight...", concurrency);
    for round in 0..ROUNDS {
        for endpoint in endpoints.iter_mut().filter(|e| e.failed.is_none()) {
            let next = AtomicUsize::new(round * per_round);
            let started = Instant::now();
            let results: Vec<(Vec<f64>, usize)> = std::thread::scope(|scope| {
                let workers: Vec<_> = (0..concurrency)
                    .map(|_| {
                        let (agent, next, routes, url) = (&agent, &next, &routes, &endpoint.url);
                        scope.spawn(move || {
                            let (mut latencies, mut errors) = (Vec::new(), 0);
                            loop {
                                let i = next.fetch_add(1, Ordering::SeqCst);
                                if i >= (round + 1) * per_round {
                                    break;
                                }
                                let sent = Instant::now();
                                match call(agent, url, &routes[i % routes.len()]) {
                                    Ok(()) => latencies.push(sent.elapsed().as_secs_f64() * 1000.0),
                                    Err(_) => errors += 1,
                                }
                            }
                            (latencies, errors)
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .map(|w| w.join().unwrap_or_default())
                    .collect()
            });
            endpoint.concurrent_time += started.elapsed();
            for (latencies, errors) in results {
                endpoint.concurrent.extend(latencies);
                endpoint.errors += errors;
            }
        }
    }
}

/// One request; a status of 400 or more is an error.
pub(super) fn call(agent: &ureq::Agent, base: &str, route: &Route) -> Result<()> {
    let url = format!("{base}{}", route.path);
    let request = http::Request::builder()
        .method(route.method.as_str())
        .uri(&url)
        .header("content-type", "application/json")
        .body(route.body.clone())
        .context("a valid request")?;
    let mut response = agent
        .run(request)
        .with_context(|| format!("cannot reach {url}"))?;
    // Read the whole body: the time to the last byte is the latency.
    response.body_mut().read_to_vec()?;
    let status = response.status().as_u16();
    if status >= 400 {
        bail!("{url} answered {status}");
    }
    Ok(())
}
