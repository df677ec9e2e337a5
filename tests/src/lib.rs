//! The harness of gzrs's end-to-end tests: building gzrs and Genezio projects with it, running
//! the real Genezio CLI, and the request corpus with its in-process reference answers.
//!
//! The tests themselves live in `tests/`; every Genezio process they start is owned by a guard
//! that kills its whole process group, so a failing test leaks nothing.

pub mod checks;
pub mod cloud;
pub mod command_line;
pub mod corpus;
pub mod frontend;
pub mod lambda;
pub mod local;
pub mod server;
pub mod standalone;
pub mod streams;
pub mod upstream;
pub mod web;

/// Every document with Rust snippets, compiled as doc tests: a snippet that no longer builds
/// against today's crates fails `cargo test`.
#[cfg(doctest)]
mod documentation {
    #[doc = include_str!("../../README.md")]
    struct Readme;
    #[doc = include_str!("../../docs/guide.md")]
    struct Guide;
    #[doc = include_str!("../../docs/platforms.md")]
    struct Platforms;
    #[doc = include_str!("../../docs/architecture.md")]
    struct Architecture;
    #[doc = include_str!("../../docs/benchmarks.md")]
    struct Benchmarks;
    #[doc = include_str!("../../docs/contributing.md")]
    struct Contributing;
    #[doc = include_str!("../../docs/genezio-contract.md")]
    struct GenezioContract;
}

/// The documents `documentation` compiles: a new one under docs/ must be added there.
pub const DOCUMENTS: [&str; 7] = [
    "README.md",
    "docs/guide.md",
    "docs/platforms.md",
    "docs/architecture.md",
    "docs/benchmarks.md",
    "docs/contributing.md",
    "docs/genezio-contract.md",
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_document_is_compiled_as_a_doc_test() {
        let docs = super::repo_root().join("docs");
        for entry in std::fs::read_dir(&docs).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".md") {
                let path = format!("docs/{name}");
                assert!(
                    super::DOCUMENTS.contains(&path.as_str()),
                    "{path} is not in gzrs_tests::DOCUMENTS (and `documentation`): its Rust snippets are not compiled"
                );
            }
        }
        let lib = include_str!("lib.rs");
        for document in super::DOCUMENTS {
            assert!(
                lib.contains(&format!("include_str!(\"../../{document}\")")),
                "{document}"
            );
        }
    }
}

use std::fs::{self, File};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

pub use corpus::{answer_in_process, compare, fixture_corpus, hello_corpus, Answer, Case};
pub use lambda::LambdaLocal;
pub use local::{http_agent, GenezioLocal};

/// The root of the gzrs repository.
pub fn repo_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .canonicalize()
            .expect("the repository root exists")
    })
}

/// The pinned Genezio CLI, installed by `npm ci` in `tests/node`.
pub fn genezio() -> PathBuf {
    let path = repo_root().join("tests/node/node_modules/.bin/genezio");
    assert!(
        path.exists(),
        "the Genezio CLI is missing at {}: run `npm ci` in {}",
        path.display(),
        repo_root().join("tests/node").display()
    );
    path
}

/// The gzrs binary, built once per test process from this tree.
///
/// Cargo says where it put the binary (`--message-format=json`), so a custom target dir or
/// build target needs no guessing.
pub fn gzrs() -> &'static Path {
    static GZRS: OnceLock<PathBuf> = OnceLock::new();
    GZRS.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let output = Command::new(cargo)
            .args([
                "build",
                "-p",
                "gzrs",
                "--message-format=json-render-diagnostics",
            ])
            .current_dir(repo_root())
            .stderr(Stdio::inherit())
            .output()
            .expect("cargo runs");
        assert!(output.status.success(), "`cargo build -p gzrs` failed");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|message| {
                message["reason"] == "compiler-artifact" && message["target"]["name"] == "gzrs"
            })
            .find_map(|message| message["executable"].as_str().map(PathBuf::from))
            .expect("cargo reported the gzrs executable")
    })
}

/// The cargo target dir every test's `gzrs build` shares (this repository's): the test services
/// have their own workspaces and lockfiles, but the dependencies they have in common, at the same
/// versions and features, then compile once for the whole suite.
pub fn shared_target_dir() -> PathBuf {
    repo_root().join("target")
}

/// Runs `gzrs build --mode wasm --out <out> <crate_dir>` and returns `out`.
pub fn build_project(crate_dir: &Path, out: &Path) -> PathBuf {
    build_project_with(crate_dir, out, &["--mode", "wasm"])
}

