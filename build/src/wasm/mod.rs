//! `gzrs build --mode wasm`: the service compiled to `wasm32-wasip1`, so that std's clocks,
//! environment, stdout and randomness work (the host answers WASI), and the Genezio class
//! around it. There is no generated glue: the boundary is gzrs-wasm's own few exports.
//!
//! Before compiling, the entry crate's dependency graph is resolved for the target, and gzrs
//! decides from the *service's own* resolved features what the adapter needs (a tokio runtime
//! whose timers the host drives, only if the service's tokio has them), so it never turns on a
//! feature of a dependency the service shares unless the build cannot work without it.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

mod check;
mod entry;
mod graph;
mod opt;
mod plan;
mod target;
mod usize_scan;
mod wasi_c;

use crate::artifacts::Artifacts;
use crate::profile::Kind;
use crate::progress::{self, Step};
use crate::toolchain;
use crate::user_crate::UserCrate;
use entry::{c_toolchain, compile, write_entry_crate};
use graph::Graph;
use plan::Plan;

pub use target::TARGET;
/// The module's file name in `<backend>/gzrs/`.
pub const MODULE_FILE: &str = "service.wasm";

/// Compiles the service to a wasm module: the payload of a wasm class.
/// How a wasm build goes.
#[derive(Debug, Clone, Copy)]
pub struct WasmOptions {
    /// Run binaryen's `wasm-opt` on the module (when it is installed).
    pub optimize: bool,
    /// Show cargo's full output.
    pub verbose: bool,
}

pub fn build(krate: &UserCrate, options: WasmOptions) -> Result<Artifacts> {
    toolchain::ensure_target(TARGET)?;
    let work = krate.target_dir.join("gzrs");
    let entry = work.join("entry-wasm").join(&krate.name);
    let profile = krate.profile(Kind::Wasm);

    // First without any optional feature, to see the service's graph as it is on its own.
    write_entry_crate(krate, &entry, &Plan::default(), &profile)?;
    let step = Step::start(format!(
        "Resolving {}'s dependencies for {TARGET} (cargo metadata)",
        krate.name
    ));
    let graph = Graph::resolve(&entry)?;
    step.done();
    let plan = Plan::for_graph(&graph);
    if let Some(blocker) = &plan.blocker {
        anyhow::bail!("{blocker}");
    }
    for warning in &plan.warnings {
        progress::warn(warning);
    }
    warn_of_usize_fields(krate.dir());
    write_entry_crate(krate, &entry, &plan, &profile)?;

    let step = Step::start(format!(
        "Compiling {} for {TARGET} (cargo build --release, {})",
        krate.name,
        profile.opt_level()
    ));
    let c_toolchain = c_toolchain(&graph);
    let wasm = compile(
        &entry,
        &work.join("cargo"),
        &plan,
        &graph,
        c_toolchain.as_ref(),
        options.verbose,
        &step,
    )?;
    step.done();

    let module = fs::read(&wasm).with_context(|| format!("could not read {}", wasm.display()))?;
    check::refuse_what_no_host_runs(&check::inspect(&module)?, &graph)?;
    let module = opt::finish(
        module,
        options.optimize,
        profile.opt_level().wasm_opt_flag(),
        &work.join("wasm-opt").join(&krate.name),
    )?;
    Ok(Artifacts {
        files: vec![(MODULE_FILE.to_string(), module)],
    })
}

/// Says where the service deserializes into a `usize`, which is 32 bits here.
fn warn_of_usize_fields(dir: &Path) {
    let fields = usize_scan::deserialized_usize_fields(&dir.join("src"));
    if fields.is_empty() {
        return;
    }
    let listed: Vec<String> = fields
        .iter()
        .take(5)
        .map(|f| {
            let file = f.file.strip_prefix(dir).unwrap_or(&f.file);
            format!("\n  {}:{}: {}", file.display(), f.line, f.text)
        })
        .collect();
    let more = match fields.len() {
        n if n > 5 => format!("\n  and {} more", n - 5),
        _ => String::new(),
    };
    progress::warn(&format!(
        "usize is 32 bits in wasm mode: a deserialized usize takes at most 4294967295 there, and a larger number that parses natively is an error (a JWT's `exp` after 2106, say). Use u64 where values can be larger:{}{more}",
        listed.concat()
    ));
}
