//! The release profile of the entry crates gzrs generates: the user's own `[profile.release]`,
//! as cargo would apply it (from the root manifest of the crate's workspace, with its
//! `package.*` and `build-override` tables), over gzrs's defaults for the kind of build, and
//! the two settings gzrs keeps for itself (the panic strategy, stripping) where the user's
//! would break the build's promises, each said in a build note.

use toml::{Table, Value};

/// What is being built: each has its own defaults and its own fixed settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The wasm module (Genezio's wasm mode and the web's fetch handler).
    Wasm,
    /// The executable Genezio runs (the trap and the sidecar): read at every cold start.
    NativeGenezio,
    /// The container server: long-lived.
    Server,
}

/// An opt-level as cargo spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptLevel {
    Number(u8),
    Size,
    MinSize,
}

impl OptLevel {
    fn of(value: &Value) -> Option<OptLevel> {
        match value {
            Value::Integer(n @ 0..=3) => Some(OptLevel::Number(*n as u8)),
            Value::String(s) if s == "s" => Some(OptLevel::Size),
            Value::String(s) if s == "z" => Some(OptLevel::MinSize),
            Value::String(s) => s
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= 3)
                .map(OptLevel::Number),
            _ => None,
        }
    }

    /// binaryen's `wasm-opt` flag for the same intent, or `None` at 0 (the user asked for no
    /// optimization: the module is only stripped).
    pub fn wasm_opt_flag(self) -> Option<&'static str> {
        match self {
            OptLevel::Number(0) => None,
            OptLevel::Number(1) => Some("-O1"),
            OptLevel::Number(2) => Some("-O2"),
            OptLevel::Number(_) => Some("-O3"),
            OptLevel::Size => Some("-Os"),
            OptLevel::MinSize => Some("-Oz"),
        }
    }
}

impl std::fmt::Display for OptLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OptLevel::Number(n) => write!(f, "opt-level {n}"),
            OptLevel::Size => f.write_str("opt-level \"s\""),
            OptLevel::MinSize => f.write_str("opt-level \"z\""),
        }
    }
}

/// The profile an entry crate is built with.
#[derive(Debug, Clone)]
pub struct Profile {
    release: Table,
    /// What gzrs changed of the user's profile, and why: for the build's notes.
    pub notes: Vec<String>,
}

impl Profile {
    /// `user`: the `[profile.release]` table of the crate's workspace root, if it has one.
    pub fn for_build(kind: Kind, user: Option<&Table>) -> Profile {
        let mut release = defaults(kind);
        let mut notes = Vec::new();
        if let Some(user) = user {
            merge(&mut release, user);
        }
        for (key, value, why) in fixed(kind) {
            match (user.and_then(|u| u.get(key)), why) {
                (Some(asked), Some(why)) if *asked != value => notes.push(format!(
                    "[profile.release] {key} = {asked} is replaced by {value} for this build: {why}"
                )),
                _ => {}
            }
            release.insert(key.to_owned(), value);
        }
        Profile { release, notes }
    }

    /// The opt-level the service's own code is compiled at.
    pub fn opt_level(&self) -> OptLevel {
        self.opt_level_under(std::env::var("CARGO_PROFILE_RELEASE_OPT_LEVEL").ok())
    }

    /// The opt-level cargo compiles with when `CARGO_PROFILE_RELEASE_OPT_LEVEL` is `env`: the
    /// environment's, as cargo takes it over the manifest, else the profile's.
    fn opt_level_under(&self, env: Option<String>) -> OptLevel {
        env.map(Value::String)
            .as_ref()
            .or_else(|| self.release.get("opt-level"))
            .and_then(OptLevel::of)
            .unwrap_or(OptLevel::Number(3))
    }

    /// The `[profile.release]` section of the entry crate's manifest.
    pub fn manifest_section(&self) -> String {
        let mut profile = Table::new();
        profile.insert("release".into(), Value::Table(self.release.clone()));
        let mut root = Table::new();
        root.insert("profile".into(), Value::Table(profile));
        toml::to_string(&root).expect("a TOML table serializes")
    }
}

