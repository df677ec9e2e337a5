//! A service whose routes do work: a prime sieve, a sort, a JSON summary and an HTML table.
//! `twin.mjs` beside this crate is the same service written in JavaScript, answer for answer,
//! so `gzrs bench --twin` can say what Rust brings per request.

use std::fmt::Write;

use axum::{
    extract::Query,
    response::Html,
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};

pub fn app() -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { "compute: GET /sieve, GET /sort, POST /summary, GET /table" }),
        )
        .route(
            "/sieve",
            get(|Query(q): Query<Sieve>| async move { sieve(q.limit.unwrap_or(100_000) as usize) }),
        )
        .route(
            "/sort",
            get(|Query(q): Query<Sort>| async move {
                Json(sort(
                    q.count.unwrap_or(20_000) as usize,
                    q.seed.unwrap_or(1),
                ))
            }),
        )
        .route(
            "/summary",
            post(|Json(order): Json<Order>| async move { Json(summary(&order)) }),
        )
        .route(
            "/table",
            get(
                |Query(q): Query<Table>| async move { Html(table(q.rows.unwrap_or(300) as usize)) },
            ),
        )
}

#[derive(Deserialize)]
struct Sieve {
    limit: Option<u32>,
}

/// The primes below `limit` by Eratosthenes' sieve: how many, the largest, their sum.
fn sieve(limit: usize) -> String {
    let mut composite = vec![false; limit];
    let (mut count, mut largest, mut sum) = (0u64, 0usize, 0u64);
    for n in 2..limit {
        if composite[n] {
            continue;
        }
        count += 1;
        largest = n;
        sum += n as u64;
        let mut multiple = n * n;
        while multiple < limit {
            composite[multiple] = true;
            multiple += n;
        }
    }
    format!("primes below {limit}: {count}, the largest {largest}, their sum {sum}")
}

#[derive(Deserialize)]
struct Sort {
    count: Option<u32>,
    seed: Option<u32>,
}

#[derive(Serialize)]
struct Sorted {
    count: usize,
    min: u32,
    median: u32,
    max: u32,
    checksum: u32,
}

/// `count` pseudo-random integers (xorshift32 from `seed`), sorted.
fn sort(count: usize, seed: u32) -> Sorted {
    let mut state = seed.max(1);
    let mut numbers: Vec<u32> = (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        })
        .collect();
    numbers.sort_unstable();
    let checksum = numbers
        .iter()
        .fold(0u32, |sum, &n| sum.wrapping_mul(31).wrapping_add(n));
    Sorted {
        count,
        min: numbers.first().copied().unwrap_or(0),
        median: numbers.get(count / 2).copied().unwrap_or(0),
        max: numbers.last().copied().unwrap_or(0),
        checksum,
    }
}

#[derive(Deserialize)]
struct Order {
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    id: u64,
    name: String,
    category: String,
    price_cents: u64,
    quantity: u64,
}

#[derive(Serialize)]
struct Summary {
    items: usize,
    quantity: u64,
    total_cents: u64,
    categories: Vec<Category>,
    most_expensive: Option<Priciest>,
}

#[derive(Serialize)]
struct Category {
    name: String,
    items: usize,
    total_cents: u64,
}

#[derive(Serialize)]
struct Priciest {
    id: u64,
    name: String,
    price_cents: u64,
}

/// Totals of an order, per category (by name), and its most expensive item (the first of equals).
fn summary(order: &Order) -> Summary {
    let mut categories: Vec<Category> = Vec::new();
    let mut most_expensive: Option<&Item> = None;
    let (mut quantity, mut total_cents) = (0, 0);
    for item in &order.items {
        let cost = item.price_cents * item.quantity;
        quantity += item.quantity;
        total_cents += cost;
        match categories.iter_mut().find(|c| c.name == item.category) {
            Some(category) => {
                category.items += 1;
                category.total_cents += cost;
            }
            None => categories.push(Category {
                name: item.category.clone(),
                items: 1,
                total_cents: cost,
            }),
        }
        if most_expensive.is_none_or(|m| item.price_cents > m.price_cents) {
            most_expensive = Some(item);
        }
    }
    categories.sort_by(|a, b| a.name.cmp(&b.name));
    Summary {
        items: order.items.len(),
        quantity,
        total_cents,
        categories,
        most_expensive: most_expensive.map(|item| Priciest {
            id: item.id,
            name: item.name.clone(),
            price_cents: item.price_cents,
        }),
    }
}

#[derive(Deserialize)]
struct Table {
    rows: Option<u32>,
}

const NAMES: [&str; 6] = [
    "Ada",
    "Grace & Co",
    "<script>",
    "O'Neil",
    "\"Quoted\"",
    "Zoë",
];

/// An HTML table of `rows` people, every text escaped.
fn table(rows: usize) -> String {
    let mut html = String::with_capacity(rows * 96 + 128);
    html.push_str("<!doctype html><table><thead><tr><th>#</th><th>Name</th><th>Email</th><th>Score</th></tr></thead><tbody>");
    for i in 0..rows {
        let name = NAMES[i % NAMES.len()];
        let score = (i * 7919) % 1000;
        html.push_str("<tr><td>");
        let _ = write!(html, "{}", i + 1);
        html.push_str("</td><td>");
        escape(&mut html, name);
        html.push_str("</td><td>");
        escape(
            &mut html,
            &format!("{}.{i}@example.com", name.to_lowercase()),
        );
        let _ = write!(
            html,
            "</td><td class=\"{}\">{score}</td></tr>",
            if score >= 500 { "high" } else { "low" }
        );
    }
    html.push_str("</tbody></table>");
    html
}

fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}
