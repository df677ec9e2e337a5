//! The describe step, for a crate with typed methods (one that depends on gzrs-class): a small
//! program built for this machine beside the user's crate prints what `#[gzrs_class::methods]`
//! and `#[derive(gzrs_class::Type)]` know (each method's TypeScript signature, cron schedule and
//! the declarations of the types they use), from which the Genezio class is written. Whether the
//! crate also serves HTTP (has the configured `app` function) is learned from the same build.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::genezio::write_if_changed;
use crate::progress::Step;
use crate::project::{cargo, gzrs_dependency, toml_string, UserCrate};

/// What the class's typed side is, as the describe program printed it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Typed {
    /// The Rust type that is the class (`[package.metadata.gzrs] class`, or the crate's name).
    #[serde(skip)]
    pub rust_type: String,
    pub methods: Vec<TypedMethod>,
    /// `export type Name = ...;` lines, in order of first use.
    pub declarations: String,
    /// Whether the crate has the HTTP function too (`app()`), served beside the methods.
    #[serde(skip)]
    pub http: bool,
}

impl Typed {
    /// The same, with each declared type's name followed by `suffix` (capitalized) wherever it
    /// appears as a name: `Note` becomes `NoteNative`; string literals stay as they are.
    pub fn renamed(&self, suffix: &str) -> Typed {
        let suffix = heck::ToUpperCamelCase::to_upper_camel_case(suffix);
        let names: Vec<&str> = self
            .declarations
            .lines()
            .filter_map(|line| line.strip_prefix("export type ")?.split(' ').next())
            .collect();
        let rename = |text: &str| rename_identifiers(text, &names, &suffix);
        Typed {
            rust_type: self.rust_type.clone(),
            methods: self
                .methods
                .iter()
                .map(|m| TypedMethod {
                    params: m
                        .params
                        .iter()
                        .map(|(n, t)| (n.clone(), rename(t)))
                        .collect(),
                    result: rename(&m.result),
                    ..m.clone()
                })
                .collect(),
            declarations: rename(&self.declarations),
            http: self.http,
        }
    }
}

