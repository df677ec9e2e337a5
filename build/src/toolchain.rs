//! Rust toolchain checks: the rustup targets a build needs, installed when missing.

use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::progress::Step;

/// Makes sure the standard library for `triple` is installed, adding it with rustup if not.
pub fn ensure_target(triple: &str) -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    let installed = match installed {
        Ok(output) if output.status.success() => {
            String::from_utf8_lossy(&output.stdout).into_owned()
        }
        _ => {
            // Without rustup we cannot add targets; check whether rustc already has this one.
            let sysroot = Command::new("rustc")
                .args(["--print", "sysroot"])
                .output()
                .context("rustc not found: install Rust from https://rustup.rs")?;
            let lib = std::path::Path::new(String::from_utf8_lossy(&sysroot.stdout).trim())
                .join("lib/rustlib")
                .join(triple);
            if lib.exists() {
                return Ok(());
            }
            bail!("the Rust target {triple} is not installed and rustup is not available to add it; install rustup (https://rustup.rs) and run `rustup target add {triple}`");
        }
    };
    if installed.lines().any(|line| line.trim() == triple) {
        return Ok(());
    }
    let step = Step::start(format!(
        "Installing the Rust target {triple} (rustup target add)"
    ));
    let output = Command::new("rustup")
        .args(["target", "add", triple])
        .output()?;
    if !output.status.success() {
        bail!(
            "`rustup target add {triple}` failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    step.done();
    Ok(())
}
