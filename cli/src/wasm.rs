//! `gzrs build --mode wasm`: the service compiled to `wasm32-wasip1`, so that std's clocks,
//! environment, stdout and randomness work (the host answers WASI), and the Genezio class
//! around it. There is no generated glue: the boundary is gzrs-wasm's own few exports.
//!
//! Before compiling, the entry crate's dependency graph is resolved for the target, and gzrs
//! decides from the *service's own* resolved features what the adapter needs (a tokio runtime
//! whose timers the host drives, only if the service's tokio has them), so it never turns on a
//! feature of a dependency the service shares unless the build cannot work without it.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::genezio::{write_if_changed, Payload};
use crate::progress::Step;
use crate::project::{cargo, toml_string, UserCrate};
use crate::{toolchain, BuildArgs};

pub const TARGET: &str = "wasm32-wasip1";
/// The name the generated entry gives the service crate.
const SERVICE_DEPENDENCY: &str = "gzrs_user_service";
/// The module's file name in `<backend>/gzrs/`.
pub const MODULE_FILE: &str = "service.wasm";

/// Compiles the service to a wasm module: the payload of a wasm class.
pub fn build(krate: &UserCrate, args: &BuildArgs) -> Result<Payload> {
    toolchain::ensure_target(TARGET)?;
    let work = krate.target_dir.join("gzrs");
    let entry = work.join("entry-wasm").join(&krate.name);

    // First without any optional feature, to see the service's graph as it is on its own.
    write_entry_crate(krate, &entry, &Plan::default())?;
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
        crate::progress::warn(warning);
    }
    warn_of_usize_fields(krate.dir());
    write_entry_crate(krate, &entry, &plan)?;

    let step = Step::start(format!(
        "Compiling {} for {TARGET} (cargo build --release)",
        krate.name
    ));
    let c_toolchain = c_toolchain(&graph);
    let wasm = compile(
        &entry,
        &work.join("cargo"),
        &plan,
        &graph,
        c_toolchain.as_ref(),
        args.verbose,
        &step,
    )?;
    step.done();

    let module = fs::read(&wasm).with_context(|| format!("could not read {}", wasm.display()))?;
    refuse_what_no_host_runs(&crate::wasm_check::inspect(&module)?, &graph)?;
    let module = crate::wasm_opt::finish(
        module,
        !args.no_wasm_opt,
        &work.join("wasm-opt").join(&krate.name),
    )?;
    Ok(Payload {
        files: vec![(MODULE_FILE.to_string(), module)],
    })
}

/// Says where the service deserializes into a `usize`, which is 32 bits here.
fn warn_of_usize_fields(dir: &Path) {
    let fields = crate::usize_scan::deserialized_usize_fields(&dir.join("src"));
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
    crate::progress::warn(&format!(
        "usize is 32 bits in wasm mode: a deserialized usize takes at most 4294967295 there, and a larger number that parses natively is an error (a JWT's `exp` after 2106, say). Use u64 where values can be larger:{}{more}",
        listed.concat()
    ));
}

/// Crates every request runs through, compiled for speed rather than size. axum is not one:
/// at `opt-level = 3` it inlined the handlers' glue into large functions that the first request
/// must compile (lazily, on V8's main thread) and it was no faster per request.
const HOT_PATH_CRATES: [&str; 5] = ["gzrs-core", "gzrs-wasm", "serde_json", "http", "matchit"];

/// What the build adds for this service, decided from its resolved graph.
#[derive(Debug, Default, PartialEq, Eq)]
struct Plan {
    /// gzrs-wasm features: `logs`, `tokio`, `tokio-time`.
    adapter_features: Vec<&'static str>,
    /// `--cfg` flags for the compiler.
    cfgs: Vec<&'static str>,
    /// Said before compiling; the build goes on.
    warnings: Vec<String>,
    /// Why the service cannot run in wasm mode at all: the build stops before compiling.
    blocker: Option<String>,
}

