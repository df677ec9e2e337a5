//! The contestants' Genezio projects: the floor (a TypeScript class), and the service in wasm
//! and native mode for this machine's CPU, each built as `gzrs build` builds it.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Result;
use gzrs_build::native::Arch;
use gzrs_build::{BuildArgs, Mode, PlatformName, UserCrate};

use crate::args::BenchArgs;
use crate::floor;

/// Builds one contestant's Genezio project (`typescript`, `wasm` or `native`, for this
/// machine's CPU): the project and the artifact's size.
pub fn project_for(
    name: &str,
    krate: &UserCrate,
    work: &Path,
    args: &BenchArgs,
) -> Result<(PathBuf, Option<u64>)> {
    let dir = work.join(name);
    let (project, artifact) = match name {
        "typescript" => (
            floor::write(krate, &dir.join("project"), args.verbose)?,
            None,
        ),
        _ => {
            let (mode, arch) = match name {
                "wasm" => (Mode::Wasm, None),
                _ => (Mode::Native, Some(Arch::host()?)),
            };
            let build = BuildArgs {
                mode: Some(mode),
                platform: PlatformName::Genezio,
                base_path: None,
                arch,
                out: Some(dir.join("project")),
                no_install: false,
                no_wasm_opt: false,
                verbose: args.verbose,
                path: args.path.clone(),
            };
            let project = gzrs_build::build(krate, &build)?;
            let artifact = match mode {
                Mode::Wasm => gzrs_build::wasm::MODULE_FILE.to_owned(),
                Mode::Native | Mode::Ab => gzrs_build::native::binary_name(Arch::host()?),
            };
            let size = fs::metadata(project.join("server/gzrs").join(artifact))
                .ok()
                .map(|m| m.len());
            (project, size)
        }
    };
    Ok((project, artifact))
}
