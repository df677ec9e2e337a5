//! `gzrs sdk`: the TypeScript SDK of a crate's typed methods for a URL of one's choosing, written
//! by Genezio's own generator (`genezio sdk --source local`, from the npm package `genezio`), so
//! a frontend gets the very client it had on Genezio, now calling the service wherever it runs
//! (the fetch handler, a container, or Genezio itself). Only the class's declarations are
//! needed: gzrs writes the Genezio class for them (no compile of the service) and runs the
//! generator on it.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use gzrs_build::artifacts::Artifacts;
use gzrs_build::platform::genezio::{lambda_local::find_genezio, write_project, Class};
use gzrs_build::progress::Step;
use gzrs_build::{BuildArgs, Mode, PlatformName, UserCrate};

#[derive(clap::Args, Debug, Clone)]
#[command(after_help = "Examples:\n  \
    gzrs sdk --url https://notes.example.com                # routes at /, the class at /Notes\n  \
    gzrs sdk --url http://localhost:8080/api --out web/sdk  # built with --base-path /api")]
pub struct SdkArgs {
    /// Where the service answers, its base path included: the SDK calls `<URL>/<Class>`.
    #[arg(long)]
    url: String,
    /// Where to write the SDK [default: <target dir>/gzrs/sdk].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The SDK's npm package name [default: @genezio-sdk/<crate name>, as Genezio names it].
    #[arg(long)]
    package: Option<String>,
    /// Show the full output of cargo, npm and the generator.
    #[arg(long, short)]
    verbose: bool,
    /// The service crate: a directory with Cargo.toml, or one inside it.
    #[arg(default_value = ".")]
    path: PathBuf,
}

pub fn run(args: &SdkArgs) -> Result<()> {
    let genezio = find_genezio()?;
    let mut krate = UserCrate::load(&args.path)?;
    krate.typed = gzrs_build::describe::describe(&krate, args.verbose)?;
    let Some(typed) = &krate.typed else {
        bail!(
            "`{}` has no typed methods (a `#[gzrs_class::methods]` impl): its HTTP routes need no SDK",
            krate.name
        );
    };
    let class = &krate.config.class;
    let work = krate.target_dir.join("gzrs/sdk-source");
    let build = BuildArgs {
        mode: Some(Mode::Wasm),
        platform: PlatformName::Genezio,
        base_path: None,
        arch: None,
        out: Some(work.clone()),
        no_install: false,
        no_wasm_opt: true,
        verbose: args.verbose,
        path: args.path.clone(),
    };
    // The class's declarations are all the generator reads: no module ships with them.
    write_project(
        &krate,
        &work,
        &[Class {
            name: class.clone(),
            mode: Mode::Wasm,
            artifacts: Artifacts::default(),
        }],
        &build,
    )?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| krate.target_dir.join("gzrs/sdk"));
    let out = std::path::absolute(&out).unwrap_or(out);
    let package = args
        .package
        .clone()
        .unwrap_or_else(|| format!("@genezio-sdk/{}", krate.name));
    let url = format!("{}/{class}", args.url.trim_end_matches('/'));
    let step = Step::start(format!(
        "Writing the SDK with Genezio's generator (genezio sdk), calling {url}"
    ));
    let output = Command::new(&genezio)
        .args([
            "sdk",
            "--source",
            "local",
            "--language",
            "ts",
            "--packageName",
            &package,
        ])
        .arg("--output")
        .arg(&out)
        .args(["--url", &url])
        .current_dir(&work)
        .env("GENEZIO_NO_TELEMETRY", "1")
        .output()
        .context("could not run genezio sdk")?;
    if !output.status.success() {
        bail!(
            "genezio sdk failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    step.done();
    let methods: Vec<&str> = typed
        .methods
        .iter()
        .filter(|m| m.cron.is_none())
        .map(|m| m.name.as_str())
        .collect();
    eprintln!(
        "\nSDK {package} written to {} ({class}: {}).\n  use it:  npm install {}  then  import {{ {class} }} from \"{package}\";",
        out.display(),
        methods.join(", "),
        out.display(),
    );
    Ok(())
}
