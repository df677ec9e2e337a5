//! The function's runtime process, run as Lambda runs it.

use std::ffi::OsStr;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use tokio::sync::watch;

use crate::{fail_all, Emulator, Shared};

/// What every Lambda sets for its runtime (beside `AWS_LAMBDA_RUNTIME_API`), unless the command
/// sets them itself.
const LAMBDA_ENVIRONMENT: [(&str, &str); 7] = [
    ("AWS_LAMBDA_FUNCTION_NAME", "gzrs-local"),
    ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
    ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024"),
    ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/gzrs-local"),
    ("AWS_LAMBDA_LOG_STREAM_NAME", "gzrs-local"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_DEFAULT_REGION", "us-east-1"),
];

/// A runtime process started by [`Emulator::spawn_runtime`]; dropping it kills its whole
/// process group.
#[derive(Debug)]
pub struct RuntimeProcess {
    child: tokio::process::Child,
    group: i32,
    /// When it was spawned.
    pub started: std::time::Instant,
}

impl RuntimeProcess {
    /// Waits for it to exit, and describes how it did.
    pub async fn wait(&mut self) -> String {
        let status = self.child.wait().await;
        // Whatever it started (the trapped executable, say) goes with it.
        kill_group(self.group);
        describe(status)
    }

    /// Its process id (and process group).
    pub fn id(&self) -> i32 {
        self.group
    }
}

impl Drop for RuntimeProcess {
    fn drop(&mut self) {
        kill_group(self.group);
    }
}

impl Emulator {
    /// Starts `command` as a function runtime of this emulator, in its own process group, with
    /// `AWS_LAMBDA_RUNTIME_API` and the rest of a Lambda's environment (what the command does
    /// not set itself).
    pub fn spawn_runtime(&self, command: Command) -> std::io::Result<RuntimeProcess> {
        self.spawner().spawn(command)
    }

    /// Runs the function's runtime: a process made by `command` (called again for each start)
    /// with this emulator as its Runtime API and the rest of a Lambda's environment. It starts
    /// at once; when it exits, or is killed because an invocation overran the timeout, the
    /// invocations it held fail with [`crate::InvokeError::Exited`] (and, if it never reached
    /// `next`, so do the queued ones), and it starts again when the next invocation arrives.
    /// Its whole process group is killed with it, so nothing it started outlives it.
    pub fn supervise<F>(&self, command: F)
    where
        F: Fn() -> Command + Send + 'static,
    {
        tokio::spawn(supervise(self.spawner(), command, self.stop.subscribe()));
    }

    /// How many times a supervised runtime was started.
    pub fn runtime_starts(&self) -> u64 {
        self.shared.starts.load(Ordering::SeqCst)
    }

    fn spawner(&self) -> Spawner {
        Spawner {
            shared: self.shared.clone(),
            api: self.runtime_api(),
        }
    }
}

/// What starting a runtime needs of the emulator (the supervisor task must not keep the
/// emulator itself alive).
struct Spawner {
    shared: Arc<Shared>,
    api: String,
}

impl Spawner {
    fn spawn(&self, mut command: Command) -> std::io::Result<RuntimeProcess> {
        let already: Vec<_> = command.get_envs().map(|(k, _)| k.to_owned()).collect();
        for (name, value) in LAMBDA_ENVIRONMENT {
            if !already.iter().any(|k| k == OsStr::new(name)) {
                command.env(name, value);
            }
        }
        command
            .env("AWS_LAMBDA_RUNTIME_API", &self.api)
            .process_group(0);
        let mut command = tokio::process::Command::from(command);
        command.kill_on_drop(true);
        let started = std::time::Instant::now();
        let child = command.spawn()?;
        let group = child.id().map_or(0, |pid| pid as i32);
        Ok(RuntimeProcess {
            child,
            group,
            started,
        })
    }
}

async fn supervise<F>(spawner: Spawner, make: F, mut stopped: watch::Receiver<()>)
where
    F: Fn() -> Command,
{
    let shared = spawner.shared.clone();
    loop {
        let polls_before = shared.polls.load(Ordering::SeqCst);
        shared.starts.fetch_add(1, Ordering::SeqCst);
        let ended = match spawner.spawn(make()) {
            Err(error) => format!("could not start: {error}"),
            Ok(mut process) => {
                shared.runtime_group.store(process.group, Ordering::SeqCst);
                let ended = tokio::select! {
                    ended = process.wait() => ended,
                    _ = shared.overran.notified() => {
                        "was stopped because an invocation overran the timeout".to_owned()
                    }
                    _ = stopped.changed() => return,
                };
                shared.runtime_group.store(0, Ordering::SeqCst);
                // Dropping the process kills its whole group, whatever it started included.
                drop(process);
                ended
            }
        };
        let never_polled = shared.polls.load(Ordering::SeqCst) == polls_before;
        let ended = match (
            never_polled,
            shared.init_error.lock().expect("lock").as_ref(),
        ) {
            (true, Some(error)) => format!("{ended} during init, reporting {error}"),
            (true, None) => format!("{ended} during init"),
            (false, _) => ended,
        };
        eprintln!("gzrs-emulator: the function's runtime {ended}");
        shared.generation.fetch_add(1, Ordering::SeqCst);
        shared.arrived.notify_waiters();
        fail_all(&shared, &ended, never_polled);
        // Like Lambda, start again only when there is something to serve.
        loop {
            let arrived = shared.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if !shared.queue.lock().expect("lock").is_empty() {
                break;
            }
            tokio::select! {
                _ = arrived => {}
                _ = stopped.changed() => return,
            }
        }
    }
}

/// Kills a process group (0: none); already gone is fine.
pub(crate) fn kill_group(group: i32) {
    if group > 0 {
        let _ = killpg(Pid::from_raw(group), Signal::SIGKILL);
    }
}

fn describe(status: std::io::Result<ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Ok(status) => match (status.code(), status.signal()) {
            (Some(code), _) => format!("exited with status {code}"),
            (None, Some(signal)) => format!(
                "was killed by {}",
                Signal::try_from(signal).map_or_else(|_| signal.to_string(), |s| s.to_string())
            ),
            _ => format!("ended ({status})"),
        },
        Err(error) => format!("could not be waited for: {error}"),
    }
}
