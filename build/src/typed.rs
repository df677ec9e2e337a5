//! A class's typed methods, as gzrs describes them (see `describe`): the data every platform
//! writes its class or handler from, with no dependency of its own.

use serde::Deserialize;

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
