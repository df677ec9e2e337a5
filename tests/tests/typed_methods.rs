//! Typed methods (issue 14), end to end with `examples/notes`: Genezio's SDK generator runs on
//! the project built in each mode; a TypeScript frontend that imports only that SDK type-checks
//! with `tsc --strict` and runs through the SDK's own client against `genezio local` in both
//! modes and against the genezio-aws bundle under aws-lambda-ric (the trap); the cron job fires
//! from each provider's cron event in both modes; and a type gzrs cannot write is a build error
//! naming it. Beyond Genezio, the web platform answers the same JSON-RPC at `POST /<Class>`:
//! the frontend runs against it on Node and Deno through the SDK `gzrs sdk` writes, every kind of
//! call answers as Genezio's handler around the class does, and the cron job runs from the
//! handler's `scheduled` (Workers' entry) and from Deno.cron's registration.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use gzrs_tests::cloud::CloudLocal;
use gzrs_tests::frontend::{generate_sdk, run_frontend, type_check};
use gzrs_tests::lambda::{bundle, ric_runtime};
use gzrs_tests::web::WebLocal;
use gzrs_tests::{gzrs, http_agent, project, repo_root, GenezioLocal, LambdaLocal};
use serde_json::{json, Value};

const PACKAGE: &str = "@genezio-sdk/notes";

fn work(name: &str) -> PathBuf {
    repo_root().join("target/gzrs-tests/typed").join(name)
}

fn notes(mode: &str) -> PathBuf {
    project(
        "examples/notes",
        &format!("notes-{mode}"),
        &["--mode", mode],
    )
}

/// The class's URL from a front's method URL (`http://h:p/Notes/api` → `http://h:p/Notes`).
fn class_url(method_url: &str) -> String {
    method_url
        .strip_suffix("/api")
        .unwrap_or(method_url)
        .to_string()
}

