//! The Genezio project gzrs writes: `genezio.yaml` (v2) and a backend folder with
//! `package.json`, `tsconfig.json`, the generated class and the service's payload.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::describe::{ts_parameter, Typed, TypedMethod};
use crate::progress::{self, Step};
use crate::project::UserCrate;
use crate::{BuildArgs, Mode};

/// The `@genezio/types` the generated class is checked against (the version the CLI we test
/// with recommends).
pub const GENEZIO_TYPES_VERSION: &str = "1.0.20";
/// The backend folder inside the project.
pub const BACKEND: &str = "server";

const WASM_CLASS: &str = include_str!("../js-host/wasm-class.ts");
const WASM_HOST: &str = include_str!("../js-host/wasm-host.mjs");
const WASM_HOST_TYPES: &str = include_str!("../js-host/wasm-host.d.mts");
const NATIVE_CLASS: &str = include_str!("../js-host/native-class.ts");
const NATIVE_HOST: &str = include_str!("../js-host/native-host.mjs");
const NATIVE_HOST_TYPES: &str = include_str!("../js-host/native-host.d.mts");
const HOST_COMMON: &str = include_str!("../js-host/host-common.mjs");

/// Files that go to `<backend>/gzrs/`.
pub struct Payload {
    pub files: Vec<(String, Vec<u8>)>,
}

/// One generated Genezio class: its name, how it runs the service, and what it ships.
pub struct Class {
    pub name: String,
    pub mode: Mode,
    pub payload: Payload,
}

/// Writes the project: `genezio.yaml` and the backend folder with one generated class per
/// entry of `classes` (two for an A/B deploy), their payloads in `<backend>/gzrs/`.
pub fn write_project(
    krate: &UserCrate,
    out: &Path,
    classes: &[Class],
    args: &BuildArgs,
) -> Result<()> {
    let backend = out.join(BACKEND);
    let gzrs_dir = backend.join("gzrs");
    // Only our own folder is cleared: node_modules and anything the user added stay.
    if gzrs_dir.exists() {
        fs::remove_dir_all(&gzrs_dir)
            .with_context(|| format!("could not clear {}", gzrs_dir.display()))?;
    }
    fs::create_dir_all(&gzrs_dir)
        .with_context(|| format!("could not create {}", gzrs_dir.display()))?;
    fs::write(gzrs_dir.join("host-common.mjs"), HOST_COMMON)?;
    crate::js_host::write_core(&gzrs_dir)?;
    remove_stale_classes(&backend, classes)?;
    for (index, class) in classes.iter().enumerate() {
        // Genezio's SDK generator exports every class's types from one index, so a second
        // class of the same crate (`--mode ab`) names its types apart: `NoteNative`.
        let typed = krate.typed.as_ref().map(|typed| match index {
            0 => typed.clone(),
            _ => typed.renamed(class.mode.name()),
        });
        write_class(krate, typed.as_ref(), &backend, class)?;
    }
    write_if_changed(
        &out.join("genezio.yaml"),
        &genezio_yaml(krate, args.arch.unwrap_or_default().genezio_name()),
    )?;
    write_if_changed(&backend.join("package.json"), &package_json(krate))?;
    write_if_changed(&backend.join("tsconfig.json"), TSCONFIG)?;

    if !args.no_install && !backend.join("node_modules/@genezio/types").exists() {
        npm_install(&backend, args.verbose)?;
    }
    Ok(())
}