/// Crates that call into a browser-style JavaScript host through wasm-bindgen. Crates made for
/// both leave them out on WASI (getrandom, uuid, chrono do), and some name them for every wasm32
/// target but call them only off WASI (jsonwebtoken). On `wasm32-wasip1` each imported function
/// is a stub that panics, so the linked module decides ([`refuse_what_no_host_runs`]); these
/// names only say how the service reaches them.
const JS_BINDINGS: [&str; 3] = ["js-sys", "web-sys", "wasm-bindgen"];

/// Stops the build when the linked module would fail at run time: a reachable wasm-bindgen stub
/// (it panics when called), or an import no gzrs host provides (the module would not load).
fn refuse_what_no_host_runs(found: &crate::wasm_check::Findings, graph: &Graph) -> Result<()> {
    if found.calls_javascript {
        // The crates that use the bindings directly: one of them makes the call.
        let callers = graph.dependents_of(&JS_BINDINGS);
        let named = |c: &String| match graph.path_to(c) {
            Some(path) if path != *c => format!("`{c}` ({path})"),
            _ => format!("`{c}`"),
        };
        let who = match callers.as_slice() {
            [] => "the service".to_string(),
            [one] => named(one),
            many => format!(
                "one of {}",
                many.iter().map(named).collect::<Vec<_>>().join(", ")
            ),
        };
        let called = if found.javascript_functions.is_empty() {
            String::new()
        } else {
            let shown: Vec<&str> = found
                .javascript_functions
                .iter()
                .take(6)
                .map(String::as_str)
                .collect();
            format!(" It calls {}.", shown.join(", "))
        };
        let fetch = if callers.iter().any(|c| c == "reqwest") {
            " For outbound HTTP in wasm mode, `gzrs_platform::fetch` (or its `Client`, a tower::Service) replaces reqwest."
        } else {
            ""
        };
        anyhow::bail!(
            "{who} calls JavaScript through wasm-bindgen, which gzrs's wasm mode (wasm32-wasip1) does not run: each such call would panic at request time.{called} `gzrs build --mode native` runs this service as it is.{fetch}"
        );
    }
    if !found.foreign_imports.is_empty() {
        let shown: Vec<&str> = found
            .foreign_imports
            .iter()
            .take(8)
            .map(String::as_str)
            .collect();
        anyhow::bail!(
            "the compiled module imports {}, which no gzrs host provides (only WASI and gzrs's own), so it would not load. Usually C code calls a function the WASI libc lacks; `gzrs build --mode native` runs the service as it is.",
            shown.join(", ")
        );
    }
    Ok(())
}

/// Crates that do not build for wasm32-wasip1 whatever the C toolchain, each with what to do:
/// refused before a long compile ends in a compiler crash.
const NO_WASI: [(&str, &str); 1] = [(
    "aws-lc-sys",
    "AWS-LC's C and assembly do not build for wasm32-wasip1",
)];

/// Features that bring in a crate of [`NO_WASI`], and the feature to use instead.
const INSTEAD: [(&str, &str, &str); 3] = [
    ("jsonwebtoken", "aws_lc_rs", "rust_crypto"),
    ("rustls", "aws_lc_rs", "ring"),
    ("rustls", "aws-lc-rs", "ring"),
];

impl Graph {
    /// Why the service cannot build for wasm32-wasip1, if a crate of [`NO_WASI`] is in it: the
    /// crate, how the service reaches it, and the feature that brings it in.
    fn no_wasi_blocker(&self) -> Option<String> {
        let (krate, why) = NO_WASI
            .iter()
            .find(|(name, _)| self.path_to(name).is_some())?;
        let path = self.path_to(krate)?;
        // The crate that asked for it (the one before `aws-lc-rs`, or before the -sys crate).
        let steps: Vec<&str> = path.split(" → ").collect();
        let asker = steps
            .iter()
            .rev()
            .skip(1)
            .find(|step| !step.starts_with("aws-lc"))
            .copied();
        let feature_hint = asker.and_then(|asker| {
            let enabled = self.features_of(asker)?;
            let known = INSTEAD
                .iter()
                .find(|(k, f, _)| *k == asker && enabled.contains(f));
            let feature = match known {
                Some((_, feature, _)) => *feature,
                None => enabled.iter().find(|f| f.contains("aws"))?,
            };
            let instead = known.map_or(String::new(), |(_, _, other)| {
                format!(" and turn on `{other}` instead")
            });
            Some(format!(
                " `{asker}`'s feature `{feature}` brings it in: turn it off (it may be a default feature: `default-features = false`){instead}."
            ))
        });
        Some(format!(
            "{path}: {why}.{} `gzrs build --mode native` runs this service as it is.",
            feature_hint.unwrap_or_default()
        ))
    }
}

