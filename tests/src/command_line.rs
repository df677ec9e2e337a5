//! The `gzrs` command as a user runs it, for the tests of the command itself: scratch crates
//! outside this repository, gzrs run in them, and a server waited on.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch directory outside the repository: a crate inside it would be taken for a member
/// of this workspace.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gzrs-cli-test-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create a scratch dir");
    dir
}

/// A crate `name` of its own workspace in `dir`, with `dependencies` (TOML lines) and `lib` as
/// its `src/lib.rs`; its directory.
pub fn scratch_crate(dir: &Path, name: &str, dependencies: &str, lib: &str) -> PathBuf {
    let krate = dir.join(name);
    fs::create_dir_all(krate.join("src")).unwrap();
    fs::write(
        krate.join("Cargo.toml"),
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{dependencies}\n[workspace]\n"),
    )
    .unwrap();
    fs::write(krate.join("src/lib.rs"), lib).unwrap();
    krate
}

/// Runs gzrs; wasm builds share this repository's target dir so dependencies compile once.
pub fn gzrs(args: &[&str], cwd: &Path) -> Output {
    Command::new(crate::gzrs())
        .args(args)
        .current_dir(cwd)
        .env("CARGO_TARGET_DIR", crate::shared_target_dir())
        .output()
        .expect("gzrs runs")
}

/// `gzrs build --mode wasm --no-install --out OUT KRATE`, run in `cwd`.
pub fn build_wasm(krate: &str, out: &Path, cwd: &Path) -> Output {
    let out = out.to_str().expect("a UTF-8 path");
    gzrs(
        &[
            "build",
            "--mode",
            "wasm",
            "--no-install",
            "--out",
            out,
            krate,
        ],
        cwd,
    )
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs a command to completion; its output on failure.
pub fn run_ok(command: &mut Command, what: &str) -> Output {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        stderr(&output)
    );
    output
}

/// The body of `GET url`, if it answers 200.
pub fn get_text(agent: &ureq::Agent, url: &str) -> Option<String> {
    let mut answer = agent.get(url).call().ok()?;
    answer.body_mut().read_to_string().ok()
}

/// Waits up to `seconds` for `check`, failing with `what` and the log.
pub fn wait_for(seconds: u64, what: &str, log: &Path, mut check: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !check() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(seconds),
            "{what}:\n{}",
            fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

/// `gzrs build --platform server --arch x86_64` of `krate` (in `cwd`) into `out`.
pub fn build_server(krate: &str, out: &Path, cwd: &Path) {
    let out = out.to_str().expect("a UTF-8 path");
    let built = gzrs(
        &[
            "build",
            "--platform",
            "server",
            "--arch",
            "x86_64",
            "--out",
            out,
            krate,
        ],
        cwd,
    );
    assert!(built.status.success(), "{}", stderr(&built));
}

/// Starts `command` (a server on `port`), waits until `GET path` answers 200, and returns the
/// guard and that first answer's body.
pub fn serve(
    command: &mut Command,
    port: u16,
    path: &str,
    log: &Path,
) -> (crate::GroupGuard, String) {
    let mut server = crate::GroupGuard::spawn(command.env("PORT", port.to_string()), log);
    let agent = crate::http_agent();
    let url = format!("http://127.0.0.1:{port}{path}");
    let mut body = None;
    wait_for(60, "the server never answered", log, || {
        assert!(
            !server.exited(),
            "the server exited:\n{}",
            fs::read_to_string(log).unwrap_or_default()
        );
        body = get_text(&agent, &url);
        body.is_some()
    });
    (server, body.unwrap_or_default())
}

/// Calls the built project's class the way Genezio's handler would, through the host gzrs
/// shipped in it, and prints the response object as JSON.
const CALL_SCRIPT: &str = r#"
import path from "node:path";
import { pathToFileURL } from "node:url";
const [project, route] = process.argv.slice(2);
const dir = path.join(project, "server", "gzrs");
const { WasmHost } = await import(pathToFileURL(path.join(dir, "wasm-host.mjs")).href);
const host = WasmHost.load(pathToFileURL(dir + "/").href, "./service.wasm");
const res = await host.handle({ http: { method: "GET", path: route }, headers: {}, rawBody: undefined });
console.log(JSON.stringify(res));
"#;

/// Runs the built project's class on `route` (through [`CALL_SCRIPT`]): its response object.
pub fn call(project: &Path, route: &str, dir: &Path) -> serde_json::Value {
    let script = dir.join("call.mjs");
    fs::write(&script, CALL_SCRIPT).unwrap();
    let called = Command::new("node")
        .arg(&script)
        .arg(project)
        .arg(route)
        .output()
        .expect("node runs");
    assert!(called.status.success(), "{}", stderr(&called));
    let stdout = String::from_utf8_lossy(&called.stdout);
    serde_json::from_str(stdout.trim().lines().last().unwrap_or_default()).expect("JSON")
}