/// `text` (TypeScript) with each identifier in `names` followed by `suffix`, outside strings and
/// property keys.
fn rename_identifiers(text: &str, names: &[&str], suffix: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == '"' {
            out.push(c);
            while let Some((_, c)) = chars.next() {
                out.push(c);
                match c {
                    '\\' => out.extend(chars.next().map(|(_, c)| c)),
                    '"' => break,
                    _ => {}
                }
            }
        } else if c.is_ascii_alphabetic() || c == '_' || c == '$' {
            let mut end = at + c.len_utf8();
            while let Some(&(next, c)) = chars.peek() {
                if !(c.is_ascii_alphanumeric() || c == '_' || c == '$') {
                    break;
                }
                end = next + c.len_utf8();
                chars.next();
            }
            let word = &text[at..end];
            out.push_str(word);
            // A property key (`Note: ...`, `Note?: ...`) is a field's name, not the type's.
            let key = text[end..].trim_start().starts_with([':', '?']);
            if names.contains(&word) && !key {
                out.push_str(suffix);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct TypedMethod {
    pub name: String,
    /// Each parameter's name and TypeScript type.
    pub params: Vec<(String, String)>,
    /// The TypeScript type of the result (`void` for none).
    pub result: String,
    /// The cron schedule, for a cron job.
    pub cron: Option<String>,
}

#[derive(Deserialize)]
struct Printed {
    methods: Vec<TypedMethod>,
    declarations: String,
    recursive: Vec<String>,
}

/// Describes `krate`'s class, or `None` when the crate has no typed methods (does not depend on
/// gzrs-class).
pub fn describe(krate: &UserCrate, verbose: bool) -> Result<Option<Typed>> {
    if !krate.uses_class {
        return Ok(None);
    }
    let work = krate.target_dir.join("gzrs");
    let dir = work.join("describe").join(&krate.name);
    let rust_type = krate.config.class.clone();
    let step = Step::start(format!(
        "Reading the methods of {}::{rust_type} (cargo build for this machine)",
        krate.name
    ));
    // With the HTTP function first; a crate without one is told by the compiler.
    write_crate(krate, &dir, true)?;
    let (mut ok, mut log) = build(&dir, &work.join("describe-target"), verbose)?;
    // rustc: "cannot find value `app` in crate `gzrs_user_service`" (or "function").
    let missing_http = format!("`{}` in crate `gzrs_user_service`", krate.config.function);
    let mut http = true;
    if !ok && log.contains("error[E0425]: cannot find") && log.contains(&missing_http) {
        http = false;
        write_crate(krate, &dir, false)?;
        (ok, log) = build(&dir, &work.join("describe-target"), verbose)?;
    }
    if !ok {
        bail!("{}", explain(krate, &log));
    }
    let program = work
        .join("describe-target/debug")
        .join(format!("gzrs-describe-{}", krate.name));
    let output = Command::new(&program)
        .output()
        .with_context(|| format!("could not run {}", program.display()))?;
    if !output.status.success() {
        bail!(
            "reading the methods of {rust_type} failed (the describe program {} stopped):\n{}",
            program.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let printed: Printed = serde_json::from_slice(&output.stdout)
        .context("unexpected output from the describe program")?;
    step.done();
    if let Some(name) = printed.recursive.first() {
        bail!(
            "the type `{name}` (used by a method of {rust_type}) refers to itself, which Genezio's SDK generator cannot read (it recurses until its stack overflows): give the method a type without the cycle (for example, ids instead of nested values)"
        );
    }
    let typed = Typed {
        rust_type,
        methods: printed.methods,
        declarations: printed.declarations,
        http,
    };
    check_names(&typed, &krate.config.method)?;
    Ok(Some(typed))
}

/// Method names Genezio's class cannot have, or that collide with the HTTP method.
fn check_names(typed: &Typed, http_method: &str) -> Result<()> {
    for method in &typed.methods {
        if method.name == "constructor" {
            bail!("a method of {} is named `constructor`, which a TypeScript class reserves: rename it", typed.rust_type);
        }
        if typed.http && method.name == http_method {
            bail!(
                "{}::{} has the name of the class's HTTP method (`[package.metadata.gzrs] method = {http_method:?}`): rename one of them",
                typed.rust_type, method.name
            );
        }
    }
    Ok(())
}

fn write_crate(krate: &UserCrate, dir: &Path, http: bool) -> Result<()> {
    fs::create_dir_all(dir.join("src"))?;
    let manifest = format!(
        r#"# Generated by gzrs: reads the typed methods of `{name}`. Rebuilt on every `gzrs build`.
[package]
name = "gzrs-describe-{name}"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
gzrs_user_service = {{ package = "{name}", path = {path} }}
gzrs-class = {class}

[workspace]
"#,
        name = krate.name,
        path = toml_string(krate.dir()),
        class = gzrs_dependency("class"),
    );
    write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
    let http_probe = if http {
        format!(
            "    // Only to learn whether the crate serves HTTP too.\n    let _ = gzrs_user_service::{};\n",
            krate.config.function
        )
    } else {
        String::new()
    };
    let source = format!(
        r#"// Generated by gzrs.
use gzrs_class::serde_json::{{json, Value}};
use gzrs_class::{{Class, MethodKind}};

type TheClass = gzrs_user_service::{class};

/// Each instance of the class starts from its `Default`.
#[allow(dead_code)]
fn instance() -> TheClass {{
    Default::default()
}}

fn main() {{
{http_probe}    let mut declarations = gzrs_class::Declarations::default();
    let signatures = <TheClass as Class>::signatures(&mut declarations);
    let methods: Vec<Value> = signatures
        .iter()
        .map(|signature| {{
            let cron = <TheClass as Class>::METHODS
                .iter()
                .find(|m| m.name == signature.name)
                .and_then(|m| match m.kind {{
                    MethodKind::Cron(schedule) => Some(schedule),
                    MethodKind::Rpc => None,
                }});
            json!({{
                "name": signature.name,
                "params": signature.params,
                "result": signature.result,
                "cron": cron,
            }})
        }})
        .collect();
    let printed = json!({{
        "methods": methods,
        "declarations": declarations.to_typescript(),
        "recursive": declarations.recursive(),
    }});
    println!("{{printed}}");
}}
"#,
        class = krate.config.class,
    );
    write_if_changed(&dir.join("src/main.rs"), &source)?;
    crate::project::follow_lockfile(krate, dir)
}

/// `cargo build` of the describe program: whether it built, and cargo's output.
fn build(dir: &Path, target_dir: &Path, verbose: bool) -> Result<(bool, String)> {
    let output = Command::new(cargo())
        .arg("build")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .output()
        .context("could not run cargo")?;
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    if verbose {
        eprint!("{log}");
    }
    Ok((output.status.success(), log))
}

/// What went wrong building the describe program, in the user's terms.
fn explain(krate: &UserCrate, log: &str) -> String {
    let class = &krate.config.class;
    let hint = if log.contains(&format!(
        "cannot find type `{class}` in crate `gzrs_user_service`"
    )) {
        format!("\n\n`{}` depends on gzrs-class, so gzrs looks for its class at the crate's root: `pub struct {class}` with a `#[gzrs_class::methods] impl {class}` block (the name is `[package.metadata.gzrs] class`, by default the crate's name in UpperCamelCase).", krate.name)
    } else if log.contains(&format!("{class}: Class` is not satisfied"))
        || log.contains("trait `Class` is not implemented")
    {
        format!(
            "\n\n`{class}` has no typed methods: put `#[gzrs_class::methods]` on its `impl` block."
        )
    } else if log.contains("gzrs cannot write") {
        "\n\nA method's parameter or result has a type gzrs cannot declare in TypeScript (named above): derive `gzrs_class::Type` on it beside its serde derives, or use another type.".to_string()
    } else if log.contains(&format!("{class}: Default` is not satisfied"))
        || log.contains("trait `Default` is not implemented")
    {
        format!("\n\nEach instance of the class starts from `{class}::default()`: derive or implement `Default` for it.")
    } else {
        String::new()
    };
    format!(
        "reading the typed methods of `{}` failed:\n{log}{hint}",
        krate.name
    )
}

/// The JavaScript words a TypeScript parameter cannot be named, though Rust allows them.
const JS_RESERVED: [&str; 24] = [
    "arguments",
    "case",
    "catch",
    "class",
    "debugger",
    "default",
    "delete",
    "do",
    "eval",
    "export",
    "extends",
    "finally",
    "function",
    "import",
    "instanceof",
    "new",
    "null",
    "switch",
    "this",
    "throw",
    "try",
    "typeof",
    "var",
    "void",
];

/// A parameter's name as TypeScript can write it.
pub fn ts_parameter(name: &str) -> String {
    if JS_RESERVED.contains(&name) {
        format!("{name}_")
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_class_names_its_types_apart_but_not_inside_strings() {
        let typed = Typed {
            rust_type: "Notes".into(),
            methods: vec![TypedMethod {
                name: "find".into(),
                params: vec![("note".into(), "Note".into())],
                result: "Array<Note> | null".into(),
                cron: None,
            }],
            declarations: "export type Kind = \"Note\" | \"Notes\";\nexport type Note = { kind: Kind, Note: string, notes: Array<Note> };\n".into(),
            http: true,
        };
        let renamed = typed.renamed("native");
        assert_eq!(
            renamed.declarations,
            "export type KindNative = \"Note\" | \"Notes\";\nexport type NoteNative = { kind: KindNative, Note: string, notes: Array<NoteNative> };\n"
        );
        assert_eq!(renamed.methods[0].params[0].1, "NoteNative");
        assert_eq!(renamed.methods[0].result, "Array<NoteNative> | null");
    }
}
