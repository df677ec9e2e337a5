//! `#[methods]` on a class shaped like `examples/notes`: every kind of method, called from JSON.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use gzrs_class::{Class, MethodKind};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, gzrs_class::Type)]
pub struct Note {
    id: u32,
    title: String,
    tags: Vec<String>,
    done: bool,
}

#[derive(Debug)]
pub struct NoSuchNote(u32);

impl fmt::Display for NoSuchNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no note with id {}", self.0)
    }
}

#[derive(Debug, Default)]
pub struct Notes {
    notes: RefCell<Vec<Note>>,
}

#[gzrs_class::methods]
impl Notes {
    pub fn add(&self, title: String, tags: Vec<String>) -> Note {
        let mut notes = self.notes.borrow_mut();
        let note = Note {
            id: notes.len() as u32 + 1,
            title,
            tags,
            done: false,
        };
        notes.push(note.clone());
        note
    }

    pub async fn get(&self, id: u32) -> Option<Note> {
        self.find(id)
    }

    pub fn complete(&self, id: u32) -> Result<Note, NoSuchNote> {
        let mut notes = self.notes.borrow_mut();
        let note = notes
            .iter_mut()
            .find(|n| n.id == id)
            .ok_or(NoSuchNote(id))?;
        note.done = true;
        Ok(note.clone())
    }

    pub fn by_tag(&self) -> HashMap<String, u32> {
        let mut counts = HashMap::new();
        for tag in self.notes.borrow().iter().flat_map(|n| n.tags.clone()) {
            *counts.entry(tag).or_default() += 1;
        }
        counts
    }

    pub fn big(&self) -> u64 {
        u64::MAX
    }

    #[cron("0 3 * * *")]
    pub fn sweep(&self) {
        self.notes.borrow_mut().retain(|n| !n.done);
    }

    /// Not a method: not public.
    fn find(&self, id: u32) -> Option<Note> {
        self.notes.borrow().iter().find(|n| n.id == id).cloned()
    }

    /// Not a method: no `self`.
    pub fn new_empty() -> Self {
        Self::default()
    }
}

async fn call(notes: &Notes, method: &str, params: Value) -> Result<Value, String> {
    let Value::Array(params) = params else {
        panic!("params are an array")
    };
    notes
        .call(method, params)
        .await
        .map(|json| json.to_value())
        .map_err(|e| e.message)
}

#[test]
fn the_methods_are_described_as_written() {
    assert_eq!(Notes::NAME, "Notes");
    let names: Vec<_> = Notes::METHODS.iter().map(|m| m.name).collect();
    assert_eq!(names, ["add", "get", "complete", "by_tag", "big", "sweep"]);
    let add = &Notes::METHODS[0];
    assert_eq!(
        add.params
            .iter()
            .map(|p| (p.name, p.rust_type))
            .collect::<Vec<_>>(),
        [("title", "String"), ("tags", "Vec<String>")]
    );
    assert_eq!(add.result, "Note");
    assert!(!add.is_async && Notes::METHODS[1].is_async);
    assert_eq!(Notes::METHODS[2].result, "Result<Note, NoSuchNote>");
    assert_eq!(Notes::METHODS[5].kind, MethodKind::Cron("0 3 * * *"));
    assert_eq!(Notes::METHODS[5].result, "()");
    assert_eq!(Notes::METHODS[0].kind, MethodKind::Rpc);
}

#[test]
fn signatures_in_typescript_declare_what_they_use() {
    let mut declarations = gzrs_class::Declarations::default();
    let signatures = Notes::signatures(&mut declarations);
    let written: Vec<String> = signatures
        .iter()
        .map(|s| {
            let params: Vec<String> = s.params.iter().map(|(n, t)| format!("{n}: {t}")).collect();
            format!("{}({}): {}", s.name, params.join(", "), s.result)
        })
        .collect();
    assert_eq!(
        written,
        [
            "add(title: string, tags: Array<string>): Note",
            "get(id: number): Note | null",
            "complete(id: number): Note",
            "by_tag(): { [key: string]: number }",
            "big(): number",
            "sweep(): void",
        ]
    );
    assert_eq!(
        declarations.to_typescript(),
        "export type Note = { id: number, title: string, tags: Array<string>, done: boolean };\n"
    );
}

#[tokio::test]
async fn calls_reach_each_kind_of_method() {
    let notes = Notes::new_empty();
    let first = call(&notes, "add", json!(["milk", ["shop"]]))
        .await
        .unwrap();
    assert_eq!(
        first,
        json!({"id": 1, "title": "milk", "tags": ["shop"], "done": false})
    );
    call(&notes, "add", json!(["bread", ["shop", "food"]]))
        .await
        .unwrap();
    assert_eq!(
        call(&notes, "get", json!([2])).await.unwrap()["title"],
        "bread"
    );
    assert_eq!(call(&notes, "get", json!([9])).await.unwrap(), Value::Null);
    assert_eq!(
        call(&notes, "complete", json!([1])).await.unwrap()["done"],
        true
    );
    assert_eq!(
        call(&notes, "by_tag", json!([])).await.unwrap(),
        json!({"shop": 2, "food": 1})
    );
    // A cron job answers null, and runs.
    assert_eq!(call(&notes, "sweep", json!([])).await.unwrap(), Value::Null);
    assert_eq!(call(&notes, "get", json!([1])).await.unwrap(), Value::Null);
    // Beyond 2^53, Genezio's convention.
    assert_eq!(
        call(&notes, "big", json!([])).await.unwrap(),
        json!({"$bigint": u64::MAX.to_string()})
    );
}

#[tokio::test]
async fn failures_are_errors_with_a_message() {
    let notes = Notes::default();
    // A Rust error: its Display, which names the id.
    assert_eq!(
        call(&notes, "complete", json!([42])).await.unwrap_err(),
        "no note with id 42"
    );
    assert_eq!(
        call(&notes, "nope", json!([])).await.unwrap_err(),
        "Notes has no method \"nope\""
    );
    // Helpers are not methods.
    assert!(call(&notes, "find", json!([1])).await.is_err());
    let error = call(&notes, "add", json!([1, []])).await.unwrap_err();
    assert!(
        error.starts_with("argument `title` of Notes.add"),
        "{error}"
    );
    // Extra arguments are ignored, as a JavaScript method ignores them.
    assert_eq!(
        call(&notes, "get", json!([1, 2])).await.unwrap(),
        call(&notes, "get", json!([1])).await.unwrap()
    );
    // A `$bigint` argument is the integer it holds.
    assert_eq!(
        call(&notes, "get", json!([{"$bigint": "1"}]))
            .await
            .unwrap(),
        Value::Null
    );
}
