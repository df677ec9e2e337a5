//! Each platform's own tool takes gzrs's output as it is, offline, through `gzrs deploy --to X
//! --dry-run`: wrangler bundles the Cloudflare output and `wrangler dev` serves the fixture's
//! corpus equal to standalone; `deno check` passes on the Deno output (which serves the corpus
//! with least permissions in web_runtimes); `netlify build --offline` and `vercel build` make
//! functions that carry the module and serve the corpus at `/` (called in-process, as Functions
//! 2.0 and Vercel's per-method exports are: `netlify dev` fails offline, `vercel dev` needs a
//! login); Genezio bundles the project as its deploy does; buildah builds the server's image,
//! whose executable serves the corpus.
//! Outputs with no tool of their own, and a Node too old for wrangler, are refused before
//! anything compiles. Every build here is the fixture's module, compiled once (cargo's cache).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gzrs_tests::checks::{check_cases, check_limits, check_panic_recovery, Front};
use gzrs_tests::web::{node_version, WebLocal};
use gzrs_tests::{fixture_corpus, gzrs, repo_root, shared_target_dir};

const FIXTURE: &str = "tests/fixture-app";

/// `PATH` with the npm tools of `tests/node` and, first, `node`'s folder if given.
fn path_with(node: Option<&Path>) -> String {
    let mut dirs: Vec<PathBuf> = node
        .map(|n| n.parent().expect("node's folder").to_path_buf())
        .into_iter()
        .collect();
    dirs.push(repo_root().join("tests/node/node_modules/.bin"));
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs)
        .expect("a PATH")
        .into_string()
        .expect("a UTF-8 PATH")
}

/// `gzrs deploy ARGS --out target/gzrs-tests/deploy-NAME tests/fixture-app` with `path`.
fn deploy(name: &str, args: &[&str], path: &str) -> (Output, PathBuf) {
    let out = repo_root()
        .join("target/gzrs-tests")
        .join(format!("deploy-{name}"));
    let output = Command::new(gzrs())
        .arg("deploy")
        .args(args)
        .arg("--out")
        .arg(&out)
        .arg(repo_root().join(FIXTURE))
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", shared_target_dir())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("GENEZIO_NO_TELEMETRY", "1")
        // buildah as root here: no overlay mounts, so vfs storage.
        .env("STORAGE_DRIVER", "vfs")
        .output()
        .expect("gzrs runs");
    (output, out)
}

fn said(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn wrangler_bundles_the_cloudflare_output_and_wrangler_dev_serves_the_corpus() {
    let node22 = node_version("node22");
    let path = path_with(Some(&node22));
    let (output, out) = deploy("cloudflare", &["--to", "cloudflare", "--dry-run"], &path);
    let log = said(&output);
    assert!(output.status.success(), "{log}");
    assert!(
        log.contains("Total Upload") && log.contains("within Workers' limit of 3.0 MiB gzipped"),
        "wrangler's bundle and gzrs's size line:\n{log}"
    );
    let bundled: Vec<String> = std::fs::read_dir(out.join(".wrangler/dry-run"))
        .expect("wrangler wrote its bundle")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        bundled.iter().any(|f| f.ends_with(".wasm")) && bundled.iter().any(|f| f == "worker.js"),
        "the bundle holds the worker and the module: {bundled:?}"
    );

    // wrangler's own local server (workerd under miniflare), offline.
    let port = gzrs_tests::local::free_port();
    let mut command = Command::new(repo_root().join("tests/node/node_modules/.bin/wrangler"));
    command
        .args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string()])
        .current_dir(&out)
        .env("PATH", &path)
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("CI", "1");
    let local = WebLocal::serve(
        &mut command,
        port,
        repo_root().join("target/gzrs-tests/deploy-cloudflare-dev.log"),
        "wrangler dev",
        "/",
    );
    let mut problems = check_cases(&local, FIXTURE, &fixture_corpus());
    problems.extend(check_panic_recovery(&local));
    problems.extend(check_limits(&local, Front::Web));
    assert!(
        problems.is_empty(),
        "{}\n--- wrangler dev ---\n{}",
        problems.join("\n"),
        local.log()
    );
}

