//! The path the service answers under on every platform but Genezio's (`--base-path`).

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths_are_normalized() {
        assert_eq!(normalized_base_path(None).unwrap(), "");
        assert_eq!(normalized_base_path(Some("/")).unwrap(), "");
        assert_eq!(normalized_base_path(Some("api/")).unwrap(), "/api");
        assert_eq!(normalized_base_path(Some("/a/b")).unwrap(), "/a/b");
        assert!(normalized_base_path(Some("/a?b")).is_err());
    }
}
