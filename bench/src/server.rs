//! `gzrs bench --platform server`: gzrs's server executable beside the same `app()` under
//! `axum::serve` on a multi-thread tokio runtime (the reference: what the user would run without
//! gzrs, built in release from the crate's own lockfile), both driven by `wrk` over loopback at 1
//! and 64 connections on each route. Rounds alternate the two, and each figure is also given as a
//! ratio to `axum::serve` measured in the same round; the table shows medians over the rounds.

use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::args::BenchArgs;
use crate::figures::Route;
use gzrs_build::cargo::cargo;
use gzrs_build::entry_crate::{follow_lockfile, toml_string};
use gzrs_build::native::Arch;
use gzrs_build::progress::{run_cargo, Step};
use gzrs_build::which::which;
use gzrs_build::{BuildArgs, PlatformName, UserCrate};

/// Connections wrk keeps open, one run each.
const CONNECTIONS: [usize; 2] = [1, 64];

/// One wrk run's figures.
#[derive(Debug, Clone, Copy)]
struct Run {
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

pub fn run(args: &BenchArgs, routes: Vec<Route>) -> Result<()> {
    if which("wrk").is_none() {
        bail!("gzrs bench --platform server drives both servers with wrk, which is not installed: apt-get install wrk (Debian, Ubuntu) or brew install wrk");
    }
    if let Some(route) = routes.iter().find(|r| r.method != "GET") {
        bail!(
            "gzrs bench --platform server measures GET routes (wrk sends GETs); {} {} is not one",
            route.method,
            route.path
        );
    }
    let routes: Vec<String> = match routes.is_empty() {
        true => vec!["/".into()],
        false => routes.into_iter().map(|r| r.path).collect(),
    };
    let krate = UserCrate::load(&args.path)?;
    let work = krate
        .target_dir
        .join("gzrs/bench")
        .join(&krate.name)
        .join("server");
    let out = gzrs_build::build(
        &krate,
        &BuildArgs {
            mode: None,
            platform: PlatformName::Server,
            base_path: None,
            arch: Some(Arch::host()?),
            out: Some(work.join("gzrs")),
            no_install: true,
            no_wasm_opt: false,
            verbose: args.verbose,
            path: args.path.clone(),
        },
    )?;
    let gzrs = out.join(gzrs_build::platform::server::binary_name(Arch::host()?));
    let reference = build_reference(&krate, &work.join("axum-serve"), args.verbose)?;
    let seconds = if args.quick { 2 } else { 5 };
    let rounds = if args.quick { 1 } else { 3 };
    let contestants = [("axum::serve", reference), ("gzrs server", gzrs)];
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "\ngzrs bench: {} as a server, {threads} CPUs {}: the same app() under axum::serve (multi-thread tokio, release) and gzrs's server, wrk over loopback, {seconds} s a run, {rounds} round{}, contestants alternating; medians over the rounds, ratios to axum::serve in the same round\n",
        krate.name,
        std::env::consts::ARCH,
        if rounds == 1 { "" } else { "s" }
    );
    // figures[route][connections][contestant] = runs
    let mut figures = vec![vec![vec![Vec::<Run>::new(); 2]; CONNECTIONS.len()]; routes.len()];
    for round in 0..rounds {
        for (c, (name, binary)) in contestants.iter().enumerate() {
            let server = Started::start(binary).with_context(|| format!("{name} did not start"))?;
            for (r, route) in routes.iter().enumerate() {
                for (k, connections) in CONNECTIONS.iter().enumerate() {
                    eprintln!(
                        "  round {}/{rounds}: {name}, GET {route}, {connections} connection{}",
                        round + 1,
                        if *connections == 1 { "" } else { "s" }
                    );
                    let run = wrk(&server.url(route), *connections, threads, seconds)?;
                    figures[r][k][c].push(run);
                }
            }
        }
    }
    println!(
        "{:<22} {:>12} {:>22} {:>22} {:>22}",
        "route, connections", "contestant", "requests/s", "p50", "p99"
    );
    for (r, route) in routes.iter().enumerate() {
        for (k, connections) in CONNECTIONS.iter().enumerate() {
            let reference = &figures[r][k][0];
            for (c, (name, _)) in contestants.iter().enumerate() {
                let runs = &figures[r][k][c];
                let ratio = |of: fn(&Run) -> f64| {
                    median(
                        runs.iter()
                            .zip(reference)
                            .map(|(a, b)| of(a) / of(b))
                            .collect(),
                    )
                };
                let value = |of: fn(&Run) -> f64| median(runs.iter().map(of).collect());
                println!(
                    "{:<22} {:>12} {:>12.0} ({:>5.2}x) {:>9.2} ms ({:>5.2}x) {:>9.2} ms ({:>5.2}x)",
                    format!("GET {route}, {connections}"),
                    name,
                    value(|r| r.requests_per_second),
                    ratio(|r| r.requests_per_second),
                    value(|r| r.p50_ms),
                    ratio(|r| r.p50_ms),
                    value(|r| r.p99_ms),
                    ratio(|r| r.p99_ms),
                );
            }
        }
    }
    Ok(())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// The crate's `app()` served by `axum::serve` on a multi-thread runtime, built in release with
/// the crate's own lockfile: the reference the server is measured against.
fn build_reference(krate: &UserCrate, dir: &Path, verbose: bool) -> Result<PathBuf> {
    let metadata = gzrs_build::cargo_metadata::read(&krate.manifest_path, &["--no-deps"])?;
    let axum = metadata
        .packages
        .iter()
        .find(|p| p.manifest_path == krate.manifest_path)
        .and_then(|p| p.dependencies.iter().find(|d| d.name == "axum"))
        .map(|d| d.req.clone())
        .context("the axum::serve reference serves an axum Router, and the crate does not depend on axum")?;
    fs::create_dir_all(dir.join("src"))?;
    let name = format!("gzrs-bench-axum-serve-{}", krate.name);
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            r#"# Generated by gzrs bench: `{krate}`'s app() under axum::serve, the reference.
[package]
name = "{name}"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
user = {{ package = "{krate}", path = {path} }}
axum = {{ version = {axum:?}, default-features = false, features = ["tokio", "http1", "http2"] }}
tokio = {{ version = "1", features = ["rt-multi-thread", "net", "macros"] }}

[workspace]

[profile.release]
lto = true
codegen-units = 1
"#,
            krate = krate.name,
            path = toml_string(krate.dir()),
        ),
    )?;
    fs::write(
        dir.join("src/main.rs"),
        format!(
            "// Generated by gzrs bench.\n#[tokio::main]\nasync fn main() {{\n    let port = std::env::var(\"PORT\").unwrap_or_else(|_| \"8080\".into());\n    let listener = tokio::net::TcpListener::bind(format!(\"127.0.0.1:{{port}}\")).await.expect(\"listen\");\n    axum::serve(listener, user::{}()).await.expect(\"serve\");\n}}\n",
            krate.config.function
        ),
    )?;
    follow_lockfile(krate, dir)?;
    let target = dir.join("target");
    let step = Step::start(format!(
        "Compiling {} under axum::serve (cargo build --release)",
        krate.name
    ));
    let mut command = Command::new(cargo());
    command
        .args(["build", "--release", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target);
    let (status, log) = run_cargo(&mut command, verbose, &step)?;
    if !status.success() {
        bail!("compiling the axum::serve reference failed (it needs `{}()` to return an axum Router):\n{log}", krate.config.function);
    }
    step.done();
    Ok(target.join("release").join(name))
}