/// Tokio's features that tokio itself refuses on wasm unless built with `--cfg tokio_unstable`.
const TOKIO_UNSTABLE_ON_WASM: [&str; 6] = [
    "fs",
    "io-std",
    "net",
    "process",
    "rt-multi-thread",
    "signal",
];
/// Of those, what fails when used on one thread with no files, processes or signals.
const TOKIO_FAILS_WHEN_USED: [(&str, &str); 4] = [
    ("fs", "tokio::fs needs a thread pool and files"),
    ("process", "tokio::process needs processes"),
    ("signal", "tokio::signal needs signals"),
    ("rt-multi-thread", "a multi-thread runtime needs threads"),
];

impl Plan {
    fn for_graph(graph: &Graph) -> Plan {
        let mut plan = Plan {
            blocker: graph.no_wasi_blocker(),
            ..Plan::default()
        };
        if graph.root_depends_on_any(&["tracing", "log", "gzrs-platform"]) {
            plan.adapter_features.push("logs");
        }
        let Some(tokio) = graph.features_of("tokio") else {
            return plan;
        };
        // A runtime only where the service can use one: to spawn (rt) or to time (time).
        if tokio.contains("rt") || tokio.contains("time") {
            plan.adapter_features.push("tokio");
        }
        if tokio.contains("time") {
            plan.adapter_features.push("tokio-time");
        }
        // Tokio counts its tasks from 1.39 on; older ones keep a turn after every poll.
        if graph.version_of("tokio").is_some_and(|v| v >= (1, 39))
            && plan.adapter_features.contains(&"tokio")
        {
            plan.adapter_features.push("tokio-task-count");
        }
        if TOKIO_UNSTABLE_ON_WASM.iter().any(|f| tokio.contains(*f)) {
            // axum's default features (for `axum::serve`) and `tokio/full` are in most services
            // that never serve or spawn threads themselves; tokio only compiles them for wasm
            // with this cfg. What the service actually calls is its own business: said below.
            plan.cfgs.push("tokio_unstable");
        }
        let failing: Vec<String> = TOKIO_FAILS_WHEN_USED
            .iter()
            .filter(|(feature, _)| tokio.contains(*feature))
            .map(|(feature, why)| format!("`{feature}` ({why})"))
            .collect();
        if !failing.is_empty() {
            plan.warnings.push(format!(
                "tokio is built with {} through {}. In wasm mode these fail when called (an instance is one thread with no files or processes); everything else in tokio works, timers included. If the service uses them, build it with --mode native.",
                failing.join(", "),
                graph.path_to("tokio").unwrap_or_else(|| "the service".into())
            ));
        }
        plan
    }
}

/// The entry crate's resolved dependency graph for [`TARGET`] (`cargo metadata`).
struct Graph {
    root: String,
    names: HashMap<String, String>,
    versions: HashMap<String, String>,
    nodes: HashMap<String, Node>,
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<MetadataPackage>,
    resolve: Resolve,
}

#[derive(Deserialize)]
struct MetadataPackage {
    id: String,
    name: String,
    version: String,
}

#[derive(Deserialize)]
struct Resolve {
    root: Option<String>,
    nodes: Vec<Node>,
}

#[derive(Deserialize, Clone)]
struct Node {
    id: String,
    #[serde(default)]
    features: Vec<String>,
    #[serde(default)]
    deps: Vec<NodeDep>,
}