/// A JSON-RPC call as Genezio's SDK makes it: the envelope's result, or its error's message.
fn rpc(url: &str, method: &str, params: Value) -> Result<Value, String> {
    let body =
        json!({"jsonrpc": "2.0", "method": format!("Notes.{method}"), "params": params, "id": 7});
    let mut response = http_agent()
        .post(url)
        .header("content-type", "application/json")
        .send(body.to_string())
        .map_err(|e| e.to_string())?;
    let envelope: Value = serde_json::from_str(
        &response
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    match &envelope["error"] {
        Value::Null => Ok(envelope["result"].clone()),
        error => Err(error["message"].as_str().unwrap_or_default().to_string()),
    }
}

/// Adds two notes, completes one: what a cron run of `sweep` must change.
fn before_sweep(url: &str) -> Value {
    rpc(url, "add", json!(["keep", ["a"]])).unwrap();
    let gone = rpc(url, "add", json!(["gone", ["b"]])).unwrap();
    rpc(url, "complete", json!([gone["id"]])).unwrap();
    rpc(url, "list", json!([])).unwrap()
}

fn titles(list: &Value) -> Vec<&str> {
    list.as_array()
        .map(|notes| notes.iter().filter_map(|n| n["title"].as_str()).collect())
        .unwrap_or_default()
}

/// The frontend against a running class at `url`, with an SDK generated for it.
fn frontend(project: &Path, url: &str, name: &str) {
    let sdk = generate_sdk(project, PACKAGE, url, &work(&format!("{name}-sdk")));
    let declared = fs::read_to_string(sdk.join("lib/notes.sdk.d.ts")).expect("the SDK's types");
    for line in [
        "static add(title: string, tags: Array<string>): Promise<Note>;",
        "static get(id: number): Promise<Note | null>;",
        "static complete(id: number): Promise<Note>;",
        "[key: string]: number;",
    ] {
        assert!(
            declared.contains(line),
            "[{name}] the SDK lacks `{line}`:\n{declared}"
        );
    }
    assert!(
        !declared.contains("sweep"),
        "[{name}] a cron job is not part of the SDK:\n{declared}"
    );
    match run_frontend("notes", PACKAGE, &sdk, &work(&format!("{name}-frontend"))) {
        Ok(output) => assert!(output.contains("every check passed"), "[{name}] {output}"),
        Err(failure) => panic!("[{name}] {failure}"),
    }
}

#[test]
fn the_frontend_runs_against_genezio_local_in_both_modes() {
    for mode in ["wasm", "native"] {
        let project = notes(mode);
        let local = GenezioLocal::start(&project, "Notes", "api");
        frontend(
            &project,
            &class_url(&local.url("")),
            &format!("local-{mode}"),
        );
        // The HTTP side keeps working in the same class.
        let mut health = http_agent().get(&local.url("/health")).call().unwrap();
        assert_eq!(
            health.body_mut().read_to_string().unwrap(),
            "ok",
            "[{mode}]"
        );
    }
}

/// Raw JSON-RPC exchanges with the notes, right and wrong (compared as values: `Stats` holds
/// a HashMap, whose order is each process's own).
fn exchanges(url: &str) -> Vec<(u16, Value)> {
    let bodies = [
        json!({"jsonrpc": "2.0", "method": "Notes.add", "params": ["a", ["x", "y"]], "id": 1}),
        json!({"jsonrpc": "2.0", "method": "Notes.get", "params": [1], "id": 2}),
        json!({"jsonrpc": "2.0", "method": "Notes.get", "params": [99], "id": 3}),
        json!({"jsonrpc": "2.0", "method": "Notes.complete", "params": [99], "id": 4}),
        json!({"jsonrpc": "2.0", "method": "Notes.add", "params": [5, []], "id": 5}),
        json!({"jsonrpc": "2.0", "method": "Notes.add", "params": ["a", [], 3], "id": 6}),
        json!({"jsonrpc": "2.0", "method": "Notes.nope", "params": [], "id": 7}),
        json!({"jsonrpc": "2.0", "method": "Notes.list", "id": 8}),
        json!({"jsonrpc": "2.0", "method": "Notes.stats", "params": [], "id": 9}),
        json!({"jsonrpc": "2.0", "method": "Notes.sweep", "params": [], "id": 10}),
    ];
    post_all(url, &bodies, false)
}

#[test]
fn the_frontend_runs_against_the_trap_and_cron_fires_from_genezio_aws_events() {
    let mut answers = Vec::new();
    for mode in ["native", "wasm"] {
        let task = bundle(&notes(mode), "Notes", "aws", &work(&format!("aws-{mode}")));
        let lambda =
            LambdaLocal::start("Notes", "api", Duration::from_secs(30), ric_runtime(&task));
        let url = class_url(&lambda.url(""));
        // The trap answers as Genezio's own handler does around the wasm class.
        answers.push(exchanges(&url));
        if mode == "native" {
            frontend(&notes(mode), &url, "trap");
        }
        let list = before_sweep(&url);
        assert!(titles(&list).contains(&"gone"), "[{mode}] {list}");
        let answer = lambda
            .invoke(json!({"genezioEventType": "cron", "methodName": "sweep", "cronString": "0 3 * * *"}).to_string())
            .expect("the cron event is answered");
        assert_eq!(
            answer,
            Value::Null,
            "[{mode}] Genezio answers a cron event with nothing"
        );
        let list = rpc(&url, "list", json!([])).unwrap();
        assert!(
            titles(&list).contains(&"keep") && !titles(&list).contains(&"gone"),
            "[{mode}] the cron event ran sweep: {list}"
        );
        // A panic-free error path through the same instance still answers.
        let error = rpc(&url, "complete", json!([4242])).unwrap_err();
        assert!(error.contains("4242"), "[{mode}] {error}");
    }
    let (trap, genezio) = (&answers[0], &answers[1]);
    for (ours, theirs) in trap.iter().zip(genezio) {
        assert_eq!(
            ours, theirs,
            "the trap (left) and Genezio's handler (right) differ"
        );
    }
}

#[test]
fn cron_fires_from_genezio_cloud_events_in_both_modes() {
    for mode in ["wasm", "native"] {
        let cloud = CloudLocal::start(
            &notes(mode),
            "Notes",
            "api",
            &work(&format!("cloud-{mode}")),
        );
        let url = class_url(&cloud.url(""));
        let list = before_sweep(&url);
        assert!(titles(&list).contains(&"gone"), "[{mode}] {list}");
        // genezio-cloud's cron call: a JSON-RPC event marked by its headers.
        let event = json!({
            "http": {"method": "POST", "path": "/Notes", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "genezio-cron"},
            "headers": {"Genezio-Event": "cron", "Genezio-Cronstring": "0 3 * * *", "content-type": "application/json"},
            "body": json!({"jsonrpc": "2.0", "method": "Notes.sweep", "params": [], "id": 1}).to_string(),
            "isBase64Encoded": false,
            "requestTimestampMs": 0,
        });
        let answer = cloud.invoke(&event).expect("the cron call is answered");
        assert_eq!(answer["statusCode"], 200, "[{mode}] {answer}");
        let list = rpc(&url, "list", json!([])).unwrap();
        assert!(
            titles(&list).contains(&"keep") && !titles(&list).contains(&"gone"),
            "[{mode}] the cron call ran sweep: {list}\n{}",
            cloud.log()
        );
        assert!(
            cloud
                .log()
                .contains("trigger cron: 0 3 * * * on method: Notes.sweep"),
            "[{mode}] Genezio's handler saw a cron call:\n{}",
            cloud.log()
        );
    }
}

#[test]
fn an_ab_project_gives_one_sdk_with_both_classes() {
    let project = project(
        "examples/notes",
        "notes-ab",
        &["--mode", "ab", "--arch", "x86_64"],
    );
    let sdk = generate_sdk(
        &project,
        PACKAGE,
        "http://127.0.0.1:9/Notes",
        &work("ab-sdk"),
    );
    // Genezio exports every class's types from one index: the second class's are named apart.
    let source = "import { NotesWasm, NotesNative, type Note, type NoteNative } from \"@genezio-sdk/notes\";\n\
        export async function both(): Promise<[Note, NoteNative]> {\n\
          return [await NotesWasm.add(\"a\", []), await NotesNative.add(\"b\", [\"x\"])];\n\
        }\n";
    if let Err(failure) = type_check("ab", source, PACKAGE, &sdk, &work("ab-frontend")) {
        panic!("{failure}");
    }
}

/// The typed fixture (`tests/fixture-class`) built in `mode` for this machine's CPU.
fn fixture(mode: &str) -> PathBuf {
    project(
        "tests/fixture-class",
        &format!("fixture-class-{mode}"),
        &["--mode", mode, "--arch", "x86_64"],
    )
}

/// Calls of every shape, right and wrong, each with its JSON-RPC body: what the fixture answers
/// must be the same through the trap as through Genezio's handler around the generated class.
fn fixture_calls() -> Vec<Value> {
    let big = "9007199254740993"; // 2^53 + 1: no JavaScript number holds it
    let calls = [
        json!(["double", [3]]),
        json!(["double", [{"$bigint": big}]]),
        json!(["negate", [{"$bigint": big}]]),
        json!(["measure", [{"kind": "circle", "radius": 1.5}, "cm"]]),
        json!(["measure", [{"kind": "point"}]]),
        json!(["measure", [{"kind": "hexagon"}, null]]),
        json!(["divide", [7, 2]]),
        json!(["divide", [1, 0]]),
        json!(["divide", ["seven", 2]]),
        json!(["explode", ["boom"]]),
        // The instance goes on serving after a panic.
        json!(["double", [21]]),
        json!(["nothing", [[true]]]),
        json!(["ticks", []]),
        json!(["tick", []]),
        json!(["ticks", []]),
        json!(["missing", []]),
    ];
    calls
        .iter()
        .enumerate()
        .map(|(id, call)| {
            json!({"jsonrpc": "2.0", "method": format!("Typed.{}", call[0].as_str().unwrap()), "params": call[1], "id": id + 1})
        })
        .collect()
}

/// Each body POSTed to `url`: the status and the body, less the JavaScript stack Genezio adds
/// to a thrown error (the trap has none). With `exact`, a body without an error is kept as its
/// text too, to be compared byte for byte.
fn post_all(url: &str, bodies: &[Value], exact: bool) -> Vec<(u16, Value)> {
    bodies
        .iter()
        .map(|body| {
            let mut response = http_agent()
                .post(url)
                .header("content-type", "application/json")
                .send(body.to_string())
                .unwrap();
            let status = response.status().as_u16();
            let text = response.body_mut().read_to_string().unwrap();
            let mut value: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("not JSON ({e}) for {body}: {text}"));
            match value["error"].as_object_mut() {
                Some(error) => {
                    error.remove("stack");
                }
                None if exact => value["text"] = Value::String(text),
                None => {}
            }
            (status, value)
        })
        .collect()
}

