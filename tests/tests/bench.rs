//! `gzrs bench` as a user runs it: all three contestants measured and reported (table, JSON,
//! SVG), a contestant that crashes at init reported as failed while the others run, and remote
//! mode ranking two servers of known, different latency.

use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use gzrs_tests::repo_root;
use serde_json::Value;

fn bench(args: &[&str], extra_env: &[(&str, &str)]) -> Output {
    let node_bin = repo_root().join("tests/node/node_modules/.bin");
    let path = format!(
        "{}:{}",
        node_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new(gzrs_tests::gzrs());
    command
        .arg("bench")
        .args(args)
        .current_dir(repo_root())
        .env("PATH", path)
        .env("GZRS_LAMBDA_RIC", gzrs_tests::lambda::aws_lambda_ric())
        .env("GENEZIO_NO_TELEMETRY", "1");
    for (name, value) in extra_env {
        command.env(name, value);
    }
    command.output().expect("gzrs runs")
}

fn out_file(name: &str) -> std::path::PathBuf {
    let dir = repo_root().join("target/gzrs-tests/bench");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn contestant<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["contestants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no contestant {name} in {report}"))
}

/// The contestant ran, and every figure of a `--quick` run is there: 5 cold starts, warm
/// latencies, throughput, no errors.
fn check_every_figure(report: &Value, name: &str) {
    let model = &report["provider"];
    let c = contestant(report, name);
    assert!(
        c["failed"].is_null(),
        "{model} {name} failed: {}",
        c["failed"]
    );
    let figures = &c["figures"];
    assert_eq!(figures["init_ms"]["count"], 5, "{model} {name}");
    for measure in [
        "init_ms",
        "first_response_ms",
        "sequential_ms",
        "concurrent_ms",
    ] {
        let p50 = figures[measure]["p50"].as_f64().unwrap_or(-1.0);
        assert!(p50 > 0.0, "{model} {name} {measure} p50 = {p50}");
    }
    assert!(
        figures["throughput_rps"].as_f64().unwrap_or(0.0) > 0.0,
        "{model} {name}"
    );
    assert_eq!(figures["errors"], 0, "{model} {name}");
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("the JSON file"))
        .expect("valid JSON")
}