#[test]
fn deno_checks_the_deno_output_and_the_web_folder_names_the_permission_it_lacks() {
    let path = path_with(None);
    let (output, out) = deploy("deno", &["--to", "deno", "--dry-run"], &path);
    let log = said(&output);
    assert!(output.status.success(), "{log}");
    assert!(
        log.contains("Running deno check main.mjs") && log.contains("The folder Deno Deploy takes"),
        "{log}"
    );
    let main = std::fs::read_to_string(out.join("main.mjs")).unwrap();
    assert!(
        main.contains("import source module from \"./gzrs/service.wasm\""),
        "{main}"
    );

    // The web folder reads its module: Deno without read access is told which flag it needs.
    let web = repo_root().join("target/gzrs-tests/deploy-web");
    let built = Command::new(gzrs())
        .args(["build", "--platform", "web", "--out"])
        .arg(&web)
        .arg(repo_root().join(FIXTURE))
        .env("CARGO_TARGET_DIR", shared_target_dir())
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", said(&built));
    let port = gzrs_tests::local::free_port();
    let mut command = Command::new(repo_root().join("tests/node/node_modules/.bin/deno"));
    command
        .args([
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "handler.mjs",
        ])
        .current_dir(&web);
    let log = repo_root().join("target/gzrs-tests/deploy-web-deno.log");
    let _deno = gzrs_tests::GroupGuard::spawn(&mut command, &log);
    // Every answer is the module's 500 here: wait for any answer at all.
    let agent = gzrs_tests::http_agent();
    let url = format!("http://127.0.0.1:{port}/");
    let started = std::time::Instant::now();
    let mut response = loop {
        match agent.get(&url).call() {
            Ok(response) => break response,
            Err(error) if started.elapsed() > std::time::Duration::from_secs(60) => {
                panic!(
                    "deno did not answer: {error}
{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(200)),
        }
    };
    let body = response.body_mut().read_to_string().unwrap();
    assert_eq!(response.status().as_u16(), 500, "{body}");
    assert!(
        body.contains("deno needs read access")
            && body.contains("--allow-read")
            && body.contains("--platform deno"),
        "{body}"
    );
}

/// Serves `dir`'s `handler.mjs` with gzrs's `server.mjs` on Node 22 (the runtime both Netlify
/// and Vercel give a function here), as `name`.
fn serve_function(dir: &Path, handler: &str, name: &str) -> WebLocal {
    std::fs::write(dir.join("handler.mjs"), handler).unwrap();
    std::fs::copy(
        repo_root().join("build/js-host/web/server.mjs"),
        dir.join("server.mjs"),
    )
    .unwrap();
    let port = gzrs_tests::local::free_port();
    let mut command = Command::new(node_version("node22"));
    command
        .arg("server.mjs")
        .current_dir(dir)
        .env("PORT", port.to_string())
        .env("HOST", "127.0.0.1");
    WebLocal::serve(&mut command, port, dir.with_extension("log"), name, "/")
}

fn check_function(local: &WebLocal) {
    let mut problems = check_cases(local, FIXTURE, &fixture_corpus());
    problems.extend(check_panic_recovery(local));
    assert!(
        problems.is_empty(),
        "[{}]\n{}\n--- output ---\n{}",
        local.runtime,
        problems.join("\n"),
        local.log()
    );
}

#[test]
fn netlify_builds_a_function_that_carries_the_module_and_serves_the_corpus() {
    let path = path_with(Some(&node_version("node22")));
    let (output, out) = deploy("netlify", &["--to", "netlify", "--dry-run"], &path);
    let log = said(&output);
    assert!(output.status.success(), "{log}");
    assert!(
        log.contains("Netlify Build Complete") && log.contains("within AWS Lambda's limit"),
        "{log}"
    );
    // The zip Netlify would upload, unpacked: the function and the module beside it.
    let zip = std::fs::File::open(out.join(".netlify/functions/fixture-app.zip")).unwrap();
    let function = repo_root().join("target/gzrs-tests/deploy-netlify-function");
    let _ = std::fs::remove_dir_all(&function);
    zip::ZipArchive::new(zip)
        .and_then(|mut archive| archive.extract(&function))
        .expect("unzip the function");
    assert!(
        function.join("gzrs/service.wasm").is_file(),
        "the module is not in the function"
    );
    let manifest = std::fs::read_to_string(out.join(".netlify/functions/manifest.json")).unwrap();
    assert!(
        manifest.contains(r#""pattern":"/*""#),
        "every path reaches it: {manifest}"
    );
    // Functions 2.0: the default export, called with the request and Netlify's context.
    let local = serve_function(
        &function,
        "import fn from \"./netlify/functions/fixture-app.mjs\";\n\
         export default { fetch: (request) => fn(request, { site: {}, params: {} }) };\n",
        "netlify function",
    );
    check_function(&local);
}

#[test]
fn vercel_builds_a_function_that_carries_the_module_and_serves_the_corpus_at_the_root() {
    let path = path_with(Some(&node_version("node22")));
    let (output, out) = deploy("vercel", &["--to", "vercel", "--dry-run"], &path);
    let log = said(&output);
    assert!(output.status.success(), "{log}");
    assert!(log.contains("within Vercel's limit"), "{log}");
    assert!(
        !out.join(".vercel/project.json").exists(),
        "the dry run's placeholder project was left behind"
    );
    let built = out.join(".vercel/output");
    // Nothing but the placeholder is published as a static file.
    let published: Vec<String> = std::fs::read_dir(built.join("static"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(published, [".gitkeep"], "published as static files");
    // Every path is routed to the function.
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(built.join("config.json")).unwrap()).unwrap();
    assert!(
        config["routes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|route| route["src"] == "^(?:/(.*))$" && route["dest"] == "/api"),
        "{config}"
    );
    // The function as Vercel ships it: its folder plus the files its config maps in.
    let func = built.join("functions/api/index.func");
    let vc_config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(func.join(".vc-config.json")).unwrap())
            .unwrap();
    let function = repo_root().join("target/gzrs-tests/deploy-vercel-function");
    let _ = std::fs::remove_dir_all(&function);
    gzrs_tests::copy_dir(&func, &function);
    for (to, from) in vc_config["filePathMap"].as_object().unwrap() {
        let to = function.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(out.join(from.as_str().unwrap()), to).unwrap();
    }
    assert!(function.join("gzrs/service.wasm").is_file(), "{vc_config}");
    let handler = vc_config["handler"].as_str().unwrap();
    // Vercel calls the export named by the request's method, with the path as the client sent it.
    let local = serve_function(
        &function,
        &format!(
            "import * as methods from \"./{handler}\";\n\
             export default {{ fetch: (request) => methods[request.method](request) }};\n"
        ),
        "vercel function",
    );
    check_function(&local);
}

#[test]
fn genezio_bundles_the_project_as_its_deploy_does() {
    let (output, _) = deploy(
        "genezio",
        &["--to", "genezio", "--mode", "wasm", "--dry-run"],
        &path_with(None),
    );
    let log = said(&output);
    assert!(output.status.success(), "{log}");
    assert!(
        log.contains("Fixture, as Genezio bundles it:") && log.contains("within Lambda's limits"),
        "{log}"
    );
}

/// `buildah` runs `buildah` with vfs storage and answers its output, failing on an error.
fn buildah(args: &[&str]) -> String {
    let output = Command::new("buildah")
        .args(args)
        .env("STORAGE_DRIVER", "vfs")
        .output()
        .expect("buildah runs (scripts/setup.sh installs it)");
    assert!(
        output.status.success(),
        "buildah {args:?}: {}",
        said(&output)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// The server's Dockerfile built into an image by a real builder (buildah, no daemon), and the
/// image's executable, run from the image, serving the corpus equal to standalone.
#[test]
fn the_server_image_builds_and_its_executable_serves_the_corpus() {
    let (output, _) = deploy(
        "server",
        &["--to", "server", "--dry-run", "--arch", "x86_64"],
        &path_with(None),
    );
    let log = said(&output);
    assert!(output.status.success(), "{log}");
    assert!(log.contains("Image fixture-app:latest built"), "{log}");
    let container = buildah(&["from", "localhost/fixture-app:latest"]);
    let entrypoint = buildah(&[
        "inspect",
        "--format",
        "{{.OCIv1.Config.Entrypoint}}",
        &container,
    ]);
    assert_eq!(entrypoint, "[/service]");
    let port = gzrs_tests::local::free_port();
    let mut command = Command::new("buildah");
    command
        .args(["run", "--isolation", "chroot", "--net", "host"])
        .args(["--env", &format!("PORT={port}"), "--env", "HOST=127.0.0.1"])
        .args([&container, "/service"])
        .env("STORAGE_DRIVER", "vfs");
    let local = WebLocal::serve(
        &mut command,
        port,
        repo_root().join("target/gzrs-tests/deploy-server-image.log"),
        "the image's executable",
        "/",
    );
    let problems = check_cases(&local, FIXTURE, &fixture_corpus());
    drop(local);
    buildah(&["rm", &container]);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What cannot be deployed, or served locally, is said before anything compiles, with what to do
/// instead.
#[test]
fn deploy_refuses_before_building_what_it_cannot_deploy() {
    let cases = [
        (
            vec!["--to", "web"],
            None,
            "--to cloudflare, deno, netlify, vercel or genezio",
        ),
        (
            vec!["--to", "server"],
            None,
            "--dry-run` builds the image here",
        ),
        (vec!["--to", "genezio"], None, "--mode"),
        // The machine's Node 20 first on PATH: wrangler 4 would refuse it.
        (
            vec!["--to", "cloudflare"],
            Some(PathBuf::from("/usr/bin/node")),
            "wrangler needs Node.js 22.12 or later",
        ),
    ];
    // `gzrs local` of a platform whose own local server cannot run here says what serves it.
    for platform in ["netlify", "vercel"] {
        let local = Command::new(gzrs())
            .args(["local", "--platform", platform])
            .arg(repo_root().join(FIXTURE))
            .output()
            .unwrap();
        let log = said(&local);
        assert!(!local.status.success(), "{platform}: {log}");
        assert!(
            log.contains("gzrs local --platform web") && !log.contains("Compiling"),
            "{platform}: {log}"
        );
    }
    for (args, node, expected) in cases {
        let path = path_with(node.as_deref());
        let (output, _) = deploy("refused", &args, &path);
        let log = said(&output);
        assert!(!output.status.success(), "{args:?}: {log}");
        assert!(
            log.contains(expected),
            "{args:?}: expected {expected:?} in:\n{log}"
        );
        assert!(
            !log.contains("Compiling"),
            "{args:?} compiled first:\n{log}"
        );
    }
}
