//! The `gzrs` command as a user meets it: `gzrs new` gives a crate that builds and answers, and
//! mistakes get errors that say what to do next.

mod dev;
mod install;
mod lambda;
mod mistakes;
mod profile;
mod wasm_opt;
mod wasm_refusals;