/// A server process on a free port, stopped when dropped.
struct Started {
    child: Child,
    port: u16,
}

impl Started {
    fn start(binary: &Path) -> Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new(binary)
            .env("PORT", port.to_string())
            .env("HOST", "127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(30) {
                bail!("{} did not listen within 30 s", binary.display());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Started { child, port })
    }

    fn url(&self, route: &str) -> String {
        format!("http://127.0.0.1:{}{route}", self.port)
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One wrk run against `url`.
fn wrk(url: &str, connections: usize, threads: usize, seconds: u64) -> Result<Run> {
    let output = Command::new("wrk")
        .args(["--latency", "-t"])
        .arg(threads.min(connections).to_string())
        .arg("-c")
        .arg(connections.to_string())
        .arg("-d")
        .arg(format!("{seconds}s"))
        .arg(url)
        .output()
        .context("cannot run wrk")?;
    let text = String::from_utf8_lossy(&output.stdout);
    parse_wrk(&text).with_context(|| format!("wrk's output had no figures:\n{text}"))
}

/// The figures of wrk's `--latency` output.
fn parse_wrk(text: &str) -> Option<Run> {
    let field = |prefix: &str| -> Option<&str> {
        text.lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(prefix))
            .map(str::trim)
    };
    let duration_ms = |text: &str| -> Option<f64> {
        let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let (number, unit) = text.split_at(split);
        let number: f64 = number.parse().ok()?;
        Some(match unit {
            "us" => number / 1000.0,
            "ms" => number,
            "s" => number * 1000.0,
            "m" => number * 60_000.0,
            _ => return None,
        })
    };
    if text.contains("Non-2xx or 3xx responses") {
        return None;
    }
    Some(Run {
        requests_per_second: field("Requests/sec:")?.parse().ok()?,
        p50_ms: duration_ms(field("50%")?)?,
        p99_ms: duration_ms(field("99%")?)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrks_latency_output_is_read() {
        let text = "Running 5s test @ http://127.0.0.1:8080/\n  2 threads and 64 connections\n  Thread Stats   Avg      Stdev     Max   +/- Stdev\n    Latency   512.00us  100.00us   2.00ms   90.00%\n  Latency Distribution\n     50%  480.00us\n     75%  550.00us\n     90%  700.00us\n     99%    1.20ms\n  250000 requests in 5.00s, 30.00MB read\nRequests/sec:  50000.00\nTransfer/sec:      6.00MB\n";
        let run = parse_wrk(text).unwrap();
        assert_eq!(run.requests_per_second, 50000.0);
        assert!((run.p50_ms - 0.48).abs() < 1e-9);
        assert!((run.p99_ms - 1.2).abs() < 1e-9);
        assert!(parse_wrk(&format!("{text}  Non-2xx or 3xx responses: 12\n")).is_none());
    }
}
