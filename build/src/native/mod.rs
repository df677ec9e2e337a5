//! `gzrs build --mode native`: the service linked into a static musl executable for the Lambda's
//! CPU, shipped beside a Genezio class that starts it (the trap on a Lambda, else the sidecar).

use std::fs;

use anyhow::{bail, Context, Result};
use clap::ValueEnum;

mod entry;

use crate::artifacts::Artifacts;
use crate::options::BuildArgs;
use crate::progress::{self, Step};
use crate::toolchain;
use crate::user_crate::UserCrate;
use entry::{compile, entry_prefix, write_entry_crate};

/// Which entry the executable gets: Genezio's (the trap on a Lambda, the sidecar elsewhere) or
/// the container server's (gzrs-native's HTTP server, behind its `server` feature).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Genezio,
    Server,
}

/// The Lambda's CPU.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Arch {
    /// AWS Graviton: what genezio-aws runs.
    #[default]
    Arm64,
    /// What genezio-cloud runs, and most laptops.
    #[value(name = "x86_64", alias = "x64", alias = "amd64")]
    X86_64,
}

impl Arch {
    /// Genezio's name for it (`backend.language.architecture`).
    pub fn genezio_name(self) -> &'static str {
        match self {
            Arch::Arm64 => "arm64",
            Arch::X86_64 => "x86_64",
        }
    }

    /// This machine's CPU, for running an executable here.
    pub fn host() -> Result<Arch> {
        match std::env::consts::ARCH {
            "aarch64" => Ok(Arch::Arm64),
            "x86_64" => Ok(Arch::X86_64),
            other => bail!("gzrs runs native executables on arm64 and x86_64 only, not {other}"),
        }
    }

    pub fn triple(self) -> &'static str {
        match self {
            Arch::Arm64 => "aarch64-unknown-linux-musl",
            Arch::X86_64 => "x86_64-unknown-linux-musl",
        }
    }
}

/// The executable's name inside the backend's `gzrs/` folder.
pub fn binary_name(arch: Arch) -> String {
    format!("service-{}", arch.genezio_name())
}

/// The CPUs a build ships executables for: the one `--arch` names, else both, so the same
/// project runs wherever Genezio puts it (genezio-cloud, where new projects land, is x86_64;
/// genezio-aws is arm64). The class runs the one for the CPU it finds itself on.
pub fn shipped_archs(args: &BuildArgs) -> Vec<Arch> {
    match args.arch {
        Some(arch) => vec![arch],
        None => vec![Arch::X86_64, Arch::Arm64],
    }
}

/// Compiles the service to an executable for each CPU it ships: the payload of a native class.
pub fn build(krate: &UserCrate, args: &BuildArgs, entry: Entry) -> Result<Artifacts> {
    let archs = shipped_archs(args);
    if archs == [Arch::Arm64] {
        progress::warn(
            "--arch arm64 ships no executable for genezio-cloud, which runs x86_64 and is where new Genezio projects land; there every request would answer 500 saying so. Leave out --arch to ship both.",
        );
    }
    let work = krate.target_dir.join("gzrs");
    let bin = format!("{}-{}", entry_prefix(entry), krate.name);
    let entry = write_entry_crate(krate, &work, entry)?;
    let mut files = Vec::new();
    for arch in archs {
        let triple = arch.triple();
        toolchain::ensure_target(triple)?;
        let step = Step::start(format!(
            "Compiling {} for {triple} (cargo build --release)",
            krate.name
        ));
        let binary = compile(&entry, &work.join("cargo"), arch, &bin, args.verbose, &step)?;
        step.done();
        let bytes =
            fs::read(&binary).with_context(|| format!("cannot read {}", binary.display()))?;
        files.push((binary_name(arch), bytes));
    }
    Ok(Artifacts { files })
}
