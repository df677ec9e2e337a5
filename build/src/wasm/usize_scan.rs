//! `usize` is 32 bits on wasm32: a field of that type in a type the service deserializes parses
//! a number over 4,294,967,295 natively and fails on it in wasm mode (axum's jwt example keeps
//! a token's `exp` in a `usize`, and a token expiring after 2106 is then "invalid"). gzrs cannot
//! change the width; it reads the service's own sources for such fields and says so before the
//! build. A scan of the text, not of types: a `usize` behind an alias or in a dependency is not
//! seen, and the README says so.

use std::fs;
use std::path::{Path, PathBuf};

/// One field found: where, and the line as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub file: PathBuf,
    pub line: usize,
    pub text: String,
}

/// Every line holding `usize` inside an item whose derive list has `Deserialize`, in the `.rs`
/// files under `src` (sorted by path).
pub fn deserialized_usize_fields(src: &Path) -> Vec<Field> {
    let mut files = Vec::new();
    collect_rust_files(src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in files {
        if let Ok(text) = fs::read_to_string(&file) {
            for (line, text) in scan(&text) {
                found.push(Field {
                    file: file.clone(),
                    line,
                    text,
                });
            }
        }
    }
    found
}

fn collect_rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The (1-based line, trimmed text) of each `usize` inside a deserialized item of `source`.
fn scan(source: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    // After a `#[derive(..Deserialize..)]`: waiting for the item's body, then its brace depth.
    let mut pending = false;
    let mut depth: Option<usize> = None;
    for (index, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        if depth.is_none() {
            if code.contains("derive(") && code.contains("Deserialize") {
                pending = true;
            }
            // Attributes (the derive itself, `#[serde(...)]`) come before the item.
            if !pending || code.trim_start().starts_with("#[") {
                continue;
            }
            if let Some(open) = code.find(['{', '(']) {
                depth = Some(0);
                pending = false;
                // The item opens on this line: what follows the brace is part of it.
                let rest = &code[open..];
                depth = step(depth.unwrap_or(0), rest);
                if has_usize(rest) {
                    found.push((index + 1, line.trim().to_string()));
                }
                continue;
            }
            if code.trim_end().ends_with(';') {
                pending = false;
            }
            continue;
        }
        if has_usize(code) {
            found.push((index + 1, line.trim().to_string()));
        }
        depth = step(depth.unwrap_or(0), code);
    }
    found
}

/// The depth after `code`, or `None` when the item closed.
fn step(mut depth: usize, code: &str) -> Option<usize> {
    for c in code.chars() {
        match c {
            '{' | '(' => depth += 1,
            '}' | ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return None;
                }
            }
            _ => {}
        }
    }
    Some(depth)
}

fn has_usize(code: &str) -> bool {
    code.match_indices("usize").any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + 5..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usize_fields_of_deserialized_items_are_found() {
        let source = r#"
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: usize, // expiry
    nested: Vec<usize>,
}

#[derive(Debug, Clone)]
struct NotParsed {
    len: usize,
}

#[derive(serde::Deserialize)]
pub struct Pair(pub u64, pub usize);

#[derive(Deserialize)]
enum Choice {
    Count { n: usize },
    Name(String),
}

fn count(v: &[u8]) -> usize { v.len() }
#[derive(Deserialize)]
struct Unit;
struct After { x: usize }
"#;
        let lines: Vec<usize> = scan(source).into_iter().map(|(line, _)| line).collect();
        assert_eq!(lines, [5, 6, 15, 19]);
        assert_eq!(scan(source)[0].1, "exp: usize, // expiry");
        assert!(!has_usize("my_usize: u32"));
        assert!(has_usize("HashMap<String, usize>"));
    }
}
