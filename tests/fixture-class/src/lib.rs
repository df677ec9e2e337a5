//! The typed-methods fixture: a class whose methods cover each shape a call and its answer can
//! take (integers past 2^53, enums, options, maps, errors, panics, async, nothing), a cron job,
//! and an HTTP side that reads nothing of the class.

use std::cell::Cell;
use std::collections::BTreeMap;

use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, gzrs_class::Type)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Shape {
    Circle { radius: f64 },
    Square { side: f64 },
    Point,
}

#[derive(Debug, Clone, Serialize, Deserialize, gzrs_class::Type)]
#[serde(rename_all = "camelCase")]
pub struct Measured {
    pub shape: Shape,
    pub area: f64,
    pub label_by_unit: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
pub struct Typed {
    ticks: Cell<u32>,
}

#[gzrs_class::methods]
impl Typed {
    /// Integers past 2^53 travel as `{"$bigint": "..."}` both ways.
    pub fn double(&self, n: u64) -> u64 {
        n.wrapping_mul(2)
    }

    pub fn negate(&self, n: i64) -> i64 {
        -n
    }

    pub fn measure(&self, shape: Shape, unit: Option<String>) -> Measured {
        let area = match &shape {
            Shape::Circle { radius } => std::f64::consts::PI * radius * radius,
            Shape::Square { side } => side * side,
            Shape::Point => 0.0,
        };
        let unit = unit.unwrap_or_else(|| "m".into());
        Measured {
            label_by_unit: BTreeMap::from([(unit.clone(), format!("{area:.2} {unit}²"))]),
            shape,
            area,
        }
    }

    pub async fn divide(&self, a: i32, b: i32) -> Result<i32, String> {
        a.checked_div(b)
            .ok_or_else(|| format!("cannot divide {a} by {b}"))
    }

    pub fn explode(&self, message: String) -> u32 {
        panic!("{message}")
    }

    pub fn ticks(&self) -> u32 {
        self.ticks.get()
    }

    pub fn nothing(&self, _ignored: Vec<bool>) {}

    #[cron("*/5 * * * *")]
    pub async fn tick(&self) {
        self.ticks.set(self.ticks.get() + 1);
    }
}

pub fn app() -> Router {
    Router::new().route("/hello", get(|| async { "typed hello" }))
}
