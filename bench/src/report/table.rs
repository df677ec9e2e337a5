//! The table a run prints in the terminal, every figure beside its ratio to the floor.

use std::fmt::Write as _;

use super::rows::{ms, rows};
use crate::figures::{Contestant, Report};
use crate::stats::Summary;

fn floor(report: &Report) -> Option<&Contestant> {
    let name = report.floor.as_deref()?;
    report
        .contestants
        .iter()
        .find(|c| c.name == name && c.failed.is_none())
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

    if report.routes.len() > 1 {
        let _ = writeln!(out, "Warm, one request at a time, route by route (p50):");
        let mut table = vec![std::iter::once(String::new())
            .chain(report.routes.iter().map(|r| r.label()))
            .collect::<Vec<_>>()];
        let p50 = |c: &Contestant, route: &str| {
            c.figures
                .sequential_by_route
                .iter()
                .find(|(label, _)| label == route)
                .map(|(_, s)| s.p50)
        };
        for c in rows(report).into_iter().filter(|c| c.failed.is_none()) {
            let mut row = vec![label(c)];
            for route in &report.routes {
                let route = route.label();
                row.push(p50(c, &route).map_or("-".into(), |value| {
                    versus(
                        value,
                        floor.and_then(|f| p50(f, &route)),
                        false,
                        is_floor(c),
                    )
                }));
            }
            table.push(row);
        }
        columns(&mut out, &table);
        out.push('\n');
    }

    if report.kind == "web" {
        let _ = writeln!(out, "Size:");
        let mut table = vec![vec![String::new(), "artifact".into()]];
        for c in report.contestants.iter().filter(|c| c.failed.is_none()) {
            table.push(vec![c.name.clone(), bytes(c.figures.artifact_bytes)]);
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
