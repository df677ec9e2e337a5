//! `gzrs build --mode native`: the service linked into a static musl executable for the Lambda's
//! CPU, shipped beside a Genezio class that starts it (the trap on a Lambda, else the sidecar).

use std::fs;

use anyhow::{Context, Result};

mod arch;
mod entry;

use crate::artifacts::Artifacts;
use crate::progress::{self, Step};
use crate::toolchain;
use crate::user_crate::UserCrate;
pub use arch::Arch;
pub use entry::Entry;
use entry::{compile, compiles_c, entry_prefix, write_entry_crate};

/// Why the compiler refused to serve the service on every core, when that is the reason the
/// server's entry failed: its first "cannot be sent/shared between threads safely".
fn not_send(log: &str) -> Option<String> {
    log.lines()
        .find(|line| {
            line.contains("cannot be sent between threads safely")
                || line.contains("cannot be shared between threads safely")
        })
        .map(|line| {
            let line = line.trim();
            line.strip_prefix("error[E0277]: ")
                .unwrap_or(line)
                .to_owned()
        })
}

/// The executable's name inside the backend's `gzrs/` folder.
pub fn binary_name(arch: Arch) -> String {
    format!("service-{}", arch.genezio_name())
}

/// The CPUs a build ships executables for: the one `--arch` names, else both, so the same
/// project runs wherever Genezio puts it (genezio-cloud, where new projects land, is x86_64;
/// genezio-aws is arm64). The class runs the one for the CPU it finds itself on.
pub fn shipped_archs(arch: Option<Arch>) -> Vec<Arch> {
    match arch {
        Some(arch) => vec![arch],
        None => vec![Arch::X86_64, Arch::Arm64],
    }
}

/// Compiles the service to an executable for each CPU it ships: the payload of a native class.
/// `arch` is `--arch`: one CPU, or both when `None`.
pub fn build(
    krate: &UserCrate,
    arch: Option<Arch>,
    verbose: bool,
    entry: Entry,
) -> Result<Artifacts> {
    let archs = shipped_archs(arch);
    if archs == [Arch::Arm64] && entry == Entry::Genezio {
        progress::warn(
            "--arch arm64 ships no executable for genezio-cloud, which runs x86_64 and is where new Genezio projects land; there every request would answer 500 saying so. Leave out --arch to ship both.",
        );
    }
    let work = krate.target_dir.join("gzrs");
    let bin = format!("{}-{}", entry_prefix(entry), krate.name);
    // The server on every core wants an allocator with a heap per thread, which is C.
    let threaded_allocator = archs.iter().all(|arch| compiles_c(*arch));
    if entry == Entry::Server && !threaded_allocator {
        progress::info(
            "no C compiler for the target was found, so the server uses gzrs's portable allocator, whose one lock slows a server on many cores (by about half at 64 connections on two). \
             Install one (sudo apt-get install gcc, or gcc-aarch64-linux-gnu for arm64) or set CC_<target>, and rebuild.",
        );
    }
    let mut entry = entry;
    let profile = krate.profile(entry.profile_kind());
    let mut entry_dir = write_entry_crate(krate, &work, entry, &profile, threaded_allocator)?;
    let mut files = Vec::new();
    for arch in archs {
        let triple = arch.triple();
        toolchain::ensure_target(triple)?;
        let step = Step::start(format!(
            "Compiling {} for {triple} (cargo build --release, {})",
            krate.name,
            profile.opt_level()
        ));
        let target_dir = work.join("cargo");
        let binary = match compile(&entry_dir, &target_dir, arch, &bin, verbose, &step) {
            Ok(binary) => binary,
            Err(error) if entry == Entry::Server => {
                // Its log, to read why: a verbose build printed it instead (the second try
                // stops at the same error, everything before it built).
                let log = match verbose {
                    true => compile(&entry_dir, &target_dir, arch, &bin, false, &step)
                        .err()
                        .map_or_else(String::new, |e| e.to_string()),
                    false => error.to_string(),
                };
                let Some(reason) = not_send(&log) else {
                    return Err(error);
                };
                progress::info(&format!(
                    "the server runs `{}` on one thread, not on every core: the service or its futures are not Send ({reason}). \
                     Hold only Send values across `.await` (Arc and tokio's Mutex rather than Rc and RefCell) to serve on every core.",
                    krate.name
                ));
                entry = Entry::OneThreadServer;
                entry_dir = write_entry_crate(krate, &work, entry, &profile, threaded_allocator)?;
                compile(&entry_dir, &target_dir, arch, &bin, verbose, &step)?
            }
            Err(error) => return Err(error),
        };
        step.done();
        let bytes =
            fs::read(&binary).with_context(|| format!("cannot read {}", binary.display()))?;
        files.push((binary_name(arch), bytes));
    }
    Ok(Artifacts { files })
}
