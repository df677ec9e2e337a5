//! A project as genezio-cloud runs it: `genezio bundleClass --cloudAdapter genezio`, unzipped,
//! its `index.mjs` imported by one Node process (`bench/js/cloud-front.mjs`) that calls Genezio's
//! handler with genezio-cloud's event shape for each HTTP request. The class is constructed
//! lazily, inside the first request, by Genezio's own handler; there is no Runtime API.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use ureq::Agent;

use crate::corpus::{Answer, Case};
use crate::lambda::bundle;
use crate::{repo_root, GroupGuard};

/// A genezio-cloud bundle served over HTTP on a loopback port; dropping it ends the process.
#[derive(Debug)]
pub struct CloudLocal {
    process: GroupGuard,
    base: String,
    log: PathBuf,
}

impl CloudLocal {
    /// Bundles `project`'s class `class` for genezio-cloud into `work` and serves it.
    pub fn start(project: &Path, class: &str, method: &str, work: &Path) -> Self {
        Self::start_with(project, class, method, work, &[], &[])
    }

    /// [`CloudLocal::start`] with a command prefix for node's children (none here: the native
    /// host is what would use one) and extra environment variables for the process.
    pub fn start_with(
        project: &Path,
        class: &str,
        method: &str,
        work: &Path,
        node_args: &[&str],
        env: &[(&str, &str)],
    ) -> Self {
        let unzipped = bundle(project, class, "genezio", work);
        Self::serve(&unzipped, class, method, node_args, env)
    }

    /// Serves an already unzipped genezio-cloud bundle.
    pub fn serve(
        unzipped: &Path,
        class: &str,
        method: &str,
        node_args: &[&str],
        env: &[(&str, &str)],
    ) -> Self {
        let log = unzipped.with_extension("cloud-front.log");
        let mut command = Command::new("node");
        command
            .args(node_args)
            .arg(repo_root().join("bench/js/cloud-front.mjs"))
            .arg(unzipped)
            .arg("0")
            .current_dir(unzipped)
            .envs(env.iter().copied());
        let mut process = GroupGuard::spawn(&mut command, &log);
        let started = Instant::now();
        let port = loop {
            let output = fs::read_to_string(&log).unwrap_or_default();
            if let Some(port) = output
                .lines()
                .find_map(|line| line.strip_prefix("listening ")?.trim().parse::<u16>().ok())
            {
                break port;
            }
            if process.exited() || started.elapsed() > Duration::from_secs(30) {
                panic!("the genezio-cloud front did not start; its output:\n{output}");
            }
            thread::sleep(Duration::from_millis(50));
        };
        CloudLocal {
            process,
            base: format!("http://127.0.0.1:{port}/{class}/{method}"),
            log,
        }
    }

    /// The URL of a service path.
    pub fn url(&self, target: &str) -> String {
        format!("{}{target}", self.base)
    }

    /// Sends `case` to the service through Genezio's genezio-cloud handler.
    pub fn send(&self, agent: &Agent, case: &Case) -> Result<Answer, String> {
        crate::local::send(agent, &self.url(case.target.as_str()), case)
    }

    /// Hands `event` to Genezio's genezio-cloud handler as it is: the handler's result.
    pub fn invoke(&self, event: &serde_json::Value) -> Result<serde_json::Value, String> {
        let origin = self.base.split('/').take(3).collect::<Vec<_>>().join("/");
        let mut response = crate::http_agent()
            .post(&format!("{origin}/__gzrs/event"))
            .header("content-type", "application/json")
            .send(event.to_string())
            .map_err(|e| format!("the event did not reach the handler: {e}"))?;
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("the handler's result could not be read: {e}"))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("the handler's result is not JSON ({e}): {text}"))
    }

    /// What the process printed so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the front is still running.
    pub fn running(&mut self) -> bool {
        !self.process.exited()
    }
}

impl crate::checks::Server for CloudLocal {
    fn send(&self, agent: &Agent, case: &Case) -> Result<Answer, String> {
        CloudLocal::send(self, agent, case)
    }

    /// genezio-cloud's handler builds the query from the URL with `Object.fromEntries`, so a
    /// repeated key arrives once, with its last value.
    fn as_delivered(&self, case: &Case) -> Case {
        crate::corpus::with_last_query_value(case)
    }
}
