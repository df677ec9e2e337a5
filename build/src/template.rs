//! The one way gzrs fills what it writes into an output: a file with named slots
//! (`{{ class }}`, `{% if http %}...{% endif %}`), rendered by minijinja. Every slot a template
//! names must be given: a missing one is an error, never an empty string in a shipped file.

use std::sync::OnceLock;

pub use minijinja::context;
use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use crate::embedded::FILES;

/// An environment with gzrs's settings.
fn configured() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Files are written as they are: no HTML escaping, their last newline kept, and a line
    // holding only `{% if %}` or `{% endif %}` leaves nothing behind.
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_syntax(
        SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .expect("the default delimiters"),
    );
    env
}

/// The manifest's templates, parsed once.
fn environment() -> &'static Environment<'static> {
    static ENVIRONMENT: OnceLock<Environment<'static>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut env = configured();
        for file in FILES {
            env.add_template(file.path, file.source)
                .unwrap_or_else(|e| panic!("the template {} does not parse: {e:#}", file.path));
        }
        env
    })
}

/// Renders the template at `path` (as the manifest in `js_host` names it) with `slots`
/// (`minijinja::context! { class => "Notes", http => true }`).
pub fn render(path: &str, slots: Value) -> String {
    let template = environment()
        .get_template(path)
        .unwrap_or_else(|_| panic!("no template {path} in the manifest"));
    template
        .render(slots)
        .unwrap_or_else(|e| panic!("the template {path} was given the wrong slots: {e:#}"))
}

/// Renders `source`, a template of another crate's (named `name` in errors), the same way.
pub fn render_source(name: &str, source: &str, slots: Value) -> String {
    configured()
        .render_named_str(name, source, slots)
        .unwrap_or_else(|e| panic!("the template {name} was given the wrong slots: {e:#}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        for file in FILES {
            assert!(
                environment().get_template(file.path).is_ok(),
                "{}",
                file.path
            );
        }
    }

    #[test]
    fn a_missing_slot_is_an_error_not_an_empty_string() {
        let env = configured();
        assert!(env.render_str("name = {{ name }}", context! {}).is_err());
        assert_eq!(
            env.render_str("name = {{ name }}\n", context! { name => "x" })
                .unwrap(),
            "name = x\n"
        );
    }
}
