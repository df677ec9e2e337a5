//! Genezio's deploy bundle run as Lambda runs it: `genezio bundleClass --cloudAdapter aws`
//! unzipped, its Node runtime loop (AWS's `aws-lambda-ric`) or a bare executable supervised by
//! gzrs's Runtime API emulator, and requests sent through the emulator's HTTP front.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use gzrs_emulator::{Config, Emulator, InvokeError};
use ureq::Agent;

use crate::corpus::{Answer, Case};
use crate::{genezio, repo_root, run_logged};

/// Runs `genezio bundleClass --className <class> --cloudAdapter <adapter>` in `project` and
/// unzips the bundle into `<out>/unzipped`, which it returns.
pub fn bundle(project: &Path, class: &str, adapter: &str, out: &Path) -> PathBuf {
    // bundleClass works inside the project dir; one at a time.
    static BUNDLING: Mutex<()> = Mutex::new(());
    let _serial = BUNDLING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let _ = fs::remove_dir_all(out);
    fs::create_dir_all(out).expect("create the bundle dir");
    let mut command = Command::new(genezio());
    command
        .args([
            "bundleClass",
            "--className",
            class,
            "--cloudAdapter",
            adapter,
            "--output",
        ])
        .arg(out.join("bundle"))
        .current_dir(project);
    run_logged(
        &mut command,
        &out.join("bundleClass.log"),
        Duration::from_secs(300),
    )
    .unwrap_or_else(|failure| {
        panic!("genezio bundleClass --cloudAdapter {adapter} failed: {failure}")
    });
    let zip = File::open(out.join("bundle/bundle.zip")).expect("bundleClass wrote bundle.zip");
    let unzipped = out.join("unzipped");
    zip::ZipArchive::new(zip)
        .and_then(|mut archive| archive.extract(&unzipped))
        .expect("unzip bundle.zip");
    unzipped
}

/// AWS's Node runtime client, installed by `npm ci` in `tests/node`.
pub fn aws_lambda_ric() -> PathBuf {
    let path = repo_root().join("tests/node/node_modules/.bin/aws-lambda-ric");
    assert!(
        path.exists(),
        "aws-lambda-ric is missing at {}: run scripts/setup.sh (it needs cmake, autoconf, automake, libtool and g++ to build)",
        path.display()
    );
    path
}

/// How Lambda starts the Node runtime over the bundle in `task`.
pub fn ric_runtime(task: &Path) -> impl Fn() -> Command + Send + 'static {
    let (ric, task) = (aws_lambda_ric(), task.to_owned());
    move || {
        let mut command = Command::new(&ric);
        command
            .arg("index.handler")
            .current_dir(&task)
            .env("LAMBDA_TASK_ROOT", &task)
            .env("_HANDLER", "index.handler")
            .env("GENEZIO_NO_TELEMETRY", "1");
        command
    }
}

/// A function served by the emulator: a supervised runtime, and an HTTP front whose requests
/// become Genezio's Lambda events.
pub struct LambdaLocal {
    // Declared first so it drops first: the emulator's tasks need the runtime to shut down.
    pub emulator: Emulator,
    runtime: tokio::runtime::Runtime,
    base: String,
}

impl std::fmt::Debug for LambdaLocal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LambdaLocal")
            .field("base", &self.base)
            .finish()
    }
}

impl LambdaLocal {
    /// Starts the emulator and the runtime `make` starts; requests go to `/<class>/<method>`.
    pub fn start<F>(class: &str, method: &str, timeout: Duration, make: F) -> Self
    where
        F: Fn() -> Command + Send + 'static,
    {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let emulator = runtime.block_on(async {
            let emulator = Emulator::start(Config {
                timeout,
                ..Config::default()
            })
            .await
            .expect("start the emulator");
            emulator.supervise(make);
            emulator
        });
        let base = format!("{}/{class}/{method}", emulator.front_url());
        LambdaLocal {
            emulator,
            runtime,
            base,
        }
    }

    /// The URL of a service path (`/users/7` → `http://127.0.0.1:P/Class/method/users/7`).
    pub fn url(&self, target: &str) -> String {
        format!("{}{target}", self.base)
    }

    /// Sends `case` through the emulator's front.
    pub fn send(&self, agent: &Agent, case: &Case) -> Result<Answer, String> {
        crate::local::send(agent, &self.url(&case.target), case)
    }

    /// Sends one raw event to the function: its Lambda response, or how it failed.
    pub fn invoke(&self, event: impl Into<Vec<u8>>) -> Result<serde_json::Value, InvokeError> {
        let bytes = self.runtime.block_on(self.emulator.invoke(event.into()))?;
        Ok(serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
        }))
    }
}
