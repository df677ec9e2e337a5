//! What a benchmark run shows: a table in the terminal, every figure as JSON, and an SVG chart
//! of the latency distributions side by side.

mod chart;
mod table;

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use super::{Contestant, Report};
pub use chart::write_svg;
pub use table::table;

/// The contestants and, last, the tool's own overhead.
pub(super) fn rows(report: &Report) -> Vec<&Contestant> {
    report.contestants.iter().chain(&report.overhead).collect()
}

/// The reports as one JSON object, each under its model's name: `aws`, `cloud` or `remote`.
pub fn write_json(reports: &[Report], path: &Path) -> Result<()> {
    let object: serde_json::Map<String, serde_json::Value> = reports
        .iter()
        .map(|report| Ok((model(report).to_owned(), serde_json::to_value(report)?)))
        .collect::<Result<_>>()?;
    let json = serde_json::to_string_pretty(&object)?;
    fs::write(path, json + "\n").with_context(|| format!("cannot write {}", path.display()))
}

/// The name a report goes by in the JSON and the chart.
pub(super) fn model(report: &Report) -> &'static str {
    match (report.kind, report.provider) {
        ("local", Some(provider)) => provider,
        ("local", None) => "aws",
        ("web", Some(runtime)) => runtime,
        _ => "remote",
    }
}

pub(super) fn ms(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0} ms")
    } else if value >= 10.0 {
        format!("{value:.1} ms")
    } else {
        format!("{value:.2} ms")
    }
}