#[test]
fn hello_is_measured_in_both_modes_against_the_floor() {
    let (json, svg) = (out_file("hello.json"), out_file("hello.svg"));
    let output = bench(
        &[
            "--quick",
            "examples/hello",
            "--json",
            json.to_str().unwrap(),
            "--svg",
            svg.to_str().unwrap(),
        ],
        &[],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for name in [
        "typescript",
        "wasm",
        "native",
        "genezio-aws model",
        "genezio-cloud model",
    ] {
        assert!(stdout.contains(name), "the table names {name}:\n{stdout}");
    }
    assert!(stdout.contains("emulator round trip"), "{stdout}");

    let both = read_json(&json);
    let report = &both["aws"];
    assert_eq!(report["provider"], "aws");
    let routes: Vec<&str> = report["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        routes,
        ["/", "/echo"],
        "hello has a small POST, so it is measured too"
    );
    for name in ["typescript", "wasm", "native", "native executable alone"] {
        check_every_figure(report, name);
    }
    for name in ["wasm", "native"] {
        assert!(
            contestant(report, name)["figures"]["artifact_bytes"]
                .as_u64()
                .unwrap()
                > 10_000
        );
    }
    assert!(
        contestant(report, "native")["figures"]["peak_rss_bytes"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(
        report["overhead"]["figures"]["sequential_ms"]["p50"]
            .as_f64()
            .unwrap()
            > 0.0
    );

    // The genezio-cloud model: the same contestants, each figure measured.
    let cloud = &both["cloud"];
    assert_eq!(cloud["provider"], "cloud");
    for name in ["typescript", "wasm", "native"] {
        check_every_figure(cloud, name);
        let memory = &contestant(cloud, name)["figures"]["peak_rss_bytes"];
        assert!(
            memory.as_u64().unwrap_or(0) > 0,
            "genezio-cloud {name}: {memory}"
        );
        // Genezio's handler called in-process: two rounds of a --quick run, each a figure.
        let figures = &contestant(cloud, name)["figures"];
        for measure in ["handler_us", "handler_first_ms"] {
            assert_eq!(
                figures[measure]["count"], 2,
                "genezio-cloud {name} {measure}"
            );
            let p50 = figures[measure]["p50"].as_f64().unwrap_or(-1.0);
            assert!(p50 > 0.0, "genezio-cloud {name} {measure} p50 = {p50}");
        }
    }
    assert!(
        stdout.contains("Genezio's handler called in-process"),
        "the table shows the in-process figures:\n{stdout}"
    );

    let svg = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    for name in ["typescript", "wasm", "native", "emulator round trip"] {
        assert!(
            texts.iter().any(|t| t.trim() == name),
            "the chart names {name}"
        );
    }
    for model in ["genezio-aws model", "genezio-cloud model"] {
        assert!(
            texts.iter().any(|t| t.contains(model)),
            "the chart shows the {model}"
        );
    }
    assert!(
        texts.iter().any(|t| t.contains("lower is better")),
        "the chart says which way is better"
    );
    // Every row is explained, in the chart and in the table.
    for described in [
        "a plain TypeScript Genezio class: the floor",
        "the benchmark's own cost per request",
    ] {
        assert!(
            texts.iter().any(|t| t.contains(described)),
            "the chart's legend: {described}"
        );
        assert!(
            stdout.contains(described),
            "the table's legend: {described}\n{stdout}"
        );
    }
}

#[test]
fn a_contestant_that_crashes_at_init_is_reported_and_the_others_still_run() {
    let json = out_file("crash.json");
    let output = bench(
        &[
            "--quick",
            "tests/fixture-app",
            "--routes",
            "GET /",
            "--json",
            json.to_str().unwrap(),
        ],
        &[("GZRS_FIXTURE_CRASH_AT_INIT", "1")],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("FAILED native"), "{stdout}");
    assert!(
        json.with_extension("svg").exists(),
        "the chart is written beside the JSON by default"
    );
    let both = read_json(&json);
    let report = &both["aws"];
    let native = contestant(report, "native");
    let error = native["failed"].as_str().expect("native failed");
    assert!(
        error.contains("during init") && error.contains("crashed at init"),
        "{error}"
    );
    for name in ["typescript", "wasm"] {
        let c = contestant(report, name);
        assert!(c["failed"].is_null(), "{name}: {}", c["failed"]);
        assert!(c["figures"]["sequential_ms"]["p50"].as_f64().unwrap() > 0.0);
    }
    // The genezio-cloud model too: native's sidecar dies starting, with its panic reported.
    let cloud = &both["cloud"];
    let error = contestant(cloud, "native")["failed"]
        .as_str()
        .expect("native failed on genezio-cloud too");
    assert!(error.contains("crashed at init"), "{error}");
    for name in ["typescript", "wasm"] {
        let c = contestant(cloud, name);
        assert!(c["failed"].is_null(), "{name}: {}", c["failed"]);
        assert!(c["figures"]["sequential_ms"]["p50"].as_f64().unwrap() > 0.0);
    }
}

/// An HTTP server on loopback that answers every request after `delay`.
fn slow_server(delay: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut writer = stream;
                while gzrs_tests::upstream::read_request(&mut reader).is_some() {
                    std::thread::sleep(delay);
                    if writer
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    url
}

#[test]
fn remote_mode_ranks_servers_by_latency() {
    let fast = slow_server(Duration::from_millis(1));
    let slow = slow_server(Duration::from_millis(15));
    let json = out_file("remote.json");
    let output = bench(
        &[
            "--url",
            &format!("slow={slow}"),
            "--url",
            &format!("fast={fast}"),
            "--requests",
            "40",
            "--concurrency",
            "4",
            "--json",
            json.to_str().unwrap(),
        ],
        &[],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let both = read_json(&json);
    let report = &both["remote"];
    let p50 = |name: &str, measure: &str| {
        contestant(report, name)["figures"][measure]["p50"]
            .as_f64()
            .unwrap()
    };
    for measure in ["sequential_ms", "concurrent_ms"] {
        assert!(
            p50("fast", measure) < p50("slow", measure),
            "{measure}: {stdout}"
        );
        assert!(p50("slow", measure) >= 15.0, "{measure}: {stdout}");
    }
    let rps = |name: &str| {
        contestant(report, name)["figures"]["throughput_rps"]
            .as_f64()
            .unwrap()
    };
    assert!(rps("fast") > rps("slow"), "{stdout}");
    // Ratios are to the first endpoint named.
    assert!(
        stdout.contains("slow") && stdout.contains("(floor)"),
        "{stdout}"
    );
}

/// The routes of `examples/compute`, and its body for the POST.
const COMPUTE_ROUTES: [&str; 5] = [
    "/",
    "/sieve",
    "/sort",
    "POST /summary @examples/compute/order-500.json",
    "/table",
];

/// `gzrs bench --platform web --twin` on two runtimes, with `examples/compute` and its
/// JavaScript twin: each report has the twin, the wasm fetch handler and the native server, each
/// with its cold starts (wall and CPU time), warm latencies and throughput, every route measured
/// on its own, and no errors; the twin's answers are the wasm handler's, byte for byte.
#[test]
fn the_web_bench_measures_wasm_native_and_the_javascript_twin_on_each_runtime() {
    let json = out_file("web.json");
    let routes = COMPUTE_ROUTES.join(",");
    let output = bench(
        &[
            "--platform",
            "web",
            "--runtimes",
            "node,workerd",
            "--twin",
            "examples/compute/twin.mjs",
            "--routes",
            &routes,
            "--cold",
            "2",
            "--requests",
            "20",
            "--json",
            json.to_str().unwrap(),
            "examples/compute",
        ],
        &[],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reports: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let reports = reports.as_object().expect("one report per runtime");
    let runtimes: Vec<&str> = reports.keys().map(String::as_str).collect();
    assert_eq!(runtimes, ["node", "workerd"]);
    for report in reports.values() {
        for name in ["javascript", "wasm", "native"] {
            let c = contestant(report, name);
            assert!(c["failed"].is_null(), "{name}: {}", c["failed"]);
            assert!(
                c["description"].as_str().unwrap().contains("twin.mjs") || name != "javascript",
                "{c}"
            );
            let figures = &c["figures"];
            for figure in [
                "init_ms",
                "first_response_ms",
                "sequential_ms",
                "concurrent_ms",
            ] {
                assert_eq!(
                    figures[figure]["count"],
                    if figure.ends_with("response_ms") || figure == "init_ms" {
                        2
                    } else {
                        20
                    },
                    "{name} {figure}: {figures}"
                );
                assert!(
                    figures[figure]["p50"].as_f64().unwrap() > 0.0,
                    "{name} {figure}"
                );
            }
            let by_route = figures["sequential_by_route"].as_array().unwrap();
            let labels: Vec<&str> = by_route.iter().map(|r| r[0].as_str().unwrap()).collect();
            assert_eq!(
                labels,
                [
                    "GET /",
                    "GET /sieve",
                    "GET /sort",
                    "POST /summary",
                    "GET /table"
                ],
                "{name}"
            );
            assert!(
                by_route.iter().all(|r| r[1]["count"] == 4),
                "{name}: {by_route:?}"
            );
            assert!(figures["throughput_rps"].as_f64().unwrap() > 0.0);
            assert!(figures["artifact_bytes"].as_u64().unwrap() > 0, "{name}");
            assert_eq!(figures["errors"], 0, "{name}");
        }
    }
    assert!(stdout.contains("CPU time to first response"), "{stdout}");
    assert!(stdout.contains("route by route"), "{stdout}");

    // What was measured answers the same: the wasm handler it built and the twin, in-process.
    let built = repo_root().join("target/gzrs/bench/compute/web/wasm");
    let checked = Command::new("node")
        .arg("bench/js/twin.mjs")
        .arg("--check")
        .arg(&built)
        .arg("examples/compute/twin.mjs")
        .args(COMPUTE_ROUTES)
        .args(["/sort?count=7&seed=9", "/table?rows=0", "/sieve?limit=3"])
        .current_dir(repo_root())
        .output()
        .expect("node runs");
    let said = String::from_utf8_lossy(&checked.stdout);
    assert!(
        checked.status.success(),
        "{said}\n{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    assert_eq!(said.matches("the same").count(), 8, "{said}");
}
