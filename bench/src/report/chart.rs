//! The SVG chart of a run: the latency distributions of the contestants side by side.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use super::rows::{model, ms, rows};
use crate::figures::Report;
use crate::stats::Summary;

/// Each report's box plots (one row per contestant, one panel per measure: the box spans p25
/// to p75, the whiskers min to p99, the bar is the median), one report under the other.
pub fn write_svg(reports: &[Report], path: &Path) -> Result<()> {
    const WIDTH: f64 = 960.0;
    let charts: Vec<(String, f64)> = reports.iter().map(svg_with_height).collect();
    let height: f64 = charts.iter().map(|(_, h)| h).sum();
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\">\n"
    );
    let mut top = 0.0;
    for (chart, chart_height) in &charts {
        // Each chart is an <svg> of its own, placed below the previous one.
        let placed = chart.replacen("<svg ", &format!("<svg y=\"{top}\" "), 1);
        out.push_str(&placed);
        top += chart_height;
    }
    out.push_str("</svg>\n");
    fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn svg_with_height(report: &Report) -> (String, f64) {
    const WIDTH: f64 = 960.0;
    const LABEL: f64 = 220.0;
    const ROW: f64 = 30.0;
    const COLORS: [&str; 5] = ["#6b7280", "#2563eb", "#dc2626", "#059669", "#9333ea"];
    let rows = rows(report);
    let panels: Vec<(String, Vec<Option<&Summary>>)> = [
        (
            "Cold start: spawn to first response (ms, lower is better)".to_owned(),
            rows.iter()
                .map(|c| c.figures.first_response_ms.as_ref())
                .collect::<Vec<_>>(),
        ),
        (
            "Warm latency, one request at a time (ms, lower is better)".to_owned(),
            rows.iter()
                .map(|c| c.figures.sequential_ms.as_ref())
                .collect(),
        ),
        (
            format!(
                "Warm latency, {} in flight (ms, lower is better)",
                report.concurrency
            ),
            rows.iter()
                .map(|c| c.figures.concurrent_ms.as_ref())
                .collect(),
        ),
    ]
    .into_iter()
    .filter(|(_, summaries)| summaries.iter().any(Option::is_some))
    .collect();

    let panel_height = 50.0 + ROW * rows.len() as f64 + 20.0;
    let legend_top = 50.0 + panel_height * panels.len() as f64;
    let height = legend_top + 20.0 + 18.0 * rows.len() as f64;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let model = match model(report) {
        "aws" => " — genezio-aws model",
        "cloud" => " — genezio-cloud model",
        _ => "",
    };
    let _ = writeln!(
        out,
        r#"<text x="10" y="25" font-size="16" font-weight="bold">gzrs bench: {}{model}</text>"#,
        escape(&report.app)
    );
    let _ = writeln!(
        out,
        r##"<text x="{:.0}" y="25" text-anchor="end" fill="#6b7280">box: p25 to p75, bar: median, whiskers: min to p99</text>"##,
        WIDTH - 10.0
    );
    for (p, (title, summaries)) in panels.iter().enumerate() {
        let top = 50.0 + p as f64 * panel_height;
        // The axis ends on a round tick past every whisker; the labels beside p99 fit in the margin.
        let (step, ticks) = nice_ticks(
            summaries
                .iter()
                .flatten()
                .map(|s| s.p99.max(s.p75))
                .fold(0.0_f64, f64::max),
        );
        let max = step * ticks as f64;
        let x = |v: f64| LABEL + (v.min(max) / max) * (WIDTH - LABEL - 110.0);
        let _ = writeln!(
            out,
            r#"<text x="10" y="{:.0}" font-weight="bold">{}</text>"#,
            top + 18.0,
            escape(title)
        );
        let axis_y = top + 30.0 + ROW * rows.len() as f64;
        for t in 0..=ticks {
            let value = step * t as f64;
            let tx = x(value);
            let _ = writeln!(
                out,
                r##"<line x1="{tx:.1}" y1="{:.1}" x2="{tx:.1}" y2="{axis_y:.1}" stroke="#e5e7eb"/><text x="{tx:.1}" y="{:.1}" text-anchor="middle" fill="#6b7280">{}</text>"##,
                top + 28.0,
                axis_y + 14.0,
                escape(&format_tick(value, step))
            );
        }
        for (i, (contestant, summary)) in rows.iter().zip(summaries).enumerate() {
            let y = top + 30.0 + ROW * i as f64;
            let mid = y + ROW / 2.0;
            let color = COLORS[i % COLORS.len()];
            let _ = writeln!(
                out,
                r#"<text x="10" y="{:.1}">{}</text>"#,
                mid + 4.0,
                escape(&contestant.name)
            );
            let Some(s) = summary else {
                let why = if contestant.failed.is_some() {
                    "failed"
                } else {
                    "not measured"
                };
                let _ = writeln!(
                    out,
                    r##"<text x="{LABEL}" y="{:.1}" fill="#991b1b">{why}</text>"##,
                    mid + 4.0
                );
                continue;
            };
            let _ = writeln!(
                out,
                r#"<line x1="{:.1}" y1="{mid:.1}" x2="{:.1}" y2="{mid:.1}" stroke="{color}"/>"#,
                x(s.min),
                x(s.p99)
            );
            let _ = writeln!(
                out,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{color}" fill-opacity="0.25" stroke="{color}"/>"#,
                x(s.p25),
                y + 7.0,
                (x(s.p75) - x(s.p25)).max(1.0),
                ROW - 14.0
            );
            let _ = writeln!(
                out,
                r#"<line x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{2:.1}" stroke="{color}" stroke-width="3"/>"#,
                x(s.p50),
                y + 5.0,
                y + ROW - 5.0
            );
            let _ = writeln!(
                out,
                r##"<text x="{:.1}" y="{:.1}" fill="#111827">{}</text>"##,
                x(s.p99) + 6.0,
                mid + 4.0,
                escape(&format!("p50 {}", ms(s.p50)))
            );
        }
    }
    // What each row is.
    for (i, contestant) in rows.iter().enumerate() {
        let _ = writeln!(
            out,
            r##"<text x="10" y="{:.0}" fill="#374151"><tspan font-weight="bold" fill="{}">{}</tspan>: {}</text>"##,
            legend_top + 16.0 + 18.0 * i as f64,
            COLORS[i % COLORS.len()],
            escape(&contestant.name),
            escape(&contestant.description)
        );
    }
    out.push_str("</svg>\n");
    (out, height)
}

/// A round step (1, 2 or 5 times a power of ten) and how many steps reach past `max`: four to
/// eight ticks, the last one at or beyond `max`.
fn nice_ticks(max: f64) -> (f64, usize) {
    let max = max.max(0.001);
    let rough = max / 5.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| max / step <= 8.0)
        .unwrap_or(10.0 * power);
    (step, (max / step).ceil().max(1.0) as usize)
}

/// A tick's label, with as many decimals as the step needs (0.25 for a step of 0.05: no 0.250).
fn format_tick(value: f64, step: f64) -> String {
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    format!("{value:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::{format_tick, nice_ticks};

    #[test]
    fn ticks_are_round_and_reach_past_the_largest_value() {
        for (max, step, ticks) in [
            (321.0, 50.0, 7),
            (2.6, 0.5, 6),
            (149.0, 20.0, 8),
            (0.37, 0.05, 8),
            (100.0, 20.0, 5),
        ] {
            assert_eq!(nice_ticks(max), (step, ticks), "{max}");
        }
        assert_eq!(format_tick(150.0, 50.0), "150");
        assert_eq!(format_tick(1.5, 0.5), "1.5");
        assert_eq!(format_tick(0.30000000000000004, 0.1), "0.3");
    }
}