/// Runs `gzrs build <options> --out <out> <crate_dir>` and returns `out`.
///
/// Builds are serialized: they share gzrs's cargo target dir, and two compiles at once on a
/// small machine are slower than one after the other.
pub fn build_project_with(crate_dir: &Path, out: &Path, options: &[&str]) -> PathBuf {
    static BUILDING: Mutex<()> = Mutex::new(());
    let _serial = BUILDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    fs::create_dir_all(out).expect("create the project dir");
    let log = out.with_extension("build.log");
    let mut command = Command::new(gzrs());
    command
        .arg("build")
        .args(options)
        .arg("--out")
        .arg(out)
        .arg(crate_dir)
        .env("CARGO_TARGET_DIR", shared_target_dir());
    if let Err(failure) = run_logged(&mut command, &log, Duration::from_secs(900)) {
        panic!("gzrs build of {} failed: {failure}", crate_dir.display());
    }
    out.to_path_buf()
}

/// A `gzrs build` of the crate at `crate_dir` (relative to the repository) with `options`, into
/// `target/gzrs-tests/<name>`, made once per test process.
pub fn project(crate_dir: &str, name: &str, options: &[&str]) -> PathBuf {
    static BUILT: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, out)) = built.iter().find(|(n, _)| n == name) {
        return out.clone();
    }
    let out = repo_root().join("target/gzrs-tests").join(name);
    build_project_with(&repo_root().join(crate_dir), &out, options);
    built.push((name.to_owned(), out.clone()));
    out
}

/// Runs a command to completion in its own process group, stdout and stderr both going to
/// `log`. On failure or timeout the error carries the log, so the test's message is enough to
/// see what went wrong.
pub fn run_logged(command: &mut Command, log: &Path, timeout: Duration) -> Result<(), String> {
    let file = File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let child = command
        .stdin(Stdio::null())
        .stdout(file.try_clone().map_err(|e| e.to_string())?)
        .stderr(file)
        .env("GENEZIO_NO_TELEMETRY", "1")
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let mut guard = GroupGuard(child);
    let deadline = Instant::now() + timeout;
    let status = loop {
        match guard.0.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break Some(status),
            None if Instant::now() >= deadline => break None,
            None => thread::sleep(Duration::from_millis(50)),
        }
    };
    let output = fs::read_to_string(log).unwrap_or_default();
    match status {
        Some(status) if status.success() => Ok(()),
        Some(status) => Err(format!(
            "{command:?} exited with {status}; its output:\n{output}"
        )),
        None => Err(format!(
            "{command:?} did not finish within {timeout:?}; its output:\n{output}"
        )),
    }
}

/// Owns a child started with `process_group(0)`: dropping it ends the whole group, so
/// grandchildren (Genezio's node workers, esbuild) go too.
#[derive(Debug)]
pub struct GroupGuard(pub(crate) Child);

impl GroupGuard {
    /// Starts `command` in its own process group, stdout and stderr going to `log`.
    pub fn spawn(command: &mut Command, log: &Path) -> Self {
        let file = File::create(log).expect("create the log");
        let child = command
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("clone the log handle"))
            .stderr(file)
            .env("GENEZIO_NO_TELEMETRY", "1")
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        GroupGuard(child)
    }

    /// Whether it has exited.
    pub fn exited(&mut self) -> bool {
        !matches!(self.0.try_wait(), Ok(None))
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        // INT first, as Ctrl-C would: Genezio deletes its temp dir on SIGINT only. KILL then
        // ends whatever is left.
        signal_group("-INT", &group);
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline && matches!(self.0.try_wait(), Ok(None)) {
            thread::sleep(Duration::from_millis(50));
        }
        signal_group("-KILL", &group);
        let _ = self.0.wait();
    }
}

// `kill` the command, not libc: the workspace denies unsafe code.
fn signal_group(signal: &str, group: &str) {
    let _ = Command::new("kill")
        .args([signal, "--", group])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Whether `program` is on PATH.
pub fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Copies a directory tree (files, directories and symlinks as they are), for tests that spoil
/// a copy of a bundle.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create the copy");
    for entry in fs::read_dir(from).expect("read the directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("its type");
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_symlink() {
            let link = fs::read_link(entry.path()).expect("read the link");
            std::os::unix::fs::symlink(link, &target).expect("copy the link");
        } else {
            fs::copy(entry.path(), &target).expect("copy the file");
        }
    }
}
