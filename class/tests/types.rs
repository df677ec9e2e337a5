//! `#[derive(gzrs_class::Type)]`: each shape serde gives a type, as TypeScript that Genezio's SDK
//! generator reads; the last test runs the generator itself on these declarations.
#![allow(missing_debug_implementations)] // test types, never printed

use std::collections::{BTreeMap, HashMap};

use gzrs_class::{Declarations, Type};
use serde::Serialize;

#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    note_count: u32,
    by_tag: HashMap<String, u32>,
    #[serde(rename = "latest")]
    last: Option<Box<Point>>,
    #[serde(skip)]
    #[allow(dead_code)]
    cache: Vec<u8>,
    nested: BTreeMap<String, Vec<Shape>>,
}

#[derive(Serialize, Type)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Shape {
    Circle { radius: f64 },
    Square { side: f64 },
    Empty,
}

#[derive(Serialize, Type)]
pub enum Event {
    Started,
    Moved(Point),
    Renamed { from: String, to: String },
}

#[derive(Serialize, Type)]
#[serde(tag = "t", content = "c")]
pub enum Message {
    Ping,
    Text(String),
    Move { x: i32 },
}

#[derive(Serialize, Type)]
#[serde(untagged)]
pub enum Either {
    Number(f64),
    Words(Vec<String>),
    Nothing,
}

#[derive(Serialize, Type)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Level {
    LowPriority,
    High,
}

#[derive(Serialize, Type)]
pub struct Point {
    x: i64,
    y: i64,
}

#[derive(Serialize, Type)]
#[serde(transparent)]
pub struct Id {
    value: u64,
}

#[derive(Serialize, Type)]
pub struct Meters(f64);

#[derive(Serialize, Type)]
pub struct Tree {
    children: Vec<Tree>,
}

#[test]
fn a_type_that_refers_to_itself_is_found() {
    let mut d = Declarations::default();
    Tree::declare(&mut d);
    assert_eq!(d.recursive(), ["Tree"]);
    assert_eq!(
        d.to_typescript(),
        "export type Tree = { children: Array<Tree> };\n"
    );
}

/// Every shape, declared once each, in order of first use.
pub fn declarations() -> String {
    let mut d = Declarations::default();
    for declare in [
        Stats::declare as fn(&mut Declarations),
        Event::declare,
        Message::declare,
        Either::declare,
        Level::declare,
        Id::declare,
        Meters::declare,
    ] {
        declare(&mut d);
    }
    d.to_typescript()
}

#[test]
fn newtypes_are_written_as_what_they_wrap() {
    assert_eq!(Id::ts(), "number");
    assert_eq!(<Vec<Meters>>::ts(), "Array<number>");
    let mut d = Declarations::default();
    Id::declare(&mut d);
    assert!(d.names().is_empty());
}

#[test]
fn serde_shapes_as_typescript() {
    let expected = [
        "export type Stats = { noteCount: number, byTag: { [key: string]: number }, latest: Point | null, nested: { [key: string]: Array<Shape> } };",
        "export type Point = { x: number, y: number };",
        r#"export type Shape = { kind: "circle", radius: number } | { kind: "square", side: number } | { kind: "empty" };"#,
        r#"export type Event = "Started" | { Moved: Point } | { Renamed: { from: string, to: string } };"#,
        r#"export type Message = { t: "Ping" } | { t: "Text", c: string } | { t: "Move", c: { x: number } };"#,
        "export type Either = number | Array<string> | null;",
        r#"export type Level = "LOW_PRIORITY" | "HIGH";"#,
    ];
    assert_eq!(declarations(), expected.join("\n") + "\n");
}

/// Genezio's own SDK generator (`genezio sdk --source local`, from tests/node, which
/// scripts/setup.sh installs) reads a class whose methods use these declarations, and writes each
/// type into the SDK exactly as declared: nothing turned into `any` or `undefined`.
#[test]
fn genezios_sdk_generator_reads_them_as_declared() {
    use std::path::Path;
    use std::process::Command;

    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the repository");
    let node = repo.join("tests/node/node_modules");
    let genezio = node.join(".bin/genezio");
    assert!(
        genezio.exists(),
        "no Genezio CLI at {}: run scripts/setup.sh",
        genezio.display()
    );
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gzrs-class-sdk");
    let _ = std::fs::remove_dir_all(&work);
    let server = work.join("server");
    std::fs::create_dir_all(server.join("node_modules/@genezio")).unwrap();
    std::os::unix::fs::symlink(
        node.join("@genezio/types"),
        server.join("node_modules/@genezio/types"),
    )
    .unwrap();
    std::fs::write(
        work.join("genezio.yaml"),
        "name: zoo\nregion: us-east-1\nyamlVersion: 2\nbackend:\n  path: server\n  language:\n    name: ts\n    packageManager: npm\n  classes:\n    - path: Zoo.ts\n      type: jsonrpc\n",
    )
    .unwrap();
    std::fs::write(
        server.join("package.json"),
        r#"{"name": "server", "type": "module"}"#,
    )
    .unwrap();
    let ours = declarations();
    std::fs::write(
        server.join("Zoo.ts"),
        format!(
            "import {{ GenezioDeploy }} from \"@genezio/types\";\n{ours}\n@GenezioDeploy()\nexport class Zoo {{\n  async all(stats: Stats, event: Event, message: Message, either: Either, level: Level, id: number, meters: number): Promise<Stats> {{ return stats; }}\n}}\n"
        ),
    )
    .unwrap();
    let output = Command::new(&genezio)
        .args([
            "sdk",
            "--source",
            "local",
            "--language",
            "ts",
            "--packageName",
            "@genezio-sdk/zoo",
            "--output",
        ])
        .arg(work.join("sdk"))
        .args(["--url", "http://127.0.0.1:1"])
        .current_dir(&work)
        .env(
            "PATH",
            format!(
                "{}:{}",
                node.join(".bin").display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .output()
        .expect("genezio runs");
    assert!(
        output.status.success(),
        "genezio sdk failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sdk = std::fs::read_to_string(work.join("sdk/lib/zoo.sdk.d.ts")).expect("the SDK's types");

    // Both as `name -> body`, whitespace and separators normalized (the SDK writes `;` after each
    // property, gzrs `,` between them).
    let bodies = |text: &str| -> Vec<(String, String)> {
        let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        flat.split("exporttype")
            .skip(1)
            .map(|chunk| {
                let chunk = chunk.split("exportdeclareclass").next().unwrap();
                let (name, body) = chunk.split_once('=').unwrap();
                let body = body
                    .trim_end_matches(';')
                    .replace(";}", "}")
                    .replace(';', ",");
                (name.to_owned(), body)
            })
            .collect()
    };
    // The SDK puts a type's dependencies first; the order does not matter.
    let (mut theirs, mut ours) = (bodies(&sdk), bodies(&ours));
    theirs.sort();
    ours.sort();
    assert_eq!(theirs, ours, "the SDK's types:\n{sdk}");
    assert!(
        sdk.contains("static all(stats: Stats, event: Event"),
        "{sdk}"
    );
}
