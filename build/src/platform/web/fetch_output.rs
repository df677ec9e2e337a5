//! What every fetch-handler output shares (the web folder, Cloudflare, Deno): the module and
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
    fn import_line(self) -> String {
        let module = format!("./{HOST_DIR}/{}", crate::wasm::MODULE_FILE);
        match self {
            ModuleSource::FileRead => {
                format!("import {{ readModule }} from \"./{HOST_DIR}/read-module.mjs\";")
            }
            ModuleSource::WasmImport => format!("import module from {module:?};"),
            ModuleSource::SourceImport => format!("import source module from {module:?};"),
        }
    }

    fn expression(self) -> String {
        match self {
            ModuleSource::FileRead => format!(
                "() => readModule(new URL(\"./{HOST_DIR}/{}\", import.meta.url))",
                crate::wasm::MODULE_FILE
            ),
            ModuleSource::WasmImport | ModuleSource::SourceImport => "module".to_string(),
        }
    }
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

    /// Writes the entry `file` into `out`: the handler for `runtimes` (words for its first line,
    /// "on Node, Bun and Deno"), having the module from `source`.
    pub fn write_entry(
        &self,
        out: &Path,
        file: &str,
        runtimes: &str,
        source: ModuleSource,
    ) -> Result<()> {
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
                runtimes,
                crons,
                module_import => source.import_line(),
                module => source.expression(),
                base_path => format!("{:?}", self.base_path),
                body_limit => self.body_limit,
            },
        );
        write(&out.join(file), source_text)
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
