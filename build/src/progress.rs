//! Progress for long steps: a spinner with the step's name on a terminal, plain lines elsewhere.

use std::io::{self, BufRead, BufReader, IsTerminal};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug)]
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
            Some(bar) => {
                // The finished line carries its own duration: not the spinner's as well.
                bar.set_style(ProgressStyle::with_template("{msg}").expect("valid template"));
                bar.finish_with_message(line)
            }
            None => eprintln!("{line}"),
        }
    }

    /// How far the step is: on a terminal, beside its name; elsewhere, a line now and then
    /// (`heartbeat`), so a log shows the build is alive.
    fn progress(&self, detail: &str, heartbeat: &mut Instant) {
        match &self.bar {
            Some(bar) => bar.set_message(format!("{}: {detail}", self.name)),
            None if heartbeat.elapsed() >= HEARTBEAT => {
                eprintln!("  {detail} ({}s)", self.started.elapsed().as_secs());
                *heartbeat = Instant::now();
            }
            None => {}
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

/// How often a step prints how far it is when stderr is not a terminal.
const HEARTBEAT: Duration = Duration::from_secs(10);

/// A fact about the build worth a line (which toolchain it used, say).
pub fn info(message: &str) {
    eprintln!("note: {message}");
}

/// A warning: the build goes on, but the user should know.
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

/// Runs a cargo build as `step`: cargo's own count of units built (`112/240`) as its progress,
/// and on failure what the compiler said, without cargo's own status lines (`Compiling ...`).
/// With `verbose`, cargo's output goes straight to the terminal.
pub fn run_cargo(
    command: &mut Command,
    verbose: bool,
    step: &Step,
) -> io::Result<(ExitStatus, String)> {
    if verbose {
        return command.status().map(|status| (status, String::new()));
    }
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut kept = String::new();
    let mut heartbeat = Instant::now();
    for line in BufReader::new(stderr).lines() {
        // The bar is redrawn after a carriage return, between the lines cargo prints.
        for segment in line?.split('\r') {
            if let Some((done, total)) = cargo_count(segment) {
                step.progress(&format!("{done}/{total} built"), &mut heartbeat);
                continue;
            }
            match cargo_status(segment) {
                Some(_) => {}
                None if segment.trim().is_empty() => {}
                None => {
                    kept.push_str(segment);
                    kept.push('\n');
                }
            }
        }
    }
    Ok((child.wait()?, kept))
}

/// Cargo's options for [`run_cargo`]: cargo draws its progress bar (with the count) only on a
/// terminal, unless told to. They go before the subcommand, with any other `--config`: cargo
/// takes a subcommand's `--config` values in place of those before it.
pub const CARGO_PROGRESS: [&str; 4] = [
    "--config",
    "term.progress.when=\"always\"",
    "--config",
    "term.progress.width=100",
];

/// The count in one of cargo's progress bars (`    Building [===>   ] 112/240: serde, ...`).
fn cargo_count(segment: &str) -> Option<(u32, u32)> {
    let rest = segment.trim_start().strip_prefix("Building [")?;
    let (_, after) = rest.split_once("] ")?;
    let count = after.split(':').next()?;
    let (done, total) = count.trim().split_once('/')?;
    Some((done.parse().ok()?, total.parse().ok()?))
}

/// The verb of one of cargo's own status lines (`   Compiling serde v1.0.0`), right-aligned in
/// 12 columns; None for anything else (the compiler's messages).
fn cargo_status(line: &str) -> Option<&str> {
    const VERBS: [&str; 14] = [
        "Compiling",
        "Checking",
        "Downloading",
        "Downloaded",
        "Updating",
        "Locking",
        "Adding",
        "Blocking",
        "Fresh",
        "Finished",
        "Building",
        "Running",
        "Unpacking",
        "Updated",
    ];
    let verb = line.get(..12)?.trim_start();
    (line.as_bytes().get(12) == Some(&b' ') && VERBS.contains(&verb)).then_some(verb)
}

#[cfg(test)]
mod tests {
    use super::{cargo_count, cargo_status};

    #[test]
    fn cargo_progress_bars_give_their_count() {
        assert_eq!(
            cargo_count(
                "    Building [===>                        ] 2/12: serde_json(build.rs), serde…"
            ),
            Some((2, 12))
        );
        assert_eq!(
            cargo_count(
                "    Building [=====================>     ] 10/12: serde_json                  "
            ),
            Some((10, 12))
        );
        assert_eq!(cargo_count("   Compiling serde v1.0.219"), None);
        assert_eq!(cargo_count("    Building [==> ] garbage"), None);
    }

    #[test]
    fn cargo_status_lines_are_told_from_the_compilers_messages() {
        assert_eq!(
            cargo_status("   Compiling serde v1.0.219"),
            Some("Compiling")
        );
        assert_eq!(
            cargo_status("  Downloaded tokio v1.47.0"),
            Some("Downloaded")
        );
        assert_eq!(
            cargo_status("    Finished `release` profile [optimized] target(s) in 3.2s"),
            Some("Finished")
        );
        assert_eq!(cargo_status("error[E0308]: mismatched types"), None);
        assert_eq!(cargo_status("  --> src/lib.rs:3:18"), None);
        assert_eq!(cargo_status("   |"), None);
        assert_eq!(
            cargo_status("error: could not compile `broken` (lib) due to 1 previous error"),
            None
        );
    }
}
