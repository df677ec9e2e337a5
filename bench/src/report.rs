//! What a benchmark run shows: a table in the terminal, every figure as JSON, and an SVG chart
//! of the latency distributions side by side.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use super::stats::Summary;
use super::{Contestant, Report};

/// The contestants and, last, the tool's own overhead.
fn rows(report: &Report) -> Vec<&Contestant> {
    report.contestants.iter().chain(&report.overhead).collect()
}

fn floor(report: &Report) -> Option<&Contestant> {
    let name = report.floor.as_deref()?;
    report
        .contestants
        .iter()
        .find(|c| c.name == name && c.failed.is_none())
}

fn ms(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0} ms")
    } else if value >= 10.0 {
        format!("{value:.1} ms")
    } else {
        format!("{value:.2} ms")
    }
}

fn bytes(value: Option<u64>) -> String {
    match value {
        Some(b) if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1 << 20) as f64),
        Some(b) if b >= 1 << 10 => format!("{:.0} KiB", b as f64 / 1024.0),
        Some(b) => format!("{b} B"),
        None => "-".into(),
    }
}

/// `value` with its difference (`+3.1 ms`) or ratio (`1.05x`) to the floor's.
fn versus(value: f64, floor: Option<f64>, as_difference: bool, is_floor: bool) -> String {
    match floor {
        Some(_) if is_floor => format!("{} (floor)", ms(value)),
        Some(f) if as_difference => format!("{} ({:+.1} ms)", ms(value), value - f),
        Some(f) if f > 0.0 => format!("{} ({:.2}x)", ms(value), value / f),
        _ => ms(value),
    }
}

