//! The JavaScript host files gzrs ships beside a service, carried inside the CLI. `core/` is
//! platform-neutral (the wasm service host, WASI, what travels besides requests); each platform
//! adds its adapter: Genezio's classes and the fetch handler.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

/// `core/`: every platform's wasm mode, and the protocol both modes share.
const CORE: [(&str, &str); 3] = [
    (
        "core/wasm-service.mjs",
        include_str!("../js-host/core/wasm-service.mjs"),
    ),
    ("core/wasi.mjs", include_str!("../js-host/core/wasi.mjs")),
    (
        "core/protocol.mjs",
        include_str!("../js-host/core/protocol.mjs"),
    ),
];

/// Writes `core/` under `dir` (the folder the adapters import it from).
pub fn write_core(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir.join("core"))
        .with_context(|| format!("could not create {}", dir.join("core").display()))?;
    for (name, source) in CORE {
        fs::write(dir.join(name), with_version(source))
            .with_context(|| format!("could not write {}", dir.join(name).display()))?;
    }
    Ok(())
}

/// A host file with the version of gzrs that wrote it, for the line each instance logs.
pub fn with_version(source: &str) -> String {
    source.replace("__GZRS_VERSION__", env!("CARGO_PKG_VERSION"))
}
