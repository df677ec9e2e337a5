//! What every fetch-handler output shares (the web folder, Cloudflare, Deno, Netlify, Vercel):
//! the module and
//! the platform-neutral host in `gzrs/`, and entries, each a small file that has the module in
//! the one way its runtime or bundler takes (a wasm import, a source-phase import, a file read).
//! An entry never carries an import meant for another platform, so no bundler misreads one.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use super::super::base_path::normalized_base_path;
use crate::artifacts::Artifacts;
use crate::files::write;
use crate::js_host::{write_core, write_host_file};
use crate::template::{context, render};
use crate::user_crate::UserCrate;

/// The folder under an output that holds the module and the host.
pub const HOST_DIR: &str = "gzrs";

/// How an entry has the service's compiled module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleSource {
    /// Read from beside the entry with `node:fs` (Node, Bun, Deno with `--allow-read`).
    FileRead,
    /// `import module from "./gzrs/service.wasm"`: Workers and workerd, whose bundler and
    /// config take a `.wasm` module and give a `WebAssembly.Module`.
    WasmImport,
    /// `import source module from "./gzrs/service.wasm"`: Deno (2.1+), which compiles it with
    /// no permission and type-checks it with `deno check`.
    SourceImport,
}

impl ModuleSource {
    /// The import line, for an entry whose host folder is at `host` (`./gzrs/`, `../gzrs/`).
    fn import_line(self, host: &str) -> String {
        let module = format!("{host}{}", crate::wasm::MODULE_FILE);
        match self {
            ModuleSource::FileRead => {
                format!("import {{ readModule }} from \"{host}read-module.mjs\";")
            }
            ModuleSource::WasmImport => format!("import module from {module:?};"),
            ModuleSource::SourceImport => format!("import source module from {module:?};"),
        }
    }

    fn expression(self, host: &str) -> String {
        match self {
            ModuleSource::FileRead => format!(
                "() => readModule(new URL(\"{host}{}\", import.meta.url))",
                crate::wasm::MODULE_FILE
            ),
            ModuleSource::WasmImport | ModuleSource::SourceImport => "module".to_string(),
        }
    }
}

/// What an entry exports: the shape its platform calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exports {
    /// `export default { fetch, scheduled }`: Node (server.mjs), Bun, Deno, Workers.
    FetchHandler,
    /// A Netlify Function (2.0): `export default (request, context) => Response`, and a
    /// `config` routing every path under the base path to it.
    NetlifyFunction,
    /// A Vercel Function: one export per HTTP method, each `(request) => Response`.
    VercelMethods,
}

impl Exports {
    fn source(self, base_path: &str) -> String {
        match self {
            Exports::FetchHandler => "export default handler;".to_string(),
            Exports::NetlifyFunction => format!(
                "/** Netlify's Functions 2.0 signature; every path under {root} reaches the service. */\n\
                 export default (request, context) => handler.fetch(request, undefined, context);\n\
                 export const config = {{ path: {path:?} }};",
                root = if base_path.is_empty() { "/" } else { base_path },
                path = format!("{base_path}/*"),
            ),
            Exports::VercelMethods => {
                let methods: Vec<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
                    .iter()
                    .map(|m| format!("export const {m} = serve;"))
                    .collect();
                format!(
                    "/** Vercel's signature: one function per method (vercel.json sends every path here). */\n\
                     const serve = (request) => handler.fetch(request);\n{}",
                    methods.join("\n")
                )
            }
        }
    }
}

/// An entry: a small file that has the module one way and exports one shape.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// Its path in the output (`handler.mjs`, `api/index.mjs`).
    pub file: &'a str,
    /// Words for its first line: "on Node (through server.mjs), Bun and Deno".
    pub runtimes: &'a str,
    pub source: ModuleSource,
    pub exports: Exports,
}

/// What each entry of one build carries: the base path, the class's cron jobs and the body limit.
#[derive(Debug, Clone)]
pub struct FetchOutput {
    /// The path the routes answer under, normalized (`""` for the root, else `/api`).
    pub base_path: String,
    /// `(schedule, method)` of each cron job.
    pub crons: Vec<(String, String)>,
    pub body_limit: usize,
}

impl FetchOutput {
    /// Checks `base_path` and reads the rest from the crate.
    pub fn new(krate: &UserCrate, base_path: Option<&str>) -> Result<Self> {
        Ok(Self {
            base_path: normalized_base_path(base_path)?,
            crons: krate
                .typed
                .iter()
                .flat_map(|typed| &typed.methods)
                .filter_map(|m| Some((m.cron.clone()?, m.name.clone())))
                .collect(),
            body_limit: krate.config.streamed_body_limit(),
        })
    }

