//! # gzrs-class
//!
//! Typed Genezio methods in Rust. Genezio's headline feature is typesafe RPC: each public method
//! of a class becomes a JSON-RPC method, and `genezio sdk` writes a typed client for it. With
//! this crate a Rust type is such a class:
//!
//! ```
//! use std::cell::RefCell;
//!
//! #[derive(Default)]
//! pub struct Counter {
//!     count: RefCell<u64>,
//! }
//!
//! #[gzrs_class::methods]
//! impl Counter {
//!     /// Adds `by` and answers the new count.
//!     pub fn add(&self, by: u64) -> u64 {
//!         *self.count.borrow_mut() += by;
//!         *self.count.borrow()
//!     }
//!
//!     /// Fails when the count is zero: the client gets the error's `Display` as its message.
//!     pub async fn halve(&self) -> Result<u64, String> {
//!         let mut count = self.count.borrow_mut();
//!         if *count == 0 {
//!             return Err("nothing to halve".into());
//!         }
//!         *count /= 2;
//!         Ok(*count)
//!     }
//!
//!     /// Runs at 03:00 every day, when Genezio's cron event arrives.
//!     #[cron("0 3 * * *")]
//!     pub fn reset(&self) {
//!         *self.count.borrow_mut() = 0;
//!     }
//! }
//! ```
//!
//! `#[methods]` makes every `pub fn` of the block that takes `&self` a method of the class
//! (sync or `async`; returning a value, `()`, or a `Result` whose error is `Display`), with
//! `serde` types for parameters and results; other functions in the block stay plain Rust.
//! It implements [`Class`]: [`Class::METHODS`] describes the methods (what `gzrs build` writes
//! the typed class from), and [`Class::call`] runs one from its JSON arguments, answering its
//! result as JSON text ([`Json`], the fields in serde's order) or a [`CallError`] whose message
//! the client sees. Arguments follow JavaScript's rules, as Genezio's own classes do: extra ones
//! are ignored, missing ones are `null` (only an `Option` accepts it).
//!
//! With the `serve` feature (turned on by `gzrs build` in the entries it generates, never needed
//! by the user's crate), [`serve::serve`] puts the class beside the crate's HTTP service as one
//! `tower::Service`, so a call travels every mode's path as an HTTP request does.
//!
//! Parameter and result types are declared in TypeScript for Genezio's SDK by [`Type`]:
//! implemented for the standard types (numbers, `bool`, `String`, `Option`, `Vec`, maps with
//! string or integer keys as index signatures, `Box`...) and derived for the user's with
//! `#[derive(gzrs_class::Type)]` beside serde's derives, following serde's attributes (`rename`,
//! `rename_all`, `tag`, `content`, `untagged`, `transparent`, `skip`). A type it cannot write is
//! a compile error that names it. [`Class::signatures`] gives the methods' TypeScript signatures
//! and the declarations they need; a type that refers to itself is reported
//! ([`Declarations::recursive`]), since Genezio's generator cannot read one.
//!
//! Integers travel as Genezio's do: a JavaScript number cannot hold an integer beyond 2^53, so
//! results carry those as `{"$bigint": "<digits>"}`, and arguments may ([`to_wire`],
//! [`from_wire`]).

use std::fmt::{self, Display};
use std::future::Future;
use std::pin::Pin;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

#[cfg(feature = "serve")]
pub mod serve;
mod ts;

pub use gzrs_class_macros::{methods, Type};
#[doc(hidden)]
pub use serde_json;
pub use ts::{Declarations, MapKey, Type};

/// A method call under way: its JSON result, or the error the client gets.
pub type CallFuture<'a> = Pin<Box<dyn Future<Output = Result<Json, CallError>> + 'a>>;

/// A Genezio class written in Rust; implemented by [`methods`].
pub trait Class: 'static {
    /// The class's name, as Genezio and the SDK call it.
    const NAME: &'static str;
    /// Its methods, in the order they are written.
    const METHODS: &'static [Method];

    /// Its methods' TypeScript signatures, declaring into `declarations` every named type they
    /// use: what `gzrs build` writes the typed class from.
    fn signatures(declarations: &mut Declarations) -> Vec<Signature>;

    /// Runs the method `method` with the call's arguments, in order (JSON-RPC's `params`).
    fn call<'a>(&'a self, method: &'a str, params: Vec<Value>) -> CallFuture<'a>;
}

