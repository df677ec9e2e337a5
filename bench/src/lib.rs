//! `gzrs bench`: the service in wasm mode, in native mode, and a plain TypeScript Genezio class
//! (the floor: Node's own cost, no Rust at all), each run exactly as a Lambda runs it — Genezio's
//! aws bundle under a real Node runtime loop against gzrs's Runtime API emulator — and measured
//! side by side: cold start, warm latency (sequential and concurrent), throughput, size and
//! memory. Contestants alternate (A B C A B C ...) so the machine's drift hits all alike, and
//! every figure is also given as a ratio to the floor, measured in the same run.
//!
//! `--url NAME=URL` measures deployed endpoints instead (warm latency and throughput).
//! `--platform web` measures the fetch handler on each JavaScript runtime, `--platform server`
//! the server executable beside the same `app()` under `axum::serve`.

mod args;
mod cloud;
mod contestants;
mod figures;
mod floor;
mod lambda;
mod measure;
mod null_runtime;
mod progress;
mod remote;
mod report;
mod server;
mod stats;
mod web;

use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};

pub use args::BenchArgs;
use args::Provider;
use figures::Route;
use gzrs_build::PlatformName;
pub use null_runtime::run as run_null_runtime;

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
        return server::run(&args, routes);
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
