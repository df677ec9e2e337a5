//! What a benchmark run shows: a table in the terminal, every figure as JSON, and an SVG chart
//! of the latency distributions side by side.

mod chart;
mod rows;
mod table;

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use crate::figures::Report;
pub use chart::write_svg;
use rows::model;
pub use table::table;

/// The reports as one JSON object, each under its model's name: `aws`, `cloud` or `remote`.
pub fn write_json(reports: &[Report], path: &Path) -> Result<()> {
    let object: serde_json::Map<String, serde_json::Value> = reports
        .iter()
        .map(|report| Ok((model(report).to_owned(), serde_json::to_value(report)?)))
        .collect::<Result<_>>()?;
    let json = serde_json::to_string_pretty(&object)?;
    fs::write(path, json + "\n").with_context(|| format!("cannot write {}", path.display()))
}
