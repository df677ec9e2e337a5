//! The real `genezio local`, serving a project on a free port for the life of a guard.

use std::fs::{self, File};
use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use ureq::Agent;

use crate::corpus::{Answer, Case};
use crate::{genezio, GroupGuard};

/// How long `genezio local` may take to answer its first request (it type-checks and bundles
/// first: ~10-20 s on a small machine, more under load).
const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// An HTTP client that reports every status as an answer, not an error, and keeps each
/// header field apart.
pub fn http_agent() -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// `genezio local` running in a project; dropping it ends Genezio and all its children.
#[derive(Debug)]
pub struct GenezioLocal {
    process: GroupGuard,
    base: String,
    log: PathBuf,
}

impl GenezioLocal {
    /// Starts `genezio local` in `project` and waits until `/<class>/<method>` answers.
    /// Panics, with Genezio's output, if it exits or is not ready in time.
    pub fn start(project: &Path, class: &str, method: &str) -> Self {
        Self::start_with_env(project, class, method, &[])
    }

    /// [`GenezioLocal::start`] with extra environment variables for Genezio (and so for the
    /// class it runs).
    pub fn start_with_env(project: &Path, class: &str, method: &str, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let log = project.with_extension("genezio-local.log");
        let file = File::create(&log).expect("create the genezio local log");
        let child = Command::new(genezio())
            .args(["local", "--port", &port.to_string()])
            .current_dir(project)
            .env("GENEZIO_NO_TELEMETRY", "1")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("clone the log handle"))
            .stderr(file)
            .process_group(0)
            .spawn()
            .expect("start genezio local");
        // The guard exists before any wait, so a panic below still ends the process group.
        let mut local = Self {
            process: GroupGuard(child),
            base: format!("http://127.0.0.1:{port}/{class}/{method}"),
            log,
        };
        local.wait_ready();
        local
    }

    fn wait_ready(&mut self) {
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .into();
        let started = Instant::now();
        loop {
            // Express listens before the worker that runs the class does, and answers 500 until
            // it is up (restarting the worker each time, so polls stay slow). Both services
            // answer their root with a 2xx, so anything below 500 means the class serves.
            if agent
                .get(&self.base)
                .call()
                .is_ok_and(|response| response.status().as_u16() < 500)
            {
                return;
            }
            if let Ok(Some(status)) = self.process.0.try_wait() {
                panic!(
                    "genezio local exited with {status} before serving; its output:\n{}",
                    self.log()
                );
            }
            if started.elapsed() > READY_TIMEOUT {
                panic!(
                    "genezio local did not answer {} within {READY_TIMEOUT:?}; its output:\n{}",
                    self.base,
                    self.log()
                );
            }
            thread::sleep(Duration::from_millis(500));
        }
    }

    /// Fails the test with every problem and Genezio's output, if there are any problems.
    pub fn assert_no_problems(&self, problems: &[String]) {
        assert!(
            problems.is_empty(),
            "{}\n\n--- genezio local output ---\n{}",
            problems.join("\n"),
            self.log()
        );
    }

    /// The fixture's panic (from `/panic`) reached Genezio's log, not only the client.
    pub fn check_panic_logged(&self) -> Vec<String> {
        if self.log().contains("the fixture panicked on purpose") {
            Vec::new()
        } else {
            vec!["[panic] its message is not in the log".into()]
        }
    }

    /// What Genezio printed so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The URL of a service path (`/users/7` → `http://127.0.0.1:P/Class/method/users/7`).
    pub fn url(&self, target: &str) -> String {
        format!("{}{target}", self.base)
    }

    /// Sends `case` to the service through Genezio.
    pub fn send(&self, agent: &Agent, case: &Case) -> Result<Answer, String> {
        send(agent, &self.url(&case.target), case)
    }
}

impl GenezioLocal {
    /// Another class of the same project (`/<class>/<method>`), as a server of its own.
    pub fn class(&self, class: &str, method: &str) -> ClassRoute {
        let root = self.base.rsplitn(3, '/').nth(2).unwrap_or_default();
        ClassRoute {
            base: format!("{root}/{class}/{method}"),
        }
    }
}

/// One class of a project `genezio local` serves.
#[derive(Debug)]
pub struct ClassRoute {
    base: String,
}

impl crate::checks::Server for ClassRoute {
    fn send(&self, agent: &Agent, case: &Case) -> Result<Answer, String> {
        send(agent, &format!("{}{}", self.base, case.target), case)
    }
}

/// Sends `case` to `url`; any status is an answer, a transport failure an error.
pub fn send(agent: &Agent, url: &str, case: &Case) -> Result<Answer, String> {
    let fail = |e: ureq::Error| format!("[{}] {} {}: {e}", case.name, case.method, case.target);
    let mut response = agent.run(case.request(url)).map_err(fail)?;
    let body = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .map_err(fail)?;
    Ok(Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body,
    })
}

/// A port nobody listens on right now (the OS picks it).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("a bound address").port()
}
