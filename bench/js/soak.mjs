// The soak: N requests through one wasm instance or one sidecar, 10 in flight, the fixture
// service's routes mixed with panics, requests over gzrs's limits and malformed ones. After a
// warm-up it takes a baseline, sends N requests in two halves, lets everything settle after
// each, and compares: Node's RSS, its open file descriptors, the host's and the instance's
// tables (wasm), the executable's RSS and descriptors (sidecar). Exits 1 if a table is not back
// to zero, a descriptor was leaked, or memory grew in the second half past the allowance;
// prints one JSON line of figures either way.
//
// Usage: node --expose-gc soak.mjs wasm|native PROJECT_DIR [REQUESTS]
//   PROJECT_DIR: a `gzrs build` output of tests/fixture-app in that mode (scripts/soak.sh).
//   SOAK_DEBUG=1 logs each request that another request's panic ended (wasm).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [mode, project, requestsArg] = process.argv.slice(2);
const REQUESTS = Number(requestsArg ?? 100_000);
const IN_FLIGHT = 10;
const WARM_UP = 10_000;
// RSS may wander by what V8 and the allocators keep around; a leak of even 100 bytes a request
// is 10 MB over 100,000.
const RSS_ALLOWANCE = 8 << 20;
if (!["wasm", "native"].includes(mode) || !project) {
  console.error("usage: node --expose-gc soak.mjs wasm|native PROJECT_DIR [REQUESTS]");
  process.exit(2);
}
if (!global.gc) throw new Error("run with node --expose-gc");
delete process.env.AWS_LAMBDA_RUNTIME_API; // the sidecar, never the trap

const server = path.resolve(project, "server");
const classFile = readdirSync(server).find((f) => f.endsWith(".ts"));
const classSource = readFileSync(path.join(server, classFile), "utf8");
const classUrl = pathToFileURL(path.join(server, classFile)).href;

let host;
if (mode === "wasm") {
  const { WasmHost } = await import(pathToFileURL(path.join(server, "gzrs/wasm-host.mjs")).href);
  const wasmPath = classSource.match(/WasmHost\.load\(import\.meta\.url, "([^"]+)"\)/)[1];
  host = WasmHost.load(classUrl, wasmPath);
  await host.whenReady();
} else {
  const { startNative } = await import(pathToFileURL(path.join(server, "gzrs/native-host.mjs")).href);
  // The executables the class records, as written in its constructor.
  const recorded = classSource.match(/startNative\(import\.meta\.url, (\{[\s\S]*?\n    \})\);/)[1];
  host = startNative(classUrl, new Function(`return ${recorded}`)());
}

const all = Buffer.from([...Array(256).keys()]);
const json = JSON.stringify({ z: 1, a: [true, null, 2.5, "x"], nested: { é: "ü ✓" } });
const request = (method, route, { headers = {}, query, body } = {}) => {
  const binary = Buffer.isBuffer(body);
  return {
    http: { method, path: `/Fixture/api${route}`, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "soak" },
    headers: { host: "localhost", ...headers },
    queryStringParameters: query,
    timeEpoch: Date.now(),
    body,
    rawBody: body === undefined ? undefined : binary ? body.toString("base64") : body,
  };
};
const manyHeaders = Object.fromEntries([...Array(101).keys()].map((i) => [`x-h${i}`, "v"]));
// [weight, request, the status it must get]
const mix = [
  [20, () => request("GET", "/"), 200],
  [10, () => request("GET", "/users/7/posts/abc"), 200],
  [10, () => request("GET", "/query", { query: { name: "ferris", x: ["1", "2"] } }), 200],
  [10, () => request("POST", "/echo/json", { headers: { "content-type": "application/json" }, body: json }), 200],
  [10, () => request("POST", "/echo/text", { headers: { "content-type": "text/plain" }, body: "plain ✓" }), 200],
  [10, () => request("POST", "/echo/binary", { headers: { "content-type": "application/octet-stream" }, body: all }), 200],
  [5, () => request("GET", "/big/65536"), 200],
  [5, () => request("GET", "/headers", { headers: { "x-echo": "echo me" } }), 200],
  [5, () => request("GET", "/cookies"), 200],
  [5, () => request("GET", "/yield/3"), 200],
  [3, () => request("GET", "/status/404"), 404],
  [2, () => request("GET", "/no/such/route"), 404],
  [1, () => request("GET", "/panic"), 500],
  [1, () => request("GET", "/headers", { headers: { "x-big": "v".repeat(8192) } }), 431],
  [1, () => request("GET", "/headers", { headers: manyHeaders }), 431],
  [1, () => request("GET", "/query", { query: { q: "a".repeat(9000) } }), 400],
  [1, () => request("G ET", "/"), 400],
];
const weights = mix.reduce((sum, [w]) => sum + w, 0);
// A fixed sequence (a linear congruential generator), so every run sends the same mix.
let seed = 1;
const next = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  let pick = (seed >>> 12) % weights; // the low bits of this generator repeat quickly
  for (const entry of mix) {
    pick -= entry[0];
    if (pick < 0) return entry;
  }
  return mix[0];
};