    /// The root the routes answer under, for messages and READMEs (`/` or `/api`).
    pub fn root(&self) -> &str {
        if self.base_path.is_empty() {
            "/"
        } else {
            &self.base_path
        }
    }

    /// Compiles the service to wasm and writes `gzrs/` into `out` (the file reader too when an
    /// entry reads the module): what every fetch-handler platform's `write` starts with.
    pub fn compile_into(
        krate: &UserCrate,
        args: &crate::options::BuildArgs,
        out: &Path,
        reads_module: bool,
    ) -> Result<Self> {
        let module = crate::wasm::build(krate, args.wasm_options())?;
        let output = Self::new(krate, args.base_path.as_deref())?;
        output.write_host(out, &module, reads_module)?;
        Ok(output)
    }

    /// Writes `gzrs/` into `out`, afresh: the module, the core host, the fetch handler, and the
    /// file reader when an entry reads the module (`reads_module`).
    pub fn write_host(&self, out: &Path, module: &Artifacts, reads_module: bool) -> Result<()> {
        let host = out.join(HOST_DIR);
        if host.exists() {
            fs::remove_dir_all(&host)
                .with_context(|| format!("could not clear {}", host.display()))?;
        }
        write_core(&host)?;
        for (name, bytes) in &module.files {
            write(&host.join(name), bytes)?;
        }
        write_host_file(
            "js-host/web/fetch-handler.mjs",
            &host.join("fetch-handler.mjs"),
        )?;
        if reads_module {
            write_host_file("js-host/web/read-module.mjs", &host.join("read-module.mjs"))?;
        }
        Ok(())
    }

    /// Writes `entry` into `out`.
    pub fn write_entry(&self, out: &Path, entry: &Entry) -> Result<()> {
        let depth = entry.file.matches('/').count();
        let host = if depth == 0 {
            format!("./{HOST_DIR}/")
        } else {
            format!("{}{HOST_DIR}/", "../".repeat(depth))
        };
        let crons: Vec<String> = self
            .crons
            .iter()
            .map(|(schedule, method)| {
                format!("\n  {{ schedule: {schedule:?}, method: {method:?} }},")
            })
            .collect();
        let crons = if crons.is_empty() {
            String::new()
        } else {
            format!("{}\n", crons.concat())
        };
        let source_text = render(
            "templates/web/entry.mjs",
            context! {
                runtimes => entry.runtimes,
                crons,
                host => &host,
                module_import => entry.source.import_line(&host),
                module => entry.source.expression(&host),
                base_path => format!("{:?}", self.base_path),
                body_limit => self.body_limit,
                exports => entry.exports.source(&self.base_path),
            },
        );
        write(&out.join(entry.file), source_text)
    }

    /// Writes the output's README from `template`, for the crate `name`.
    pub fn write_readme(&self, out: &Path, template: &str, name: &str) -> Result<()> {
        write(
            &out.join("README.md"),
            render(
                template,
                context! {
                    name,
                    root => self.root(),
                    root_slash => format!("{}/", self.base_path),
                },
            ),
        )
    }

    /// The schedules of the cron jobs, quoted, for a config's list.
    pub fn quoted_schedules(&self) -> String {
        let schedules: Vec<String> = self.crons.iter().map(|(s, _)| format!("{s:?}")).collect();
        schedules.join(", ")
    }
}

/// Writes `public/` with one placeholder file: the folder a Netlify or Vercel output publishes,
/// so nothing else of the output is served as a static file (an empty one would let Vercel
/// publish the output's root instead).
pub fn write_placeholder_public(out: &Path) -> Result<()> {
    write(
        &out.join("public/.gitkeep"),
        "The service answers every path: nothing here is published.\n",
    )
}

/// What `gzrs local` says for a platform whose own local server cannot run here (`tool` needs
/// a network or a login): the web folder serves the same module and handler.
pub fn served_as_web(tool: &str) -> anyhow::Error {
    anyhow::anyhow!("{tool}; serve the same module and handler with `gzrs local --platform web`")
}

/// Refuses a `--mode` other than wasm for a platform that runs the module in JavaScript.
pub fn wasm_only(args: &crate::options::BuildArgs, platform: &str) -> Result<crate::Mode> {
    match args.mode {
        None | Some(crate::Mode::Wasm) => Ok(crate::Mode::Wasm),
        Some(other) => anyhow::bail!(
            "--platform {platform} runs the service as wasm in the JavaScript runtime: leave out --mode {} (or use --platform server for a native executable)",
            other.name()
        ),
    }
}
