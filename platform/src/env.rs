//! The service's environment: Genezio's `environment` settings and `.env` values reach the
//! process's environment in both modes (`process.env` in Node, handed to the wasm instance
//! through WASI, inherited by the native executable). `std::env::var` works the same.

/// The variable `name`, or `None` if it is unset (or not valid Unicode).
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}
