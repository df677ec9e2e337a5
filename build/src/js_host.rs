//! Writing the JavaScript host into an output. Host files are templates with one slot,
//! `{{ version }}`: the version of gzrs that wrote them, for the line each instance logs.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

/// The platform-neutral host every wasm output carries in `gzrs/core/`.
const CORE: [&str; 3] = [
    "js-host/core/wasm-service.mjs",
    "js-host/core/wasi.mjs",
    "js-host/core/protocol.mjs",
];

/// A host file as it ships: with the version of gzrs that wrote it.
pub fn host_file(path: &str) -> String {
    crate::template::render(
        path,
        minijinja::context! { version => env!("CARGO_PKG_VERSION") },
    )
}

/// Writes the host file at `path` (in the manifest) to `to`.
pub fn write_host_file(path: &str, to: &Path) -> Result<()> {
    crate::files::write(to, host_file(path))
}

/// Writes `core/` under `dir` (the folder the adapters import it from).
pub fn write_core(dir: &Path) -> Result<()> {
    let core = dir.join("core");
    fs::create_dir_all(&core).with_context(|| format!("could not create {}", core.display()))?;
    for path in CORE {
        let name = path.rsplit('/').next().expect("a file name");
        write_host_file(path, &core.join(name))?;
    }
    Ok(())
}
