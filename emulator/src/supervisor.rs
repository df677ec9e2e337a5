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

impl Emulator {
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
        let shared = self.shared.clone();
        let api = self.runtime_api();
        let stopped = self.stop.subscribe();
        tokio::spawn(supervise(shared, api, command, stopped));
    }

    /// How many times a supervised runtime was started.
    pub fn runtime_starts(&self) -> u64 {
        self.shared.starts.load(Ordering::SeqCst)
    }
}

async fn supervise<F>(shared: Arc<Shared>, api: String, make: F, mut stopped: watch::Receiver<()>)
where
    F: Fn() -> Command,
{
    loop {
        let polls_before = shared.polls.load(Ordering::SeqCst);
        let mut command = make();
        let already: Vec<_> = command.get_envs().map(|(k, _)| k.to_owned()).collect();
        for (name, value) in LAMBDA_ENVIRONMENT {
            if !already.iter().any(|k| k == OsStr::new(name)) {
                command.env(name, value);
            }
        }
        command.env("AWS_LAMBDA_RUNTIME_API", &api).process_group(0);
        let mut command = tokio::process::Command::from(command);
        command.kill_on_drop(true);
        shared.starts.fetch_add(1, Ordering::SeqCst);
        let ended = match command.spawn() {
            Err(error) => format!("could not start: {error}"),
            Ok(mut child) => {
                let group = child.id().map_or(0, |pid| pid as i32);
                shared.runtime_group.store(group, Ordering::SeqCst);
                let status = tokio::select! {
                    status = child.wait() => Some(status),
                    _ = shared.overran.notified() => None,
                    _ = stopped.changed() => {
                        kill_group(shared.runtime_group.swap(0, Ordering::SeqCst));
                        let _ = child.wait().await;
                        return;
                    }
                };
                // Whatever it started (the trapped executable, say) goes with it.
                kill_group(shared.runtime_group.swap(0, Ordering::SeqCst));
                match status {
                    Some(status) => describe(status),
                    None => {
                        let _ = child.wait().await;
                        "was stopped because an invocation overran the timeout".to_owned()
                    }
                }
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