/// A class file and what it runs, in the backend folder.
fn write_class(
    krate: &UserCrate,
    typed: Option<&Typed>,
    backend: &Path,
    class: &Class,
) -> Result<()> {
    let gzrs_dir = backend.join("gzrs");
    for (name, bytes) in &class.payload.files {
        fs::write(gzrs_dir.join(name), bytes)?;
    }
    let source = match class.mode {
        Mode::Wasm => {
            fs::write(gzrs_dir.join("wasm-host.mjs"), with_version(WASM_HOST))?;
            fs::write(gzrs_dir.join("wasm-host.d.mts"), WASM_HOST_TYPES)?;
            WASM_CLASS.to_string()
        }
        Mode::Native => {
            fs::write(gzrs_dir.join("native-host.mjs"), with_version(NATIVE_HOST))?;
            fs::write(gzrs_dir.join("native-host.d.mts"), NATIVE_HOST_TYPES)?;
            let mut executables = Vec::new();
            for (name, binary) in &class.payload.files {
                // Handy for running it by hand; the class never relies on it (zips may drop it).
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(gzrs_dir.join(name), fs::Permissions::from_mode(0o755))?;
                let arch = name.strip_prefix("service-").unwrap_or(name);
                // What the host checks in microseconds (size, before starting it) and what the
                // executable checks of itself (see gzrs-native's integrity module).
                executables.push(format!(
                    "\n      {arch:?}: {{ path: \"./gzrs/{name}\", size: {}, fingerprint: \"{}\" }},",
                    binary.len(),
                    gzrs_native::integrity::fingerprint_hex(binary)
                ));
            }
            NATIVE_CLASS.replace(
                "__EXECUTABLES__",
                &format!("{{{}\n    }}", executables.concat()),
            )
        }
        Mode::Ab => unreachable!("an A/B project is written as one wasm and one native class"),
    };
    let source = with_typed_methods(&source, typed)
        .replace("__CLASS__", &class.name)
        .replace("__METHOD__", &krate.config.method)
        .replace("__CRATE__", &krate.name);
    write_if_changed(&backend.join(format!("{}.ts", class.name)), &source)
}

