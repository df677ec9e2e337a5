//! What the table and the chart share: which rows a report shows, its name, and how a
//! duration is written.

use crate::figures::{Contestant, Report};

/// The contestants and, last, the tool's own overhead.
pub fn rows(report: &Report) -> Vec<&Contestant> {
    report.contestants.iter().chain(&report.overhead).collect()
}

/// The name a report goes by in the JSON and the chart.
pub fn model(report: &Report) -> &'static str {
    match (report.kind, report.provider) {
        ("local", Some(provider)) => provider,
        ("local", None) => "aws",
        ("web", Some(runtime)) => runtime,
        _ => "remote",
    }
}

/// A duration in milliseconds, with the digits its size deserves.
pub fn ms(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0} ms")
    } else if value >= 10.0 {
        format!("{value:.1} ms")
    } else {
        format!("{value:.2} ms")
    }
}
