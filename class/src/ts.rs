//! Rust types as TypeScript, in the subset Genezio's SDK generator reads (`genezio sdk`, the
//! TypeScript compiler API over the class): `type` aliases, never `interface`; `Array<T>`;
//! `T | null`; string-literal unions; index signatures `{ [key: string]: T }`, never `Record` or
//! mapped types (which it turns into `any`); and property keys that are plain identifiers (a
//! quoted key comes out of it as `undefined`). [`Type`] is implemented here for the standard
//! types and by `#[derive(gzrs_class::Type)]` for the user's, following their serde attributes.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::rc::Rc;
use std::sync::Arc;

/// The TypeScript declarations a class's types need, in the order they were first used.
#[derive(Debug, Default)]
pub struct Declarations {
    order: Vec<String>,
    bodies: HashMap<String, Option<String>>,
    recursive: Vec<String>,
}

impl Declarations {
    /// Starts declaring `name`: false when it is declared already or being declared (a type
    /// that refers to itself), so each is declared once.
    pub fn begin(&mut self, name: &str) -> bool {
        if let Some(body) = self.bodies.get(name) {
            if body.is_none() && !self.recursive.iter().any(|r| r == name) {
                self.recursive.push(name.to_owned());
            }
            return false;
        }
        self.order.push(name.to_owned());
        self.bodies.insert(name.to_owned(), None);
        true
    }

    /// Completes `name`'s declaration: `body` is the type it aliases.
    pub fn finish(&mut self, name: &str, body: String) {
        self.bodies.insert(name.to_owned(), Some(body));
    }

    /// `export type Name = body;`, one per line, in order of first use.
    pub fn to_typescript(&self) -> String {
        let mut out = String::new();
        for name in &self.order {
            if let Some(Some(body)) = self.bodies.get(name) {
                out.push_str(&format!("export type {name} = {body};\n"));
            }
        }
        out
    }

    /// The types that refer to themselves, which Genezio's SDK generator cannot read (it
    /// recurses until its stack runs out): `gzrs build` refuses a class that uses one.
    pub fn recursive(&self) -> &[String] {
        &self.recursive
    }

    /// The names declared, in order.
    pub fn names(&self) -> &[String] {
        &self.order
    }
}

/// A type a method of a Genezio class may take or return: how it is written in TypeScript.
#[diagnostic::on_unimplemented(
    message = "gzrs cannot write `{Self}` as a TypeScript type for Genezio's SDK",
    label = "a parameter or result of a method of the class",
    note = "derive it beside its serde derives: `#[derive(Serialize, Deserialize, gzrs_class::Type)]`; tuples, generic types and types without serde's data model (raw pointers, functions) cannot be declared"
)]
pub trait Type {
    /// The type as a signature uses it: `number`, `Array<Note>`, `Note | null`.
    fn ts() -> String;
    /// Declares the named types it uses (itself included, if it is named).
    fn declare(_: &mut Declarations) {}
}

macro_rules! simple {
    ($ts:literal: $($ty:ty),*) => {
        $(impl Type for $ty {
            fn ts() -> String {
                $ts.to_owned()
            }
        })*
    };
}

// Integers beyond 2^53 arrive as Genezio's `bigint` (see `to_wire`); below, as numbers.
simple!("number": u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64);
simple!("boolean": bool);
simple!("string": String, str, char);
simple!("null": ());
simple!("any": serde_json::Value);

macro_rules! wrapper {
    ($($ty:ident),*) => {
        $(impl<T: Type + ?Sized> Type for $ty<T> {
            fn ts() -> String {
                T::ts()
            }
            fn declare(d: &mut Declarations) {
                T::declare(d)
            }
        })*
    };
}

wrapper!(Box, Rc, Arc);

impl<T: Type + ?Sized> Type for &T {
    fn ts() -> String {
        T::ts()
    }
    fn declare(d: &mut Declarations) {
        T::declare(d)
    }
}

impl<T: Type + ToOwned + ?Sized> Type for Cow<'_, T> {
    fn ts() -> String {
        T::ts()
    }
    fn declare(d: &mut Declarations) {
        T::declare(d)
    }
}

impl<T: Type> Type for Option<T> {
    fn ts() -> String {
        format!("{} | null", T::ts())
    }
    fn declare(d: &mut Declarations) {
        T::declare(d)
    }
}

macro_rules! sequence {
    ($($ty:ident),*) => {
        $(impl<T: Type> Type for $ty<T> {
            fn ts() -> String {
                format!("Array<{}>", T::ts())
            }
            fn declare(d: &mut Declarations) {
                T::declare(d)
            }
        })*
    };
}

sequence!(Vec, VecDeque, BTreeSet);

impl<T: Type> Type for [T] {
    fn ts() -> String {
        format!("Array<{}>", T::ts())
    }
    fn declare(d: &mut Declarations) {
        T::declare(d)
    }
}

impl<T: Type, S> Type for HashSet<T, S> {
    fn ts() -> String {
        format!("Array<{}>", T::ts())
    }
    fn declare(d: &mut Declarations) {
        T::declare(d)
    }
}

/// Types serde writes as a JSON object's keys: strings, and integers (as their text).
pub trait MapKey {}
impl MapKey for String {}
impl MapKey for &str {}
impl MapKey for char {}
macro_rules! map_keys {
    ($($ty:ty),*) => { $(impl MapKey for $ty {})* };
}
map_keys!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);

impl<K: MapKey, V: Type, S> Type for HashMap<K, V, S> {
    fn ts() -> String {
        format!("{{ [key: string]: {} }}", V::ts())
    }
    fn declare(d: &mut Declarations) {
        V::declare(d)
    }
}

impl<K: MapKey, V: Type> Type for BTreeMap<K, V> {
    fn ts() -> String {
        format!("{{ [key: string]: {} }}", V::ts())
    }
    fn declare(d: &mut Declarations) {
        V::declare(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_types_in_genezios_subset() {
        assert_eq!(<Vec<Option<u32>>>::ts(), "Array<number | null>");
        assert_eq!(
            <HashMap<String, Vec<bool>>>::ts(),
            "{ [key: string]: Array<boolean> }"
        );
        assert_eq!(<BTreeMap<u64, String>>::ts(), "{ [key: string]: string }");
        assert_eq!(<Box<Option<Arc<str>>>>::ts(), "string | null");
        assert_eq!(<()>::ts(), "null");
    }

    #[test]
    fn each_declaration_once_in_order_of_first_use() {
        let mut d = Declarations::default();
        assert!(d.begin("A"));
        assert!(!d.begin("A"), "a type that refers to itself stops here");
        assert_eq!(d.recursive(), ["A"]);
        assert!(d.begin("B"));
        d.finish("B", "string".into());
        d.finish("A", "{ b: B }".into());
        assert_eq!(
            d.to_typescript(),
            "export type A = { b: B };\nexport type B = string;\n"
        );
    }
}