fn assert_same(left: &[(u16, Value)], right: &[(u16, Value)], bodies: &[Value], what: &str) {
    for ((ours, theirs), body) in left.iter().zip(right).zip(bodies) {
        assert_eq!(ours, theirs, "{what}, for {body}");
    }
}

#[test]
fn the_trap_answers_every_kind_of_call_as_genezios_handler_around_the_class() {
    let calls = fixture_calls();
    let mut answers = Vec::new();
    for mode in ["native", "wasm"] {
        let task = bundle(
            &fixture(mode),
            "Typed",
            "aws",
            &work(&format!("fixture-aws-{mode}")),
        );
        let lambda =
            LambdaLocal::start("Typed", "api", Duration::from_secs(30), ric_runtime(&task));
        answers.push(post_all(&class_url(&lambda.url("")), &calls, true));
        let mut hello = http_agent().get(&lambda.url("/hello")).call().unwrap();
        assert_eq!(
            hello.body_mut().read_to_string().unwrap(),
            "typed hello",
            "[{mode}]"
        );
    }
    let (trap, genezio) = (&answers[0], &answers[1]);
    // What the calls must answer, beyond being equal: bigints both ways, the error messages, a
    // panic as an error and the next call served.
    let result = |i: usize| &trap[i].1["result"];
    assert_eq!(
        result(1),
        &json!({"$bigint": "18014398509481986"}),
        "{trap:?}"
    );
    assert_eq!(result(2), &json!({"$bigint": "-9007199254740993"}));
    assert_eq!(result(3)["labelByUnit"]["cm"], "7.07 cm²");
    assert!(trap[5].1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("hexagon"));
    assert_eq!(trap[7].1["error"]["message"], "cannot divide 1 by 0");
    assert!(trap[8].1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("argument `a` of Typed.divide"));
    assert_eq!(trap[9].1["error"]["message"], "the service panicked: boom");
    assert_eq!(result(10), &json!(42));
    assert!(trap[11].1.get("result").is_none(), "{:?}", trap[11]);
    assert_eq!((result(12), result(14)), (&json!(0), &json!(1)));
    assert_eq!(trap[15].1["error"]["message"], "Method not found!");
    assert_same(
        trap,
        genezio,
        &calls,
        "the trap (left) and Genezio's genezio-aws handler (right) differ",
    );
}