/// One method of a class, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Method {
    pub name: &'static str,
    pub params: &'static [Param],
    /// The Rust type of its result (`()` when it returns nothing), as written.
    pub result: &'static str,
    /// Whether it answers nothing (`()` or `Result<(), E>`): a JavaScript method's `undefined`,
    /// which Genezio leaves out of the JSON-RPC answer.
    pub returns_nothing: bool,
    pub kind: MethodKind,
    pub is_async: bool,
}

/// A method's TypeScript signature: each parameter's name and type, and the result's type
/// (`void` for `()`; a `Result`'s `Ok` type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: &'static str,
    pub params: Vec<(&'static str, String)>,
    pub result: String,
}

/// One parameter of a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    /// Its Rust type, as written.
    pub rust_type: &'static str,
}

/// How Genezio calls a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodKind {
    /// A JSON-RPC call from the SDK.
    Rpc,
    /// A cron job: called with no arguments when the schedule (a cron expression) fires.
    Cron(&'static str),
}

/// Why a call failed: the message is what the client's SDK throws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    pub message: String,
}

impl CallError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The error for a method the class does not have.
    pub fn no_method(class: &str, method: &str) -> Self {
        Self::new(format!("{class} has no method {method:?}"))
    }
}

impl Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CallError {}

/// A call's arguments, read in order by the code [`methods`] generates.
#[derive(Debug)]
pub struct Args {
    method: &'static str,
    names: &'static [&'static str],
    values: std::vec::IntoIter<Value>,
    next: usize,
}

impl Args {
    /// The arguments of `method` (`Class.method`, for messages), whose parameters are `names`.
    /// As in JavaScript, which Genezio's own classes are written in, arguments beyond the
    /// parameters are ignored, and missing ones are `null` (JavaScript's `undefined`), which
    /// only an `Option` accepts. (The TypeScript class gzrs generates drops extra arguments
    /// before they reach Rust in wasm and sidecar modes; the trap must answer the same.)
    pub fn new(
        method: &'static str,
        mut params: Vec<Value>,
        names: &'static [&'static str],
    ) -> Result<Self, CallError> {
        params.truncate(names.len());
        Ok(Self {
            method,
            names,
            values: params.into_iter(),
            next: 0,
        })
    }

    /// The next argument, as its parameter's type.
    pub fn take<T: DeserializeOwned>(&mut self) -> Result<T, CallError> {
        let name = self.names.get(self.next).copied().unwrap_or("?");
        self.next += 1;
        let value = from_wire(self.values.next().unwrap_or(Value::Null));
        serde_json::from_value(value)
            .map_err(|e| CallError::new(format!("argument `{name}` of {}: {e}", self.method)))
    }
}

/// A method's result as JSON text, in the field order serde writes (a `Value` would sort an
/// object's keys), with numbers as a JavaScript client reads them (see [`to_wire`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Json(String);

impl Json {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// The result as a `Value`, as it travels (`{"$bigint"}` included; keys sorted).
    pub fn to_value(&self) -> Value {
        serde_json::from_str(&self.0).expect("gzrs-class writes valid JSON")
    }
}

impl Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A method's plain result, as JSON.
pub fn ok<T: Serialize>(value: T) -> Result<Json, CallError> {
    serde_json::to_string(&value)
        .map(|text| Json(to_wire(&text)))
        .map_err(|e| CallError::new(format!("the result cannot be written as JSON: {e}")))
}

/// A method's `Result`, as JSON or as the error's `Display`.
pub fn from_result<T: Serialize, E: Display>(result: Result<T, E>) -> Result<Json, CallError> {
    match result {
        Ok(value) => ok(value),
        Err(error) => Err(CallError::new(error.to_string())),
    }
}

/// The largest integer a JavaScript number holds exactly.
const JS_SAFE: u64 = (1 << 53) - 1;

/// JSON text for a JavaScript client, as `JSON.stringify` would have written it on Genezio's
/// side: an integer beyond 2^53 becomes `{"$bigint":"<digits>"}`, which Genezio's SDK turns
/// into a `bigint`, and an integral float is written as an integer (`2.0` as `2`). Strings
/// and everything else are left as they are, in order.
pub fn to_wire(json: &str) -> String {
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len());
    let (mut at, mut copied) = (0, 0);
    while at < bytes.len() {
        match bytes[at] {
            b'"' => {
                at += 1;
                while at < bytes.len() {
                    match bytes[at] {
                        b'\\' => at += 2,
                        b'"' => {
                            at += 1;
                            break;
                        }
                        _ => at += 1,
                    }
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = at;
                while at < bytes.len()
                    && matches!(bytes[at], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    at += 1;
                }
                if let Some(number) = wire_number(&json[start..at]) {
                    out.push_str(&json[copied..start]);
                    out.push_str(&number);
                    copied = at;
                }
            }
            _ => at += 1,
        }
    }
    out.push_str(&json[copied..]);
    out
}

