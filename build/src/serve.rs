//! What serving a build locally shares across platforms: the service's environment from
//! `.dev.vars`, and a server process waited on until Ctrl-C.

use std::fs;
use std::path::Path;

use anyhow::Result;

/// `KEY=VALUE` lines of a `.dev.vars` file (wrangler's local-variables file), if there is one.
pub fn dev_vars(dir: &Path) -> Vec<(String, String)> {
    let Ok(text) = fs::read_to_string(dir.join(".dev.vars")) else {
        return Vec::new();
    };
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let (key, value) = line.split_once('=')?;
            let value = value.trim().trim_matches('"');
            Some((key.trim().to_string(), value.to_string()))
        })
        .collect()
}

/// Waits for `child` until Ctrl-C (then stops it); its exiting first is an error naming `what`.
pub fn wait_or_stop(child: &mut std::process::Child, what: &str) -> Result<()> {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    tokio.block_on(async {
        let mut stop = std::pin::pin!(tokio::signal::ctrl_c());
        loop {
            if let Some(status) = child.try_wait()? {
                anyhow::bail!("{what} exited ({status})");
            }
            tokio::select! {
                _ = &mut stop => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Ok(());
                }
                _ = tokio::time::sleep(std::time::Duration::from_millis(200)) => {}
            }
        }
    })
}
