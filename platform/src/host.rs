//! The Node host's side of the platform (js-host/wasm-host.mjs installs `__gzrs_host`).

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `process.env[name]`.
    #[wasm_bindgen(js_namespace = __gzrs_host, js_name = env)]
    pub fn env(name: &str) -> Option<String>;
    /// `performance.now()`: milliseconds on a monotonic clock.
    #[wasm_bindgen(js_namespace = __gzrs_host, js_name = monotonicMs)]
    pub fn monotonic_ms() -> f64;
    /// `Date.now()`.
    #[wasm_bindgen(js_namespace = __gzrs_host, js_name = wallClockMs)]
    pub fn wall_clock_ms() -> f64;
    /// A promise resolved after `ms` milliseconds (`setTimeout`).
    #[wasm_bindgen(js_namespace = __gzrs_host, js_name = sleep)]
    pub fn sleep(ms: f64) -> js_sys::Promise;
    /// `fetch`: resolves with a [`FetchReply`], rejects with an `Error` that says why.
    #[wasm_bindgen(js_namespace = __gzrs_host, js_name = fetch)]
    pub fn fetch(method: &str, url: &str, headers: &str, body: Option<Vec<u8>>) -> js_sys::Promise;

    /// A log line to the console at `level` (1 error .. 5 trace).
    #[wasm_bindgen(js_namespace = __gzrs_host, js_name = log)]
    pub fn log(level: u8, line: &str);

    /// What `fetch` resolves with.
    pub type FetchReply;
    #[wasm_bindgen(method, getter)]
    pub fn status(this: &FetchReply) -> u16;
    /// The headers as JSON: `[[name, value], ...]`, repeated names kept apart.
    #[wasm_bindgen(method, getter)]
    pub fn headers(this: &FetchReply) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn body(this: &FetchReply) -> Vec<u8>;
}
