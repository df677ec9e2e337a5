//! The cargo gzrs runs.

/// The cargo that invoked us (under `cargo run`) or the one on PATH.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}
