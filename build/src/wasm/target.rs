//! The names a wasm build agrees on: the target, and what the entry crate calls the service.

pub const TARGET: &str = "wasm32-wasip1";
/// The name the generated entry gives the service crate.
pub const SERVICE_DEPENDENCY: &str = "gzrs_user_service";