#[derive(Deserialize, Clone)]
struct NodeDep {
    /// The name the dependent uses for it (the entry's `gzrs_user_service`).
    name: String,
    pkg: String,
    #[serde(default)]
    dep_kinds: Vec<DepKind>,
}

#[derive(Deserialize, Clone)]
struct DepKind {
    kind: Option<String>,
}

impl Graph {
    fn resolve(entry: &Path) -> Result<Graph> {
        let output = Command::new(cargo())
            .args([
                "metadata",
                "--format-version",
                "1",
                "--filter-platform",
                TARGET,
            ])
            .arg("--manifest-path")
            .arg(entry.join("Cargo.toml"))
            .output()
            .context("could not run `cargo metadata`")?;
        if !output.status.success() {
            anyhow::bail!(
                "resolving the service's dependencies failed (cargo metadata):\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let metadata: Metadata =
            serde_json::from_slice(&output.stdout).context("unexpected `cargo metadata` output")?;
        let root = metadata
            .resolve
            .root
            .context("cargo metadata named no root package")?;
        // The service itself is the entry's one dependency; its graph is what matters.
        let versions = metadata
            .packages
            .iter()
            .map(|p| (p.id.clone(), p.version.clone()))
            .collect::<HashMap<_, _>>();
        let names = metadata
            .packages
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect::<HashMap<_, _>>();
        let nodes: HashMap<String, Node> = metadata
            .resolve
            .nodes
            .into_iter()
            .map(|n| (n.id.clone(), n))
            .collect();
        Ok(Graph {
            root,
            names,
            versions,
            nodes,
        })
    }

    /// The service's package id: the entry's dependency named `gzrs_user_service`.
    fn service(&self) -> Option<&str> {
        self.nodes[&self.root]
            .deps
            .iter()
            .find(|d| d.name == SERVICE_DEPENDENCY)
            .map(|d| d.pkg.as_str())
    }

    fn normal_deps<'a>(&'a self, id: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.nodes
            .get(id)
            .into_iter()
            .flat_map(|n| n.deps.iter())
            .filter(|d| d.dep_kinds.iter().any(|k| k.kind.is_none()) || d.dep_kinds.is_empty())
            .map(|d| d.pkg.as_str())
    }

    fn root_depends_on_any(&self, names: &[&str]) -> bool {
        self.service().is_some_and(|service| {
            self.normal_deps(service)
                .any(|id| names.contains(&self.names[id].as_str()))
        })
    }

    /// The resolved features of package `name`, if the graph has it.
    fn features_of(&self, name: &str) -> Option<BTreeSet<&str>> {
        let node = self.nodes.values().find(|n| self.names[&n.id] == name)?;
        Some(node.features.iter().map(String::as_str).collect())
    }

    /// The resolved (major, minor) version of package `name`, if the graph has it.
    fn version_of(&self, name: &str) -> Option<(u64, u64)> {
        let id = self.names.iter().find(|(_, n)| *n == name)?.0;
        let mut parts = self.versions[id].split('.').map(|p| p.parse::<u64>().ok());
        Some((parts.next()??, parts.next()??))
    }

    /// The crates whose build scripts compile C (they build-depend on `cc` or `cmake`), each
    /// with how the service reaches it: `ring (digest → ring)`.
    fn c_crates(&self) -> Vec<String> {
        let mut found: Vec<String> = self
            .nodes
            .values()
            .filter(|node| {
                node.deps.iter().any(|d| {
                    matches!(self.names[&d.pkg].as_str(), "cc" | "cmake")
                        && d.dep_kinds
                            .iter()
                            .any(|k| k.kind.as_deref() == Some("build"))
                })
            })
            .map(|node| {
                let name = &self.names[&node.id];
                match self.path_to(name) {
                    Some(path) if path != *name => format!("`{name}` (through {path})"),
                    _ => format!("`{name}`"),
                }
            })
            .collect();
        found.sort();
        found
    }

    /// The packages other than `names` that depend on one of `names` directly, sorted.
    fn dependents_of(&self, names: &[&str]) -> Vec<String> {
        let mut found: Vec<String> = self
            .nodes
            .values()
            .filter(|node| !names.contains(&self.names[&node.id].as_str()))
            .filter(|node| {
                self.normal_deps(&node.id)
                    .any(|dep| names.contains(&self.names[dep].as_str()))
            })
            .map(|node| self.names[&node.id].clone())
            .collect();
        found.sort();
        found.dedup();
        found
    }

    /// Every way the service reaches package `name`, one per direct dependency it goes
    /// through, shortest first, at most `limit`: `service → axum → hyper-util → socket2; service
    /// → lambda_http → ... → socket2`, as `cargo tree -i` would show them. A crate that fails to
    /// build may come in through a dependency that is not on the shortest path.
    fn paths_to(&self, name: &str, limit: usize) -> Option<String> {
        let start = self.service()?;
        if self.names[start] == name {
            return Some(name.to_string());
        }
        let mut paths: Vec<Vec<&str>> = Vec::new();
        for first in self.normal_deps(start) {
            let mut came_from: HashMap<&str, &str> = HashMap::new();
            let mut queue = VecDeque::from([first]);
            while let Some(id) = queue.pop_front() {
                if self.names[id] == name {
                    let mut path = vec![self.names[id].as_str()];
                    let mut at = id;
                    while let Some(&previous) = came_from.get(at) {
                        path.push(&self.names[previous]);
                        at = previous;
                    }
                    path.push(&self.names[start]);
                    path.reverse();
                    paths.push(path);
                    break;
                }
                for next in self.normal_deps(id) {
                    if next != start && next != first && !came_from.contains_key(next) {
                        came_from.insert(next, id);
                        queue.push_back(next);
                    }
                }
            }
        }
        paths.sort_by_key(Vec::len);
        paths.dedup();
        (!paths.is_empty()).then(|| {
            paths
                .iter()
                .take(limit)
                .map(|p| p.join(" → "))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// How the service reaches package `name`: `service → axum → tokio`, shortest first.
    fn path_to(&self, name: &str) -> Option<String> {
        let start = self.service()?;
        let mut came_from: HashMap<&str, &str> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        while let Some(id) = queue.pop_front() {
            if self.names[id] == name {
                let mut path = vec![self.names[id].as_str()];
                let mut at = id;
                while let Some(&previous) = came_from.get(at) {
                    path.push(&self.names[previous]);
                    at = previous;
                }
                path.reverse();
                return Some(path.join(" → "));
            }
            for next in self.normal_deps(id) {
                if next != start && !came_from.contains_key(next) {
                    came_from.insert(next, id);
                    queue.push_back(next);
                }
            }
        }
        None
    }
}

/// The crate that turns the user's library into a wasm module: one export, `gzrs_init`, that
/// calls `gzrs_wasm::init(user::app)`. It is its own workspace, so it never joins the user's.
fn write_entry_crate(krate: &UserCrate, dir: &Path, plan: &Plan) -> Result<()> {
    fs::create_dir_all(dir.join("src"))?;
    let mut adapter = crate::project::gzrs_dependency("wasm-adapter");
    if !plan.adapter_features.is_empty() {
        adapter = with_features(&adapter, &plan.adapter_features);
    }
    let manifest = format!(
        r#"# Generated by gzrs: the wasm entry of `{name}`. Rebuilt on every `gzrs build`.
[package]
name = "gzrs-entry-{name}"
version = "0.0.0"
edition = "2021"
publish = false

[lib]
crate-type = ["cdylib"]
path = "src/lib.rs"

[dependencies]
{SERVICE_DEPENDENCY} = {{ package = "{name}", path = {path} }}
gzrs-wasm = {adapter}
{class}
[workspace]

# Small overall (size drives cold start: read, compile), but optimized for speed where every
# request passes: gzrs itself, JSON, the http types and the router. Not stripped here: gzrs
# strips the module after wasm-opt, which reads the target-features section.
[profile.release]
opt-level = "z"
lto = true
codegen-units = 1
panic = "abort"
debug = false
strip = false
{hot_path_profiles}"#,
        name = krate.name,
        path = toml_string(krate.dir()),
        class = krate.class_dependency(),
        hot_path_profiles = HOT_PATH_CRATES
            .iter()
            .map(|c| format!("[profile.release.package.{c}]\nopt-level = 3\n"))
            .collect::<String>(),
    );
    write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
    let source = format!(
        "// Generated by gzrs.\n#[no_mangle]\npub extern \"C\" fn gzrs_init() {{\n    gzrs_wasm::init({service});\n}}\n",
        service = krate.service_builder()
    );
    write_if_changed(&dir.join("src/lib.rs"), &source)?;
    crate::project::follow_lockfile(krate, dir)
}

/// The C toolchain for the crates in the graph that compile C code (their build scripts use
/// the `cc` or `cmake` crate), if any do: found, or a warning that says what to install.
fn c_toolchain(graph: &Graph) -> Option<crate::wasi_c::WasiC> {
    let c_crates = graph.c_crates();
    if c_crates.is_empty() || std::env::var_os(crate::wasi_c::CC_VARIABLE).is_some() {
        return None;
    }
    let found = crate::wasi_c::find();
    match &found {
        Some(toolchain) => crate::progress::info(&format!(
            "C code of {} compiles with {}",
            c_crates.join(", "),
            toolchain.describe()
        )),
        None => crate::progress::warn(&format!(
            "{} compile C code, and no C compiler for {TARGET} was found (clang with a WASI libc). Install one: {}",
            c_crates.join(", "),
            crate::wasi_c::INSTALL
        )),
    }
    found
}

fn compile(
    entry: &Path,
    target_dir: &Path,
    plan: &Plan,
    graph: &Graph,
    c_toolchain: Option<&crate::wasi_c::WasiC>,
    verbose: bool,
    step: &Step,
) -> Result<PathBuf> {
    let name = entry
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .replace('-', "_");
    let mut command = Command::new(cargo());
    if !plan.cfgs.is_empty() {
        // `--config` adds to the user's own rustflags from config files rather than replacing them.
        let flags: Vec<String> = plan
            .cfgs
            .iter()
            .flat_map(|cfg| ["\"--cfg\"".to_string(), format!("\"{cfg}\"")])
            .collect();
        command.args([
            "--config",
            &format!("target.{TARGET}.rustflags=[{}]", flags.join(", ")),
        ]);
    }
    for (variable, value) in c_toolchain.map(|c| c.env()).unwrap_or_default() {
        command.env(variable, value);
    }
    crate::project::build_entry(
        command,
        entry,
        target_dir,
        TARGET,
        &format!("gzrs_entry_{name}.wasm"),
        verbose,
        step,
        |log| compile_hint(log, &|name| graph.paths_to(name, 3)),
    )
}

/// Why a service that builds natively does not build for wasm32-wasip1: the crates that failed,
/// how the service depends on each (`path_to`), and what to do about it.
fn compile_hint(log: &str, path_to: &dyn Fn(&str) -> Option<String>) -> String {
    let mut hints = Vec::new();
    let failed: BTreeSet<&str> = log
        .lines()
        .filter_map(|line| {
            let rest = line
                .strip_prefix("error: could not compile `")
                .or_else(|| line.strip_prefix("error: failed to run custom build command for `"))?;
            rest.split(['`', ' ']).next()
        })
        .collect();
    let c_code = log.contains("cc-rs")
        || log.contains("failed to find tool")
        || log.contains("wasm32-wasi-clang")
        || log.contains("stdio.h");
    for krate in &failed {
        let krate = *krate;
        let path = path_to(krate);
        // The service's own code (its path is itself): the compiler's errors say what is wrong,
        // and it is no matter of wasm.
        if krate.starts_with("gzrs-entry-") || path.as_ref().is_some_and(|p| !p.contains('→')) {
            continue;
        }
        let why = if c_code {
            format!(
                "it compiles C code, which needs a C compiler for wasm32-wasip1, clang with a WASI libc ({})",
                crate::wasi_c::INSTALL
            )
        } else {
            "it does not support wasm32-wasip1".to_string()
        };
        let via = path.map_or(String::new(), |path| format!(" (through {path})"));
        hints.push(format!(
            "the crate `{krate}`{via} failed to compile for {TARGET}: {why}. If it builds natively, `gzrs build --mode native` runs it; or find a feature that avoids it (`cargo tree -e features -i {krate}` shows who brings it in)"
        ));
    }
    if hints
        .iter()
        .any(|h| h.contains("lambda_http") || h.contains("lambda_runtime"))
    {
        hints.push(
            "lambda_http and lambda_runtime are the Lambda runtime's own client, and they do not \
             build for wasm32-wasip1. gzrs serves the library itself, so only a `main` of your own \
             needs them: declare them for native targets only, under \
             [target.'cfg(not(target_family = \"wasm\"))'.dependencies] in Cargo.toml"
                .into(),
        );
    }
    if (log.contains("cannot find function") || log.contains("cannot find value"))
        && log.contains("gzrs_user_service")
    {
        hints.push("gzrs calls `<your crate>::<function>()`: check `function` in [package.metadata.gzrs] (default `app`) and that it is `pub`".into());
    }
    hints.iter().map(|h| format!("\nhint: {h}")).collect()
}

/// A dependency spec (`{ path = "..." }` or `"=0.1.0"`) with `features` added.
pub(crate) fn with_features(spec: &str, features: &[&str]) -> String {
    let list = features
        .iter()
        .map(|f| format!("{f:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    match spec.strip_suffix('}') {
        Some(table) => format!("{}, features = [{list}] }}", table.trim_end()),
        None => format!("{{ version = {spec}, features = [{list}] }}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_added_to_either_kind_of_dependency() {
        assert_eq!(
            with_features(r#"{ path = "/a" }"#, &["logs", "tokio"]),
            r#"{ path = "/a", features = ["logs", "tokio"] }"#
        );
        assert_eq!(
            with_features(r#""=0.1.0""#, &["logs"]),
            r#"{ version = "=0.1.0", features = ["logs"] }"#
        );
    }

    #[test]
    fn hints_name_the_crate_that_failed() {
        let log = "   Compiling ring v0.17.8\nerror: failed to run custom build command for `ring v0.17.8`\n  error occurred in cc-rs: failed to find tool \"clang\"\n";
        let hint = compile_hint(log, &|name| Some(format!("service → {name}")));
        assert!(
            hint.contains("the crate `ring` (through service → ring) failed"),
            "{hint}"
        );
        assert!(hint.contains("C compiler"), "{hint}");
        assert!(hint.contains("--mode native"), "{hint}");
        assert!(!hint.contains("getrandom"), "{hint}");
        let log = "error[E0432]: unresolved import\nerror: could not compile `uuid` (lib) due to 1 previous error\n";
        let hint = compile_hint(log, &|_| None);
        assert!(hint.contains("the crate `uuid` failed"), "{hint}");
        assert!(!hint.contains("C compiler"), "{hint}");
        // Every way in is named, and lambda_http gets its own advice.
        let log = "error: could not compile `socket2` (lib) due to 3 previous errors\n";
        let hint = compile_hint(log, &|_| {
            Some("seed → axum → hyper-util → socket2; seed → lambda_http → lambda_runtime → hyper-util → socket2".into())
        });
        assert!(
            hint.contains("seed → lambda_http → lambda_runtime"),
            "{hint}"
        );
        assert!(hint.contains("cfg(not(target_family"), "{hint}");
        // The service's own type error: no word about wasm.
        let log = "error[E0308]: mismatched types\nerror: could not compile `broken` (lib) due to 1 previous error\n";
        let hint = compile_hint(log, &|name| {
            (name == "broken").then(|| "broken".to_string())
        });
        assert_eq!(hint, "");
    }
}