/// gzrs's defaults: cargo's release profile with the whole program optimized at once (`lto`,
/// one codegen unit: smaller and faster code, for a longer build).
fn defaults(kind: Kind) -> Table {
    let opt_level = match kind {
        Kind::Wasm | Kind::Server => Value::Integer(3),
        Kind::NativeGenezio => Value::String("z".into()),
    };
    let mut table = Table::new();
    table.insert("opt-level".into(), opt_level);
    table.insert("lto".into(), Value::Boolean(true));
    table.insert("codegen-units".into(), Value::Integer(1));
    table.insert("debug".into(), Value::Boolean(false));
    table.insert("strip".into(), Value::Boolean(kind != Kind::Wasm));
    table
}

/// The settings gzrs keeps, whatever the user's profile says, and why (`None`: nothing to say,
/// the user gets what they asked for by other means).
fn fixed(kind: Kind) -> Vec<(&'static str, Value, Option<&'static str>)> {
    match kind {
        Kind::Wasm => vec![
            (
                "panic",
                Value::String("abort".into()),
                Some("Rust's standard library for wasm32-wasip1 is built to abort on panic (gzrs answers 500 and starts a fresh instance)"),
            ),
            // gzrs strips the module itself, after wasm-opt has read its target-features section.
            ("strip", Value::Boolean(false), None),
        ],
        Kind::NativeGenezio | Kind::Server => vec![(
            "panic",
            Value::String("unwind".into()),
            Some("a panicking handler answers 500 and the process goes on serving, which needs unwinding"),
        )],
    }
}

/// `user` over `base`, key by key; tables (`package.<name>`, `build-override`) merged likewise.
fn merge(base: &mut Table, user: &Table) {
    for (key, value) in user {
        match (base.get_mut(key), value) {
            (Some(Value::Table(base)), Value::Table(user)) => merge(base, user),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        text.parse().unwrap()
    }

    #[test]
    fn the_users_settings_win_over_the_defaults_key_by_key() {
        let user =
            table("opt-level = 1\noverflow-checks = true\n[package.serde_json]\nopt-level = 's'\n");
        let profile = Profile::for_build(Kind::Server, Some(&user));
        // Without an opt-level in the environment, which would win (the next test).
        assert_eq!(profile.opt_level_under(None), OptLevel::Number(1));
        let section: Table = table(&profile.manifest_section());
        let release = section["profile"]["release"].as_table().unwrap();
        assert_eq!(release["overflow-checks"], Value::Boolean(true));
        assert_eq!(
            release["lto"],
            Value::Boolean(true),
            "a default the user left alone"
        );
        assert_eq!(
            release["package"]["serde_json"]["opt-level"].as_str(),
            Some("s")
        );
        assert!(profile.notes.is_empty(), "{:?}", profile.notes);
    }

    #[test]
    fn gzrs_keeps_the_panic_strategy_and_says_so() {
        let user = table("panic = 'abort'\nstrip = true\n");
        let server = Profile::for_build(Kind::Server, Some(&user));
        assert!(server.manifest_section().contains("panic = \"unwind\""));
        assert_eq!(server.notes.len(), 1, "{:?}", server.notes);
        assert!(server.notes[0].contains("panic = \"abort\""));
        let wasm = Profile::for_build(Kind::Wasm, Some(&user));
        assert!(wasm.manifest_section().contains("strip = false"));
        assert!(
            wasm.notes.is_empty(),
            "the same panic strategy, and the module ships stripped: {:?}",
            wasm.notes
        );
    }

    #[test]
    fn the_environments_opt_level_wins_as_cargos_does() {
        let profile = Profile::for_build(Kind::Wasm, Some(&table("opt-level = 1")));
        assert_eq!(profile.opt_level_under(None), OptLevel::Number(1));
        assert_eq!(profile.opt_level_under(Some("z".into())), OptLevel::MinSize);
        assert_eq!(
            profile.opt_level_under(Some("2".into())),
            OptLevel::Number(2)
        );
    }

    #[test]
    fn wasm_opt_follows_the_opt_level() {
        let level =
            |text: &str| Profile::for_build(Kind::Wasm, Some(&table(text))).opt_level_under(None);
        assert_eq!(level("opt-level = 'z'").wasm_opt_flag(), Some("-Oz"));
        assert_eq!(level("opt-level = 's'").wasm_opt_flag(), Some("-Os"));
        assert_eq!(level("opt-level = 2").wasm_opt_flag(), Some("-O2"));
        assert_eq!(level("opt-level = 0").wasm_opt_flag(), None);
        assert_eq!(level("debug = true").wasm_opt_flag(), Some("-O3"));
    }
}