#[test]
fn the_sidecar_answers_every_kind_of_call_as_the_wasm_class_on_genezio_cloud() {
    let calls = fixture_calls();
    let answers: Vec<_> = ["native", "wasm"]
        .iter()
        .map(|mode| {
            let cloud = CloudLocal::start(
                &fixture(mode),
                "Typed",
                "api",
                &work(&format!("fixture-cloud-{mode}")),
            );
            post_all(&class_url(&cloud.url("")), &calls, true)
        })
        .collect();
    assert_eq!(
        answers[0][9].1["error"]["message"],
        "the service panicked: boom"
    );
    assert_eq!(
        answers[0][10].1["result"], 42,
        "the sidecar serves on after a panic"
    );
    assert_same(
        &answers[0],
        &answers[1],
        &calls,
        "the sidecar (left) and wasm (right) differ on genezio-cloud",
    );
}

/// A crate with typed methods, written into `dir`: `body` is the rest of its lib.rs.
fn typed_crate(dir: &Path, name: &str, body: &str) -> PathBuf {
    let dir = dir.join(name);
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.gzrs]\nclass = \"Shapes\"\n\n[dependencies]\ngzrs-class = {{ path = {:?} }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\n\n[workspace]\n",
            repo_root().join("class").display().to_string()
        ),
    )
    .unwrap();
    fs::write(
        dir.join("src/lib.rs"),
        format!("use serde::{{Deserialize, Serialize}};\n\n#[derive(Default)]\npub struct Shapes;\n\n{body}"),
    )
    .unwrap();
    dir
}