fn columns(out: &mut String, rows: &[Vec<String>]) {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let mut line = String::from("  ");
        for (i, cell) in row.iter().enumerate() {
            let pad = widths[i] - cell.chars().count();
            line.push_str(cell);
            line.push_str(&" ".repeat(pad + 3));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let floor = floor(report);
    let routes: Vec<String> = report.routes.iter().map(|r| r.label()).collect();
    let how = match (report.kind, report.provider) {
        ("local", Some("cloud")) => {
            "genezio-cloud model: Genezio's genezio-cloud bundles, each in \
            one Node process calling Genezio's handler behind an HTTP front; the class is built \
            inside the first request; native mode runs as the sidecar"
                .to_owned()
        }
        ("local", _) => format!(
            "genezio-aws model: Genezio's aws bundles run by {} against gzrs's Lambda Runtime \
             API emulator; the class is built at init; native mode takes over as the trap",
            report
                .node_runtime
                .as_deref()
                .unwrap_or("a Node runtime loop")
        ),
        ("web", Some(runtime)) => format!(
            "on {runtime}: gzrs's wasm fetch handler and a JavaScript fetch handler with the same \
             routes (the floor), each served by {runtime}, and gzrs's native server, each its own \
             process on this machine"
        ),
        _ => "deployed endpoints over HTTP".into(),
    };
    let _ = writeln!(out, "\ngzrs bench: {} ({how})", report.app);
    let _ = writeln!(
        out,
        "routes: {} | {} CPUs {} | medians and percentiles over the samples below; ratios are to `{}`, measured in the same run\n",
        routes.join(", "),
        report.machine.cpus,
        report.machine.arch,
        report.floor.as_deref().unwrap_or("-"),
    );
    for c in rows(report) {
        let _ = writeln!(out, "  {:<26} {}", c.name, c.description);
    }
    out.push('\n');
    let is_floor = |c: &Contestant| floor.is_some_and(|f| f.name == c.name);
    let label = |c: &Contestant| match report.overhead.as_ref() {
        Some(o) if o.name == c.name => format!("{} (the tool's own cost)", c.name),
        _ => c.name.clone(),
    };

    if report.cold_starts > 0 {
        let _ = writeln!(
            out,
            "Cold start, median of {} fresh processes each, contestants taking turns (in \
             brackets: the difference to the floor's median; lower is better):",
            report.cold_starts
        );
        let init = match (report.kind, report.provider) {
            ("web", _) => "CPU time to first response",
            (_, Some("cloud")) => "spawn to listening (imported)",
            _ => "spawn to init done",
        };
        let mut table = vec![vec![
            String::new(),
            init.into(),
            "spawn to first response".into(),
        ]];
        for c in rows(report).into_iter().filter(|c| c.failed.is_none()) {
            let f = &c.figures;
            let cell = |s: &Option<Summary>, fl: Option<&Option<Summary>>| {
                s.as_ref().map_or("-".into(), |s| {
                    let floor = fl.and_then(|x| x.as_ref());
                    versus(s.p50, floor.map(|x| x.p50), true, is_floor(c))
                })
            };
            table.push(vec![
                label(c),
                cell(&f.init_ms, floor.map(|x| &x.figures.init_ms)),
                cell(
                    &f.first_response_ms,
                    floor.map(|x| &x.figures.first_response_ms),
                ),
            ]);
        }
        columns(&mut out, &table);
        out.push('\n');
    }

    let handled: Vec<&Contestant> = rows(report)
        .into_iter()
        .filter(|c| c.failed.is_none() && c.figures.handler_us.is_some())
        .collect();
    if let Some(rounds) = handled
        .first()
        .and_then(|c| c.figures.handler_us.as_ref())
        .map(|s| s.count)
    {
        let _ = writeln!(
            out,
            "Genezio's handler called in-process, no HTTP (what each mode adds to Genezio's own \
             path), median of {rounds} fresh processes each, after a warm-up:"
        );
        let floor_us = floor.and_then(|f| f.figures.handler_us.as_ref());
        let floor_first = floor.and_then(|f| f.figures.handler_first_ms.as_ref());
        let mut table = vec![vec![
            String::new(),
            "per request".into(),
            "first request (class built)".into(),
        ]];
        for c in handled {
            let per_request = c.figures.handler_us.as_ref().expect("filtered");
            let us = format!("{:.1} us", per_request.p50);
            let per_request = match floor_us {
                Some(_) if is_floor(c) => format!("{us} (floor)"),
                Some(f) if f.p50 > 0.0 => format!("{us} ({:.2}x)", per_request.p50 / f.p50),
                _ => us,
            };
            let first = c.figures.handler_first_ms.as_ref().map_or("-".into(), |s| {
                versus(s.p50, floor_first.map(|f| f.p50), true, is_floor(c))
            });
            table.push(vec![label(c), per_request, first]);
        }
        columns(&mut out, &table);
        out.push('\n');
    }

    for (title, pick) in [("Warm, one request at a time", 0), ("Warm, concurrent", 1)] {
        let title = if pick == 1 {
            format!("{title} ({} in flight)", report.concurrency)
        } else {
            title.to_owned()
        };
        let _ = writeln!(out, "{title}, {} requests each:", report.requests);
        let mut table = vec![vec![
            String::new(),
            "p50".into(),
            "p90".into(),
            "p99".into(),
            if pick == 1 {
                "throughput".into()
            } else {
                "errors".into()
            },
        ]];
        for c in rows(report).into_iter().filter(|c| c.failed.is_none()) {
            let f = &c.figures;
            let (summary, floor_summary) = if pick == 0 {
                (
                    &f.sequential_ms,
                    floor.and_then(|x| x.figures.sequential_ms.as_ref()),
                )
            } else {
                (
                    &f.concurrent_ms,
                    floor.and_then(|x| x.figures.concurrent_ms.as_ref()),
                )
            };
            let Some(s) = summary else { continue };
            table.push(vec![
                label(c),
                versus(s.p50, floor_summary.map(|x| x.p50), false, is_floor(c)),
                ms(s.p90),
                ms(s.p99),
                if pick == 1 {
                    f.throughput_rps
                        .map_or("-".into(), |t| format!("{t:.0} req/s"))
                } else {
                    f.errors.to_string()
                },
            ]);
        }
        columns(&mut out, &table);
        out.push('\n');
    }

    if report.kind == "local" {
        let _ = writeln!(out, "Size and memory:");
        let mut table = vec![vec![
            String::new(),
            "artifact".into(),
            "deploy bundle".into(),
            "peak RSS of the function".into(),
        ]];
        for c in report.contestants.iter().filter(|c| c.failed.is_none()) {
            table.push(vec![
                c.name.clone(),
                bytes(c.figures.artifact_bytes),
                bytes(c.figures.bundle_bytes),
                bytes(c.figures.peak_rss_bytes),
            ]);
        }
        columns(&mut out, &table);
        out.push('\n');
    }

    for c in rows(report) {
        if let Some(error) = &c.failed {
            let _ = writeln!(out, "FAILED {}: {error}\n", c.name);
        }
    }
    out
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
fn model(report: &Report) -> &'static str {
    match (report.kind, report.provider) {
        ("local", Some(provider)) => provider,
        ("local", None) => "aws",
        ("web", Some(runtime)) => runtime,
        _ => "remote",
    }
}

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