const tally = new Map();
let collateral = 0;
async function send(count) {
  let sent = 0;
  const failures = [];
  const worker = async () => {
    while (sent < count) {
      sent++;
      const [, make, expected] = next();
      const req = make();
      const answer = await host.handle(req);
      const status = Number(answer.statusCode);
      tally.set(status, (tally.get(status) ?? 0) + 1);
      // A panic in wasm ends the instance it ran on (wasm32 cannot unwind), and with it the
      // requests still pending there: each answers 500 with the panic's message.
      if (mode === "wasm" && status === 500 && expected !== 500 && /panicked/.test(answer.body)) {
        collateral++;
        if (process.env.SOAK_DEBUG) console.error(`collateral ${req.http.method} ${req.http.path}`);
        continue;
      }
      if (status !== expected && failures.length < 5) {
        failures.push(`${req.http.method} ${req.http.path}: expected ${expected}, got ${status} ${String(answer.body).slice(0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  if (failures.length) throw new Error(`wrong answers:\n${failures.join("\n")}`);
}

const fds = (pid = "self") => readdirSync(`/proc/${pid}/fd`).length;
const rssOf = (pid) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]) * 1024;
async function settle() {
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
function snapshot() {
  const { rss, heapTotal, heapUsed, external } = process.memoryUsage();
  const figures = { rss, heapTotal, heapUsed, external, fds: fds() };
  if (mode === "wasm") Object.assign(figures, host.tables);
  else Object.assign(figures, { inFlight: host.inFlight, serviceRss: rssOf(host.pid), serviceFds: fds(host.pid), servicePid: host.pid });
  return figures;
}

await send(WARM_UP);
tally.clear();
collateral = 0;
await settle();
const before = snapshot();
const started = process.hrtime.bigint();
await send(REQUESTS / 2);
await settle();
const half = snapshot();
await send(REQUESTS - REQUESTS / 2);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await settle();
const after = snapshot();

const problems = [];
const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;
// Memory is compared between the half-way point and the end: by then V8 and the allocators have
// grown their pools to the load's working size, which they keep (the first half shows that
// growth); what grows in the second half grows with the number of requests.
if (after.rss > half.rss + RSS_ALLOWANCE) problems.push(`Node's RSS grew from ${mb(half.rss)} half-way to ${mb(after.rss)}`);
if (after.fds !== before.fds) problems.push(`Node's open descriptors went from ${before.fds} to ${after.fds}`);
if (mode === "wasm") {
  for (const table of ["pending", "instanceTasks", "scheduled", "hostCalls"]) {
    if (after[table] !== 0) problems.push(`${table} holds ${after[table]} after the soak`);
  }
  if (after.memoryBytes > half.memoryBytes + RSS_ALLOWANCE) problems.push(`the instance's memory grew from ${mb(half.memoryBytes)} half-way to ${mb(after.memoryBytes)}`);
} else {
  if (after.servicePid !== before.servicePid) problems.push(`the executable restarted (pid ${before.servicePid} -> ${after.servicePid})`);
  if (after.inFlight !== 0) problems.push(`${after.inFlight} requests still in flight`);
  if (after.serviceRss > half.serviceRss + RSS_ALLOWANCE) problems.push(`the executable's RSS grew from ${mb(half.serviceRss)} half-way to ${mb(after.serviceRss)}`);
  if (after.serviceFds !== before.serviceFds) problems.push(`the executable's open descriptors went from ${before.serviceFds} to ${after.serviceFds}`);
}
const report = {
  mode,
  requests: REQUESTS,
  inFlight: IN_FLIGHT,
  seconds: Number(seconds.toFixed(1)),
  requestsPerSecond: Math.round(REQUESTS / seconds),
  statuses: Object.fromEntries([...tally].sort((a, b) => a[0] - b[0])),
  // wasm: requests pending on an instance when another request's panic ended it.
  endedByAnotherPanic: collateral,
  // wasm: instances re-created after a panic; native: executable restarts (none expected).
  restarts: mode === "wasm" ? host.resets : host.starts - 1,
  before,
  half,
  after,
  problems,
};
console.log(JSON.stringify(report));
if (mode === "native") process.kill(host.pid, "SIGKILL");
process.exit(problems.length ? 1 : 0);