fn build_error(dir: &Path, target: &Path) -> String {
    let output = Command::new(gzrs())
        .args(["build", "--mode", "wasm", "--no-install", "--out"])
        .arg(dir.join("out"))
        .arg(dir)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("run gzrs");
    assert!(
        !output.status.success(),
        "the build of {} succeeded",
        dir.display()
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_type_gzrs_cannot_write_is_a_build_error_naming_it() {
    let root = work("unsupported");
    let target = root.join("target");
    let opaque = typed_crate(
        &root,
        "opaque-type",
        "#[gzrs_class::methods]\nimpl Shapes {\n    pub fn at(&self, when: std::time::SystemTime) -> u32 {\n        let _ = when;\n        0\n    }\n}\n",
    );
    let error = build_error(&opaque, &target);
    assert!(
        error.contains("gzrs cannot write `SystemTime` as a TypeScript type"),
        "{error}"
    );
    assert!(error.contains("derive `gzrs_class::Type`"), "{error}");

    let recursive = typed_crate(
        &root,
        "recursive-type",
        "#[derive(Serialize, Deserialize, gzrs_class::Type)]\npub struct Tree {\n    pub children: Vec<Tree>,\n}\n\n#[gzrs_class::methods]\nimpl Shapes {\n    pub fn tree(&self) -> Tree {\n        Tree { children: Vec::new() }\n    }\n}\n",
    );
    let error = build_error(&recursive, &target);
    assert!(
        error.contains("the type `Tree`") && error.contains("refers to itself"),
        "{error}"
    );
}

/// `gzrs sdk --url URL` for the notes, into `out`.
fn gzrs_sdk(url: &str, out: &Path) -> PathBuf {
    let _ = fs::remove_dir_all(out);
    let status = Command::new(gzrs())
        .args(["sdk", "--url", url, "--out"])
        .arg(out)
        .arg(repo_root().join("examples/notes"))
        .status()
        .expect("gzrs sdk runs");
    assert!(status.success(), "gzrs sdk failed");
    out.to_path_buf()
}

#[test]
fn the_frontend_runs_against_the_web_platform_on_node_and_deno_and_the_native_server() {
    for runtime in ["node", "deno", gzrs_tests::web::NATIVE_SERVER] {
        let local = WebLocal::start("examples/notes", "notes", runtime, &[], &[], "/health");
        let sdk = gzrs_sdk(&local.url(""), &work(&format!("web-{runtime}-sdk")));
        let generated = fs::read_to_string(sdk.join("lib/notes.sdk.js")).expect("the SDK");
        assert!(
            generated.contains(&format!("\"{}/Notes\"", local.url(""))),
            "[{runtime}] the SDK calls the class's URL:\n{generated}"
        );
        match run_frontend(
            "notes",
            PACKAGE,
            &sdk,
            &work(&format!("web-{runtime}-frontend")),
        ) {
            Ok(output) => assert!(
                output.contains("every check passed"),
                "[{runtime}] {output}"
            ),
            Err(failure) => panic!("[{runtime}] {failure}\n{}", local.log()),
        }
        // The routes answer beside the class.
        let mut health = http_agent().get(&local.url("/health")).call().unwrap();
        assert_eq!(
            health.body_mut().read_to_string().unwrap(),
            "ok",
            "[{runtime}]"
        );
        if runtime == "deno" {
            assert!(
                !local.log().contains("is not scheduled"),
                "[deno] Deno.cron refused the job:\n{}",
                local.log()
            );
        }
    }
}

/// The handler's `scheduled`, Workers' cron entry (and what a scheduler calls on Node), runs the
/// job of the schedule that fired; `crons` lists it.
#[test]
fn cron_runs_from_the_fetch_handlers_scheduled_entry() {
    let local = WebLocal::start("examples/notes", "notes-cron", "node", &[], &[], "/health");
    let out = repo_root().join("target/gzrs-tests/web-notes-cron-node");
    let script = r#"
import handler, { crons } from "./handler.mjs";
const call = async (method, params) => {
  const response = await handler.fetch(new Request("http://localhost/Notes", {
    method: "POST",
    body: JSON.stringify({ jsonrpc: "2.0", method: `Notes.${method}`, params, id: 1 }),
  }));
  return (await response.json()).result;
};
await call("add", ["keep", ["a"]]);
const gone = await call("add", ["gone", ["b"]]);
await call("complete", [gone.id]);
const before = (await call("list", [])).map((n) => n.title);
await handler.scheduled({ cron: "0 3 * * *" });
const after = (await call("list", [])).map((n) => n.title);
console.log(JSON.stringify({ crons, before, after }));
"#;
    fs::write(out.join("cron-check.mjs"), script).unwrap();
    let output = Command::new("node")
        .arg("cron-check.mjs")
        .current_dir(&out)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let seen: Value = serde_json::from_str(line)
        .unwrap_or_else(|_| panic!("{stdout}\n{}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(
        seen["crons"],
        json!([{"schedule": "0 3 * * *", "method": "sweep"}])
    );
    assert_eq!(seen["before"], json!(["keep", "gone"]), "{seen}");
    assert_eq!(seen["after"], json!(["keep"]), "the cron job swept: {seen}");
    drop(local);
}

/// Every kind of call of the fixture class, through the fetch handler, answers as Genezio's
/// handler around the wasm class (genezio-aws's bundle under aws-lambda-ric): the same
/// envelopes, ids, errors and `{"$bigint"}` rules. (A panic is left out: Genezio's handler turns
/// the thrown Error into an envelope, the fetch handler answers 500 with the panic's message.)
#[test]
fn the_web_platform_answers_every_kind_of_call_as_genezios_handler() {
    let calls: Vec<Value> = fixture_calls()
        .into_iter()
        .filter(|call| call["method"] != "Typed.explode")
        .collect();
    let task = bundle(&fixture("wasm"), "Typed", "aws", &work("fixture-aws-web"));
    let lambda = LambdaLocal::start("Typed", "api", Duration::from_secs(30), ric_runtime(&task));
    let genezio = post_all(&class_url(&lambda.url("")), &calls, true);
    let local = WebLocal::start(
        "tests/fixture-class",
        "fixture-class",
        "node",
        &[],
        &[],
        "/",
    );
    let web = post_all(&local.url("/Typed"), &calls, true);
    assert_same(
        &web,
        &genezio,
        &calls,
        "the fetch handler (left) and Genezio's handler (right) differ",
    );
}
