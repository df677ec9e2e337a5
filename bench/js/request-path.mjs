// Times the wasm request path, JS request object in to JS response object out, for one route.
// Usage: node request-path.mjs PROJECT CLASS/METHOD ROUTE BODY_BYTES BATCHES BATCH_SIZE
// Prints the median over BATCHES of the nanoseconds per request in a batch of BATCH_SIZE
// sequential requests, after a warm-up. The Rust bench (wasm-adapter/benches) drives it and
// measures the native router the same way.
import path from "node:path";
import { pathToFileURL } from "node:url";
const [project, prefix, route, bodyBytes, batches, batchSize] = process.argv.slice(2);
const gzrsDir = path.join(project, "server", "gzrs");
const { WasmHost } = await import(pathToFileURL(path.join(gzrsDir, "wasm-host.mjs")).href);
const host = WasmHost.load(pathToFileURL(gzrsDir + "/").href, "./service.wasm");

const size = Number(bodyBytes);
const body = size > 0 ? "x".repeat(size) : undefined;
const req = {
  http: { method: size > 0 ? "POST" : "GET", path: `/${prefix}${route}`, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "bench" },
  headers: { host: "localhost", "user-agent": "bench", accept: "*/*", ...(size > 0 ? { "content-type": "text/plain" } : {}) },
  queryStringParameters: undefined,
  timeEpoch: 0,
  body,
  rawBody: body,
};

async function run(n) {
  let last;
  for (let i = 0; i < n; i++) last = await host.handle(req);
  if (last.statusCode !== 200) throw new Error(`unexpected answer ${JSON.stringify(last).slice(0, 200)}`);
}

// Warm-up by time, not count: V8 tiers wasm up to optimized code on background threads, which
// on a loaded two-core machine can take a while after the first calls.
const warmUntil = Date.now() + 1000;
while (Date.now() < warmUntil) await run(500);
const perRequest = [];
for (let i = 0; i < Number(batches); i++) {
  const start = process.hrtime.bigint();
  await run(Number(batchSize));
  perRequest.push(Number(process.hrtime.bigint() - start) / Number(batchSize));
}
perRequest.sort((a, b) => a - b);
process.stdout.write(`${perRequest[Math.floor(perRequest.length / 2)]}\n`);
