//! The service's environment: Genezio's `environment` settings and `.env` values reach the
//! process's environment in both modes (`process.env` in Node, inherited by the native
//! executable).

/// The variable `name`, or `None` if it is unset (or not valid Unicode).
pub fn var(name: &str) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    return crate::host::env(name);
    #[cfg(not(target_arch = "wasm32"))]
    return std::env::var(name).ok();
}
