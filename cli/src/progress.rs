//! Progress for long steps: a spinner with the step's name on a terminal, plain lines elsewhere.

use std::io::{self, IsTerminal};
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

pub struct Step {
    bar: Option<ProgressBar>,
    name: String,
    started: Instant,
}

impl Step {
    pub fn start(name: impl Into<String>) -> Self {
        let name = name.into();
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .expect("valid template"),
            );
            bar.set_message(name.clone());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        if bar.is_none() {
            eprintln!("{name}...");
        }
        Step {
            bar,
            name,
            started: Instant::now(),
        }
    }

    pub fn done(self) {
        let elapsed = self.started.elapsed().as_secs_f32();
        let line = format!("✓ {} ({elapsed:.1}s)", self.name);
        match &self.bar {
            Some(bar) => bar.finish_with_message(line),
            None => eprintln!("{line}"),
        }
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            if !bar.is_finished() {
                bar.abandon_with_message(format!("✗ {}", self.name));
            }
        }
    }
}

/// A warning: the build goes on, but the user should know.
/// A fact about the build worth a line (which toolchain it used, say).
pub fn info(message: &str) {
    eprintln!("note: {message}");
}

pub fn warn(message: &str) {
    eprintln!("warning: {message}");
}

/// Runs a long step's command to completion. With `verbose` its output goes straight to the
/// terminal; otherwise it is kept, and its stderr returned, so a failure can show it.
pub fn run(command: &mut Command, verbose: bool) -> io::Result<(ExitStatus, String)> {
    if verbose {
        command.status().map(|status| (status, String::new()))
    } else {
        command
            .output()
            .map(|o| (o.status, String::from_utf8_lossy(&o.stderr).into_owned()))
    }
}
