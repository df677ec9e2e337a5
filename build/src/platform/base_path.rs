//! The path the service answers under on the web and server platforms (`--base-path`).

use anyhow::Result;

/// `/api/` and `api` become `/api`; `/` and nothing become `` (the root).
pub fn normalized_base_path(base: Option<&str>) -> Result<String> {
    let Some(base) = base else {
        return Ok(String::new());
    };
    let trimmed = base.trim_matches('/');
    if trimmed.contains(['?', '#', ' ']) {
        anyhow::bail!("--base-path {base:?} is not a path: use one like /api");
    }
    Ok(if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    })
}
