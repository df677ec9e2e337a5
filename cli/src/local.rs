//! `gzrs local`: the built project under the real `genezio local`.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Result};

/// The Genezio CLI gzrs is tested against.
pub const GENEZIO_VERSION: &str = "3.2.10";

/// The Genezio CLI to run: `GZRS_GENEZIO`, else `genezio` on PATH. Checked before anything is
/// built, so a missing CLI costs no compile.
pub fn find_genezio() -> Result<String> {
    let genezio = std::env::var("GZRS_GENEZIO").unwrap_or_else(|_| "genezio".into());
    let found = Command::new(&genezio)
        .arg("--version")
        .env("GENEZIO_NO_TELEMETRY", "1")
        .output();
    if !matches!(found, Ok(ref o) if o.status.success()) {
        bail!(
            "the Genezio CLI was not found (looked for `{genezio}`).\n\
             Install it with:  npm install -g genezio@{GENEZIO_VERSION}\n\
             or point GZRS_GENEZIO at a genezio executable."
        );
    }
    Ok(genezio)
}

pub fn run(genezio: &str, project: &Path, port: u16) -> Result<()> {
    eprintln!(
        "Serving {} with genezio local on http://localhost:{port} (Ctrl-C to stop)",
        project.display()
    );
    let status = Command::new(genezio)
        .args(["local", "--port", &port.to_string()])
        .current_dir(project)
        .env("GENEZIO_NO_TELEMETRY", "1")
        .status()?;
    if !status.success() {
        bail!("genezio local exited with {status}");
    }
    Ok(())
}