/// Fills a class template's marks: the typed methods' type declarations and methods, each
/// forwarding to the service; the HTTP method only when the service has one.
fn with_typed_methods(template: &str, typed: Option<&Typed>) -> String {
    let http = typed.is_none_or(|t| t.http);
    let mut out = String::new();
    let mut in_http = false;
    for line in template.lines() {
        match line.trim() {
            "// gzrs:http-begin" => in_http = true,
            "// gzrs:http-end" => in_http = false,
            "// gzrs:types" => {
                if let Some(typed) = typed.filter(|t| !t.declarations.is_empty()) {
                    out.push_str("\n// The types of the Rust methods' parameters and results, as serde writes them.\n");
                    out.push_str(&typed.declarations);
                }
            }
            "// gzrs:methods" => {
                for method in typed.map(|t| t.methods.as_slice()).unwrap_or_default() {
                    out.push_str(&typed_method(
                        typed.map(|t| t.rust_type.as_str()).unwrap_or_default(),
                        method,
                    ));
                }
            }
            _ if in_http && !http => {}
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// One typed method: its TypeScript signature (what Genezio's SDK generator reads), forwarding
/// its arguments to the Rust method.
fn typed_method(rust_type: &str, method: &TypedMethod) -> String {
    let names: Vec<String> = method.params.iter().map(|(n, _)| ts_parameter(n)).collect();
    let params: Vec<String> = names
        .iter()
        .zip(&method.params)
        .map(|(name, (_, ts))| format!("{name}: {ts}"))
        .collect();
    let decorator = match &method.cron {
        Some(schedule) => format!(
            "  @GenezioMethod({{ type: \"cron\", cronString: {} }})\n",
            serde_json::to_string(schedule).expect("a string serializes")
        ),
        None => String::new(),
    };
    let call = format!("this.host.call({:?}, [{}])", method.name, names.join(", "));
    let body = if method.result == "void" {
        format!("    await {call};\n")
    } else {
        format!("    return (await {call}) as {};\n", method.result)
    };
    format!(
        "\n  /** `{rust_type}::{name}` in Rust. */\n{decorator}  async {name}({params}): Promise<{result}> {{\n{body}  }}\n",
        name = method.name,
        params = params.join(", "),
        result = method.result,
    )
}

/// Class files gzrs wrote before that this build does not write (a project built with
/// `--mode ab` and then `--mode wasm`): Genezio would deploy them too.
fn remove_stale_classes(backend: &Path, classes: &[Class]) -> Result<()> {
    let Ok(entries) = fs::read_dir(backend) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path.file_stem().unwrap_or_default().to_string_lossy();
        let ours = fs::read_to_string(&path)
            .is_ok_and(|text| text.starts_with("// Generated by gzrs: the Genezio class"));
        if path.extension().is_some_and(|e| e == "ts")
            && ours
            && !classes.iter().any(|c| c.name == name)
        {
            fs::remove_file(&path)
                .with_context(|| format!("could not remove {}", path.display()))?;
        }
    }
    Ok(())
}

pub fn genezio_yaml(krate: &UserCrate, architecture: &str) -> String {
    format!(
        r#"# Generated by gzrs from the Rust crate `{crate_name}`.
name: {name}
region: us-east-1
yamlVersion: 2
backend:
  path: {BACKEND}
  language:
    name: ts
    runtime: nodejs20.x
    architecture: {architecture}
    packageManager: npm
# The classes declare themselves with @GenezioDeploy and @GenezioMethod; listing them here too
# makes Genezio warn about overlapping declarations.
"#,
        crate_name = krate.name,
        name = krate.project_name(),
    )
}

pub fn package_json(krate: &UserCrate) -> String {
    let value = serde_json::json!({
        "name": krate.project_name(),
        "version": krate.version,
        "private": true,
        "type": "module",
        "description": format!("Genezio backend generated by gzrs from the Rust crate {}", krate.name),
        "dependencies": { "@genezio/types": GENEZIO_TYPES_VERSION },
    });
    serde_json::to_string_pretty(&value).expect("static JSON") + "\n"
}

// No `experimentalDecorators`: Genezio's type-check rejects its decorators with it on.
pub const TSCONFIG: &str = r#"{
  "compilerOptions": {
    "target": "ES2022",
    "module": "ES2022",
    "moduleResolution": "bundler",
    "strict": true,
    "skipLibCheck": true,
    "noEmit": true
  },
  "include": ["*.ts"]
}
"#;

pub fn npm_install(backend: &Path, verbose: bool) -> Result<()> {
    let step = Step::start("Installing @genezio/types (npm install)");
    let mut command = Command::new("npm");
    command
        .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(backend);
    match progress::run(&mut command, verbose) {
        Ok((status, _)) if status.success() => {
            step.done();
            Ok(())
        }
        Ok((_, log)) => bail!("`npm install` failed in {}:\n{log}\n(use --no-install to skip it)", backend.display()),
        Err(_) => bail!("npm was not found: install Node.js 20 with npm (https://nodejs.org), or pass --no-install and run `npm install` in {} yourself", backend.display()),
    }
}

use crate::js_host::with_version;

/// Writes a generated file only when its contents change, so cargo and Genezio's watchers see
/// no change where there is none.
pub fn write_if_changed(path: &Path, contents: &str) -> Result<()> {
    if fs::read_to_string(path).ok().as_deref() != Some(contents) {
        fs::write(path, contents).with_context(|| format!("could not write {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(http: bool) -> Typed {
        Typed {
            rust_type: "Notes".into(),
            methods: vec![
                TypedMethod {
                    name: "add".into(),
                    params: vec![
                        ("title".into(), "string".into()),
                        ("new".into(), "Array<string>".into()),
                    ],
                    result: "Note".into(),
                    cron: None,
                },
                TypedMethod {
                    name: "sweep".into(),
                    params: vec![],
                    result: "void".into(),
                    cron: Some("0 3 * * *".into()),
                },
            ],
            declarations: "export type Note = { id: number };\n".into(),
            http,
        }
    }

    #[test]
    fn typed_methods_get_signatures_forwarding_to_the_service() {
        let class = with_typed_methods(WASM_CLASS, Some(&typed(true)));
        assert!(
            class.contains("export type Note = { id: number };"),
            "{class}"
        );
        // A parameter named as a JavaScript reserved word is renamed; the call keeps its place.
        assert!(
            class.contains("async add(title: string, new_: Array<string>): Promise<Note> {\n    return (await this.host.call(\"add\", [title, new_])) as Note;"),
            "{class}"
        );
        assert!(
            class.contains("  @GenezioMethod({ type: \"cron\", cronString: \"0 3 * * *\" })\n  async sweep(): Promise<void> {\n    await this.host.call(\"sweep\", []);"),
            "{class}"
        );
        assert!(class.contains("async __METHOD__(request"), "{class}");
        assert!(!class.contains("// gzrs:"), "the marks are gone: {class}");
    }

    #[test]
    fn a_class_without_http_has_no_http_method_and_an_http_only_one_is_unchanged() {
        let class = with_typed_methods(NATIVE_CLASS, Some(&typed(false)));
        assert!(
            !class.contains("__METHOD__") && !class.contains("type: \"http\""),
            "{class}"
        );
        assert!(class.contains("async add("), "{class}");
        let plain = with_typed_methods(NATIVE_CLASS, None);
        assert!(
            plain.contains("async __METHOD__(request") && !plain.contains("host.call"),
            "{plain}"
        );
    }
}
