// A Rust service's fetch handler against its JavaScript twin, in-process, per request: each
// route's answer is first checked byte for byte (status, content type, body), then both handlers
// take turns, in batches, after a warm-up by time (V8 tiers code up on background threads).
//
// Usage (a `gzrs build --platform web` output, and a twin: `export default { fetch }`):
//   node       bench/js/twin.mjs BUILD_DIR TWIN.mjs ROUTE...
//   deno run -A bench/js/twin.mjs BUILD_DIR TWIN.mjs ROUTE...
//   bun        bench/js/twin.mjs BUILD_DIR TWIN.mjs ROUTE...
// A ROUTE is `/path`, `GET /path`, or `POST /path @body.json`. For instance, for examples/compute:
//   node bench/js/twin.mjs OUT examples/compute/twin.mjs /sieve /sort \
//     "POST /summary @examples/compute/order-500.json" /table
// Prints, per route, the median over 9 batches of the microseconds per request of each, and the
// ratio Rust / JavaScript (below 1: Rust is faster). With `--check` first, only the answers are
// compared (exit 1 if one differs).
const given = globalThis.Deno ? Deno.args : process.argv.slice(2);
const checkOnly = given[0] === "--check";
const [build, twinPath, ...specs] = checkOnly ? given.slice(1) : given;
if (!twinPath || specs.length === 0) {
  console.error("usage: twin.mjs BUILD_DIR TWIN.mjs ROUTE...");
  (globalThis.Deno ?? process).exit(2);
}
const { readFile } = await import("node:fs/promises");
const { pathToFileURL } = await import("node:url");
const { resolve } = await import("node:path");
const rust = (await import(pathToFileURL(resolve(build, "handler.mjs")).href)).default;
const twin = (await import(pathToFileURL(resolve(twinPath)).href)).default;

const routes = [];
for (const spec of specs) {
  const [first, second, third] = spec.trim().split(/\s+/);
  const [method, path, bodyFile] = first.startsWith("/") ? ["GET", first, second] : [first.toUpperCase(), second, third];
  const body = bodyFile ? await readFile(bodyFile.replace(/^@/, "")) : undefined;
  routes.push({ label: `${method} ${path}`, method, path, body });
}

const request = (route) =>
  new Request(`http://localhost${route.path}`, {
    method: route.method,
    body: route.body,
    headers: route.body ? { "content-type": "application/json" } : {},
  });

async function answer(handler, route) {
  const response = await handler.fetch(request(route), {}, { waitUntil() {}, passThroughOnException() {} });
  return { status: response.status, type: response.headers.get("content-type"), body: new Uint8Array(await response.arrayBuffer()) };
}

async function batch(handler, route, n) {
  const started = performance.now();
  for (let i = 0; i < n; i++) await answer(handler, route);
  return ((performance.now() - started) * 1000) / n;
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
if (!checkOnly) console.log("route                      rust us   javascript us   rust / javascript");
for (const route of routes) {
  const [a, b] = [await answer(rust, route), await answer(twin, route)];
  const same = a.status === b.status && a.type === b.type && a.body.length === b.body.length && a.body.every((x, i) => x === b.body[i]);
  if (!same) {
    const text = (x) => new TextDecoder().decode(x.body.slice(0, 300));
    throw new Error(`${route.label}: the answers differ\nrust:       ${a.status} ${a.type} ${text(a)}\njavascript: ${b.status} ${b.type} ${text(b)}`);
  }
  if (checkOnly) {
    console.log(`${route.label}: the same ${a.body.length} bytes`);
    continue;
  }
  // Warm-up by time, and a batch size that takes about 20 ms.
  for (const handler of [rust, twin]) {
    const until = performance.now() + 1500;
    while (performance.now() < until) await answer(handler, route);
  }
  const perRequest = await batch(twin, route, 10);
  const size = Math.max(5, Math.round(20000 / perRequest));
  const times = { rust: [], twin: [] };
  for (let round = 0; round < 9; round++) {
    times.rust.push(await batch(rust, route, size));
    times.twin.push(await batch(twin, route, size));
  }
  const [r, j] = [median(times.rust), median(times.twin)];
  console.log(`${route.label.padEnd(26)} ${r.toFixed(1).padStart(8)} ${j.toFixed(1).padStart(15)} ${(r / j).toFixed(2).padStart(19)}`);
}
