//! The CPUs gzrs builds executables for.

use anyhow::{bail, Result};
use clap::ValueEnum;

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
