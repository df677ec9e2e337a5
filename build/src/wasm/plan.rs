//! What a wasm build adds for a service, decided from its resolved graph alone: the adapter's
//! features, compiler cfgs, warnings, and what stops the build before it compiles.

use super::graph::Graph;

/// What the build adds for this service, decided from its resolved graph.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// gzrs-wasm features: `logs`, `tokio`, `tokio-time`.
    pub adapter_features: Vec<&'static str>,
    /// `--cfg` flags for the compiler.
    pub cfgs: Vec<&'static str>,
    /// Said before compiling; the build goes on.
    pub warnings: Vec<String>,
    /// Why the service cannot run in wasm mode at all: the build stops before compiling.
    pub blocker: Option<String>,
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
    pub fn for_graph(graph: &Graph) -> Plan {
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
