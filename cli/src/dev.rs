//! `gzrs dev`: build the service, serve it as `gzrs local` does, and on every change to the
//! crate's sources build again and restart. A build that fails shows the compiler's errors while
//! the last good build keeps serving. A Genezio project is served by a `gzrs local` of each good
//! build (Genezio's bundle under a Node runtime loop and gzrs's Lambda emulator).

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context as _, Result};

use gzrs_build::{LocalArgs, PlatformName, UserCrate};

/// How often the sources are looked at.
const POLL: Duration = Duration::from_millis(400);
/// How long the sources must stay unchanged before a build starts (an editor's save can be
/// several writes).
const SETTLE: Duration = Duration::from_millis(300);

pub fn run(mut args: LocalArgs) -> Result<()> {
    args.build.arch = Some(gzrs_build::native::Arch::host()?);
    args.build.mode()?;
    if args.genezio && args.build.platform == PlatformName::Genezio {
        bail!("gzrs dev serves a Genezio project as `gzrs local` does, under gzrs's Lambda emulator: leave out --genezio");
    }
    let platform = args.build.platform.get();
    let krate = UserCrate::load(&args.build.path)?;
    // Said before the first build, as `gzrs local` does.
    platform.check_serving(&krate, &args)?;
    let port = args.port.unwrap_or_else(|| platform.default_port());
    let base = platform.route_prefix(&krate, &args.build);
    let url = format!("http://localhost:{port}{}/", base.trim_end_matches('/'));
    // Two output folders, used in turn: a build never writes over the files being served.
    let slots = [
        krate
            .target_dir
            .join("gzrs/dev")
            .join(&krate.name)
            .join("a"),
        krate
            .target_dir
            .join("gzrs/dev")
            .join(&krate.name)
            .join("b"),
    ];
    let watched = krate.dir().to_path_buf();

    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    tokio.block_on(async {
        let mut stop = std::pin::pin!(tokio::signal::ctrl_c());
        let mut serving: Option<Child> = None;
        let mut next_slot = 0;
        let mut seen = sources(&watched);
        let mut build_now = true;
        loop {
            if build_now {
                build_now = false;
                let started = Instant::now();
                let built = build_into(&args, &slots[next_slot]);
                let took = started.elapsed().as_secs_f32();
                match built.and_then(|(krate, out)| {
                    stop_serving(&mut serving);
                    start_serving(&args, &krate, &out, port).map(|child| (child, out))
                }) {
                    Ok((child, out)) => {
                        serving = Some(child);
                        next_slot = 1 - next_slot;
                        eprintln!("✓ built in {took:.1}s, serving {} at {url}", out.display());
                    }
                    Err(error) => {
                        eprintln!("error: {error:#}");
                        match serving {
                            Some(_) => eprintln!("The last good build keeps serving at {url}."),
                            None => eprintln!("Nothing is served yet."),
                        }
                    }
                }
                eprintln!(
                    "Watching {} for changes (Ctrl-C to stop)",
                    watched.display()
                );
            }
            tokio::select! {
                _ = &mut stop => {
                    stop_serving(&mut serving);
                    return Ok(());
                }
                _ = tokio::time::sleep(POLL) => {}
            }
            if let Some(child) = serving.as_mut() {
                if let Some(status) = child.try_wait()? {
                    eprintln!("The server exited ({status}): the next change starts it again.");
                    serving = None;
                }
            }
            let now = sources(&watched);
            if now != seen {
                // Let the save finish, then build what it left.
                tokio::time::sleep(SETTLE).await;
                seen = sources(&watched);
                eprintln!("\nChanged: building again...");
                build_now = true;
            }
        }
    })
}

/// A build of the crate as it is now (its manifest is read again: settings may have changed).
fn build_into(args: &LocalArgs, out: &Path) -> Result<(UserCrate, PathBuf)> {
    let krate = UserCrate::load(&args.build.path)?;
    let mut build = args.build.clone();
    build.out = Some(out.to_path_buf());
    let out = gzrs_build::build(&krate, &build)?;
    Ok((krate, out))
}

fn start_serving(args: &LocalArgs, krate: &UserCrate, out: &Path, port: u16) -> Result<Child> {
    let mut command = args
        .build
        .platform
        .get()
        .serve_command(krate, out, port, args)?;
    // Its own process group: stopping it stops what it started (a Node runtime loop).
    command
        .process_group(0)
        .spawn()
        .with_context(|| format!("could not start the server for {}", out.display()))
}

/// Stops the server and everything it started: TERM to its process group, KILL after a grace.
fn stop_serving(serving: &mut Option<Child>) {
    let Some(mut child) = serving.take() else {
        return;
    };
    let group = format!("-{}", child.id());
    // `kill` the command rather than libc: the workspace denies unsafe code.
    let signal = |signal: &str| {
        let _ = Command::new("kill")
            .args([signal, "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    };
    signal("-TERM");
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
        std::thread::sleep(Duration::from_millis(50));
    }
    signal("-KILL");
    let _ = child.wait();
}

/// What a build reads from the crate's folder: every file's modification time, `target/` and
/// hidden folders aside.
fn sources(dir: &Path) -> BTreeMap<PathBuf, SystemTime> {
    fn walk(dir: &Path, into: &mut BTreeMap<PathBuf, SystemTime>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if (name.starts_with('.') && name != ".dev.vars") || name == "target" {
                continue;
            }
            match entry.metadata() {
                Ok(meta) if meta.is_dir() => walk(&path, into),
                Ok(meta) => {
                    into.insert(path, meta.modified().unwrap_or(SystemTime::UNIX_EPOCH));
                }
                Err(_) => {}
            }
        }
    }
    let mut found = BTreeMap::new();
    walk(dir, &mut found);
    found
}

#[cfg(test)]
mod tests {
    use super::sources;

    #[test]
    fn a_change_to_a_source_is_seen_and_target_is_not_watched() {
        let dir = std::env::temp_dir().join(format!("gzrs-dev-sources-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::create_dir_all(dir.join("target")).unwrap();
        std::fs::write(dir.join("src/lib.rs"), "pub fn app() {}").unwrap();
        let before = sources(&dir);
        std::fs::write(dir.join("target/artifact"), "built").unwrap();
        assert_eq!(sources(&dir), before, "target/ is not a source");
        std::fs::write(dir.join("src/routes.rs"), "pub fn more() {}").unwrap();
        assert_ne!(sources(&dir), before, "a new source file is a change");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
