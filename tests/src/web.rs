//! The web platform under a real JavaScript runtime: `gzrs local --platform web --runtime R`
//! (Node through `server.mjs`, Deno, Bun, workerd, from the npm packages pinned in `tests/node`)
//! serving a crate on a free port for the life of a guard; or, as [`NATIVE_SERVER`], the server
//! platform's executable (`gzrs local --platform server`).
//!
//! Each runtime gets its own output folder, so runtimes started at once never share files, and
//! cargo's cache makes every build after the first a no-op: the module is compiled once.

use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use ureq::Agent;

use crate::corpus::{Answer, Case};
use crate::{gzrs, repo_root, GroupGuard};

/// The runtimes the web platform is tested on. `deno` serves the Deno platform's output
/// (`--platform deno`: `main.mjs` with only `--allow-env --allow-net`), the others the web folder.
pub const RUNTIMES: [&str; 4] = ["node", "deno", "bun", "workerd"];
/// Node 22 and 24 (from npm, in `tests/node-versions`) in place of the machine's Node 20.
pub const NEWER_NODES: [&str; 2] = ["node22", "node24"];

/// The executable of a Node from `tests/node-versions` (`node22`, `node24`).
pub fn node_version(name: &str) -> PathBuf {
    let path = repo_root()
        .join("tests/node-versions/node_modules")
        .join(name)
        .join("bin/node");
    assert!(
        path.is_file(),
        "{} is missing: run scripts/setup.sh (npm ci in tests/node-versions)",
        path.display()
    );
    path
}
/// In place of a runtime: the native server (`gzrs local --platform server`), the executable
/// serving HTTP itself.
pub const NATIVE_SERVER: &str = "native-server";

/// How long a first build (a compile of the service for wasm32) and start may take.
const READY_TIMEOUT: Duration = Duration::from_secs(600);

/// `gzrs local --platform web` serving a crate; dropping it stops gzrs and the runtime.
#[derive(Debug)]
pub struct WebLocal {
    process: GroupGuard,
    base: String,
    log: PathBuf,
    pub runtime: String,
}

impl WebLocal {
    /// Serves the crate at `crate_dir` (relative to the repository) with `runtime`, the build
    /// going to `target/gzrs-tests/web-<name>-<runtime>`, with `vars` in the service's
    /// environment and `options` added to `gzrs local`. Waits until `ready` (a path) answers
    /// below 500; panics with the output if it does not.
    pub fn start(
        crate_dir: &str,
        name: &str,
        runtime: &str,
        vars: &[(&str, &str)],
        options: &[&str],
        ready: &str,
    ) -> Self {
        let port = crate::local::free_port();
        let out = repo_root()
            .join("target/gzrs-tests")
            .join(format!("web-{name}-{runtime}"));
        let log = out.with_extension("log");
        let mut command = Command::new(gzrs());
        command
            .arg("local")
            .env("CARGO_TARGET_DIR", crate::shared_target_dir());
        match runtime {
            NATIVE_SERVER => command.args(["--platform", "server"]),
            "deno" => command.args(["--platform", "deno"]),
            _ if NEWER_NODES.contains(&runtime) => command
                .args(["--platform", "web", "--runtime", "node"])
                .env("GZRS_NODE", node_version(runtime)),
            _ => command.args(["--platform", "web", "--runtime", runtime]),
        };
        command
            .args(["--port", &port.to_string()])
            .arg("--out")
            .arg(&out)
            .args(options);
        for (key, value) in vars {
            command.arg("--var").arg(format!("{key}={value}"));
        }
        command.arg(repo_root().join(crate_dir));
        Self::serve(&mut command, port, log, runtime, ready)
    }

    /// Runs `command`, which serves on 127.0.0.1:`port` (a platform's own tool: `wrangler dev`),
    /// its output going to `log`, and waits until `ready` answers below 500; `name` names it in
    /// messages.
    pub fn serve(command: &mut Command, port: u16, log: PathBuf, name: &str, ready: &str) -> Self {
        let mut local = Self {
            process: GroupGuard::spawn(command, &log),
            base: format!("http://127.0.0.1:{port}"),
            log,
            runtime: name.to_string(),
        };
        local.wait_ready(ready);
        local
    }

    fn wait_ready(&mut self, ready: &str) {
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .into();
        let started = Instant::now();
        loop {
            if agent
                .get(format!("{}{ready}", self.base))
                .call()
                .is_ok_and(|response| response.status().as_u16() < 500)
            {
                return;
            }
            if self.process.exited() {
                panic!(
                    "gzrs local --runtime {} exited before serving; its output:\n{}",
                    self.runtime,
                    self.log()
                );
            }
            if started.elapsed() > READY_TIMEOUT {
                panic!(
                    "gzrs local --runtime {} did not answer within {READY_TIMEOUT:?}; its output:\n{}",
                    self.runtime,
                    self.log()
                );
            }
            thread::sleep(Duration::from_millis(250));
        }
    }

    /// What gzrs and the runtime printed so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The URL of a path (`/users/7` → `http://127.0.0.1:P/users/7`).
    pub fn url(&self, target: &str) -> String {
        format!("{}{target}", self.base)
    }
}

impl crate::checks::Server for WebLocal {
    fn send(&self, agent: &Agent, case: &Case) -> Result<Answer, String> {
        crate::local::send(agent, &self.url(&case.target), case)
            .map_err(|error| format!("[{}] {error}", self.runtime))
    }
}