/// A number token rewritten for JavaScript, or `None` to leave it as it is.
fn wire_number(token: &str) -> Option<String> {
    if token.contains(['.', 'e', 'E']) {
        let float: f64 = token.parse().ok()?;
        (float.fract() == 0.0 && float.abs() <= JS_SAFE as f64).then(|| (float as i64).to_string())
    } else {
        let beyond = token
            .parse::<i128>()
            .map_or(true, |n| n.unsigned_abs() > u128::from(JS_SAFE));
        beyond.then(|| format!("{{\"$bigint\":\"{token}\"}}"))
    }
}

/// JSON from a JavaScript client: `{"$bigint": "<digits>"}` (a `bigint` argument) becomes the
/// integer it holds.
pub fn from_wire(value: Value) -> Value {
    match value {
        Value::Object(map) if map.len() == 1 && map.contains_key("$bigint") => {
            match map.get("$bigint").and_then(Value::as_str) {
                Some(digits) => digits
                    .parse::<i64>()
                    .map(Value::from)
                    .or_else(|_| digits.parse::<u64>().map(Value::from))
                    .unwrap_or_else(|_| Value::Object(map.clone())),
                None => Value::Object(map),
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(from_wire).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, from_wire(v))).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_beyond_2_pow_53_travel_as_bigint_objects_both_ways() {
        let big = (1u64 << 53) + 1;
        let value =
            json!({"a": [big, 7], "n": -(1i64 << 60), "s": JS_SAFE, "t": "12345678901234567890"});
        let wire: Value = serde_json::from_str(&to_wire(&value.to_string())).unwrap();
        assert_eq!(
            wire,
            json!({"a": [{"$bigint": big.to_string()}, 7], "n": {"$bigint": (-(1i64 << 60)).to_string()}, "s": JS_SAFE, "t": "12345678901234567890"})
        );
        assert_eq!(from_wire(wire), value);
        // Field order is serde's, not sorted; strings with quotes and digits are left alone.
        #[derive(Serialize)]
        struct Note {
            title: &'static str,
            id: u64,
        }
        let text = ok(Note {
            title: "a \"9007199254740993\" \\",
            id: big,
        })
        .unwrap();
        assert_eq!(
            text.as_str(),
            r#"{"title":"a \"9007199254740993\" \\","id":{"$bigint":"9007199254740993"}}"#
        );
        // Integral floats as JavaScript writes them; others as they are.
        assert_eq!(
            to_wire("[0.0,-0.0,2.0,2.5,1e300,-1.5e3]"),
            "[0,0,2,2.5,1e300,-1500]"
        );
        // An object that merely has the key among others is left alone.
        let other = json!({"$bigint": "1", "x": 2});
        assert_eq!(from_wire(other.clone()), other);
    }

    #[test]
    fn arguments_are_read_in_order_with_clear_errors() {
        const NAMES: &[&str] = &["title", "tags"];
        let mut args = Args::new("Notes.add", vec![json!("a"), json!(["x"])], NAMES).unwrap();
        assert_eq!(args.take::<String>().unwrap(), "a");
        assert_eq!(args.take::<Vec<String>>().unwrap(), ["x"]);

        let mut args = Args::new("Notes.add", vec![json!(7)], NAMES).unwrap();
        let error = args.take::<String>().unwrap_err();
        assert!(
            error
                .message
                .starts_with("argument `title` of Notes.add: invalid type"),
            "{error}"
        );
        // A missing argument is null: an Option takes it, anything else says so.
        assert_eq!(args.take::<Option<Vec<String>>>().unwrap(), None);
        let mut args = Args::new("Notes.add", vec![json!("a")], NAMES).unwrap();
        args.take::<String>().unwrap();
        assert!(args
            .take::<Vec<String>>()
            .unwrap_err()
            .message
            .contains("`tags`"));

        // Extra arguments are ignored, as JavaScript ignores them.
        let mut args =
            Args::new("Notes.add", vec![json!("a"), json!([]), json!(3)], NAMES).unwrap();
        assert_eq!(args.take::<String>().unwrap(), "a");
        assert_eq!(args.take::<Vec<String>>().unwrap(), Vec::<String>::new());
        assert_eq!(args.take::<Option<u8>>().unwrap(), None);
    }
}
