//! `gzrs local` for a Genezio project: the built project as a Lambda would run it. Genezio's own deploy bundle
//! (`genezio bundleClass --cloudAdapter aws`) runs under a real Node runtime loop (AWS's
//! `aws-lambda-ric` when installed, else gzrs's small bootstrap) against gzrs's Lambda Runtime API
//! emulator, whose HTTP front turns plain requests into Genezio's events. In native mode the
//! trap really happens: the class's constructor hands the Runtime API to the Rust executable.
//! `--genezio` serves the project under `genezio local` instead (the sidecar, in native mode).

use std::fs::{self, File};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::ValueEnum;

use crate::progress::{self, Step};
use crate::which::which;

/// The Genezio CLI gzrs is tested against.
pub const GENEZIO_VERSION: &str = "3.2.10";

/// The Genezio CLI to run: `GZRS_GENEZIO`, else `genezio` on PATH. Checked before anything is
/// built, so a missing CLI costs no compile; once found, it is not looked for again (its
/// `--version` starts Node, half a second).
pub fn find_genezio() -> Result<String> {
    static FOUND: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(genezio) = FOUND.get() {
        return Ok(genezio.clone());
    }
    let genezio = std::env::var("GZRS_GENEZIO").unwrap_or_else(|_| "genezio".into());
    let found = Command::new(&genezio)
        .arg("--version")
        .env("GENEZIO_NO_TELEMETRY", "1")
        .output();
    if !matches!(found, Ok(ref o) if o.status.success()) {
        bail!(
            "the Genezio CLI was not found (looked for `{genezio}`).\n\
             Install it with:  npm install -g genezio@{GENEZIO_VERSION}\n\
             or point GZRS_GENEZIO at a genezio executable."
        );
    }
    Ok(FOUND.get_or_init(|| genezio).clone())
}

/// Which Node runtime loop runs the bundle.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NodeRuntime {
    /// `aws-lambda-ric` if it is installed (`GZRS_LAMBDA_RIC`, or on PATH), else `bootstrap`.
    #[default]
    Auto,
    /// AWS's Node runtime client, the one Lambda runs (`npm install -g aws-lambda-ric`).
    Ric,
    /// gzrs's minimal Node runtime loop (js-host/local/lambda-bootstrap.mjs).
    Bootstrap,
}

/// Serves the project under `genezio local` until it exits.
pub fn run_genezio_local(genezio: &str, project: &Path, port: u16) -> Result<()> {
    eprintln!(
        "Serving {} with genezio local on http://localhost:{port} (Ctrl-C to stop)",
        project.display()
    );
    let status = Command::new(genezio)
        .args(["local", "--port", &port.to_string()])
        .current_dir(project)
        .env("GENEZIO_NO_TELEMETRY", "1")
        .status()?;
    if !status.success() {
        bail!("genezio local exited with {status}");
    }
    Ok(())
}

/// Genezio's aws deploy bundle of `project`, unzipped into `work/task`: what Lambda would run.
/// Genezio's deploy bundle of the project's class for `adapter` (`aws` for genezio-aws,
/// `genezio` for genezio-cloud), unzipped: the task root.
pub fn bundle(
    genezio: &str,
    project: &Path,
    class: &str,
    adapter: &str,
    work: &Path,
    verbose: bool,
) -> Result<PathBuf> {
    let step = Step::start(format!(
        "Bundling {class} as Genezio deploys it (genezio bundleClass --cloudAdapter {adapter})"
    ));
    let _ = fs::remove_dir_all(work);
    fs::create_dir_all(work).with_context(|| format!("cannot create {}", work.display()))?;
    let mut command = Command::new(genezio);
    command
        .args([
            "bundleClass",
            "--className",
            class,
            "--cloudAdapter",
            adapter,
            "--output",
        ])
        .arg(work.join("bundle"))
        .current_dir(project)
        .env("GENEZIO_NO_TELEMETRY", "1");
    let (status, log) = progress::run(&mut command, verbose).context("could not run genezio")?;
    if !status.success() {
        bail!(
            "`genezio bundleClass` failed in {}:\n{log}",
            project.display()
        );
    }
    let zip = work.join("bundle/bundle.zip");
    let task = work.join("task");
    zip::ZipArchive::new(
        File::open(&zip).with_context(|| format!("genezio wrote no {}", zip.display()))?,
    )
    .and_then(|mut archive| archive.extract(&task))
    .with_context(|| format!("cannot unzip {}", zip.display()))?;
    step.done();
    Ok(task)
}

/// How to start the Node runtime loop over the bundle in `task` (called for each start), and
/// its name for the user.
pub fn node_runtime(
    task: &Path,
    choice: NodeRuntime,
) -> Result<(impl Fn() -> Command + Send + 'static, String)> {
    let ric = || {
        std::env::var_os("GZRS_LAMBDA_RIC")
            .map(PathBuf::from)
            .or_else(|| which("aws-lambda-ric"))
    };
    let program: (PathBuf, Vec<String>, String) = match (choice, ric()) {
        (NodeRuntime::Ric | NodeRuntime::Auto, Some(ric)) => {
            (ric, vec!["index.handler".into()], "aws-lambda-ric".into())
        }
        (NodeRuntime::Ric, None) => bail!(
            "aws-lambda-ric was not found: install it with `npm install -g aws-lambda-ric` \
             (it builds from source: `apt-get install cmake autoconf automake libtool g++`), \
             point GZRS_LAMBDA_RIC at it, or use `--node-runtime bootstrap`"
        ),
        _ => {
            let script = task.with_file_name("lambda-bootstrap.mjs");
            crate::js_host::write_host_file("js-host/local/lambda-bootstrap.mjs", &script)?;
            (
                PathBuf::from("node"),
                vec![
                    script.to_string_lossy().into_owned(),
                    "index.handler".into(),
                ],
                "gzrs's Node bootstrap".into(),
            )
        }
    };
    let task = task.to_owned();
    let (program, args, name) = program;
    let make = move || {
        let mut command = Command::new(&program);
        command
            .args(&args)
            .current_dir(&task)
            .env("LAMBDA_TASK_ROOT", &task)
            .env("_HANDLER", "index.handler")
            .env("GENEZIO_NO_TELEMETRY", "1");
        command
    };
    Ok((make, name))
}

/// Serves the bundle in `task` on `port` until Ctrl-C.
pub fn serve(
    task: &Path,
    choice: NodeRuntime,
    port: u16,
    route: &str,
    timeout: Duration,
) -> Result<()> {
    let (make, name) = node_runtime(task, choice)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let emulator = gzrs_emulator::Emulator::start(gzrs_emulator::Config {
            front: SocketAddr::from(([127, 0, 0, 1], port)),
            timeout,
            ..Default::default()
        })
        .await
        .with_context(|| format!("cannot listen on port {port} (use --port to pick another)"))?;
        emulator.supervise(make);
        eprintln!(
            "Serving on http://localhost:{port}{route}/ with {name} against gzrs's Lambda Runtime API emulator (Ctrl-C to stop)"
        );
        tokio::signal::ctrl_c().await?;
        Ok(())
    })
}
