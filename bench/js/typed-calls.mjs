// The cost of a typed method call next to an HTTP request, each through genezio-cloud's own
// handler called in-process (no HTTP in front): per request, in microseconds, for each bundle.
// One fresh node process per bundle and round, rounds alternating between bundles; medians.
// Usage: node typed-calls.mjs REQUESTS ROUNDS BUNDLE_DIR...
//   (BUNDLE_DIRs: unzipped `genezio bundleClass --cloudAdapter genezio` bundles of
//   tests/fixture-class, e.g. target/gzrs-tests/typed/fixture-cloud-{wasm,native}/unzipped,
//   which `cargo test -p gzrs-tests --test typed_methods` leaves behind)
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [first, ...rest] = process.argv.slice(2);

if (first === "--child") {
  const [bundle, n] = [rest[0], Number(rest[1])];
  process.env.LAMBDA_TASK_ROOT = bundle;
  delete process.env.AWS_LAMBDA_RUNTIME_API;
  const { handler } = await import(pathToFileURL(path.join(bundle, "index.mjs")).href);
  const event = (pathname, method, body) => ({
    http: { method, path: pathname, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "bench" },
    url: new URL(`https://example.com${pathname}`),
    headers: { host: "example.com", "content-type": "application/json" },
    body,
    isBase64Encoded: false,
    requestTimestampMs: Date.now(),
  });
  const kinds = {
    http: () => event("/Typed/api/hello", "GET", undefined),
    call: () => event("/Typed", "POST", '{"jsonrpc":"2.0","method":"Typed.double","params":[21],"id":1}'),
  };
  const check = (answer, kind) => {
    const ok = kind === "http" ? answer.body === "typed hello" : JSON.parse(answer.body).result === 42;
    if (!ok) throw new Error(`${kind} answered ${answer.statusCode}: ${answer.body}`);
  };
  const warmUntil = Date.now() + 1000;
  while (Date.now() < warmUntil) {
    for (const kind of Object.keys(kinds)) check(await handler(kinds[kind](), {}), kind);
  }
  const result = {};
  for (const kind of Object.keys(kinds)) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) check(await handler(kinds[kind](), {}), kind);
    result[kind] = Number(process.hrtime.bigint() - started) / 1e3 / n;
  }
  console.log(`RESULT ${JSON.stringify(result)}`);
  process.exit(0);
}

const [requests, rounds, bundles] = [Number(first), Number(rest[0]), rest.slice(1)];
if (!requests || !rounds || bundles.length === 0) {
  console.error("usage: node typed-calls.mjs REQUESTS ROUNDS BUNDLE_DIR...");
  process.exit(2);
}
const me = fileURLToPath(import.meta.url);
const runs = new Map(bundles.map((b) => [b, []]));
for (let round = 0; round < rounds; round++) {
  for (const bundle of bundles) {
    const child = spawnSync(process.execPath, [me, "--child", bundle, String(requests)], { encoding: "utf8" });
    const line = child.stdout.split("\n").find((l) => l.startsWith("RESULT "));
    if (!line) throw new Error(`${bundle} failed:\n${child.stdout}\n${child.stderr}`);
    runs.get(bundle).push(JSON.parse(line.slice(7)));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`per request through genezio-cloud's handler, median of ${rounds} rounds of ${requests}:`);
for (const [bundle, results] of runs) {
  const http = median(results.map((r) => r.http));
  const call = median(results.map((r) => r.call));
  console.log(`  ${bundle}\n    HTTP GET /hello ${http.toFixed(1)} us, typed call double(21) ${call.toFixed(1)} us (${(call / http).toFixed(2)}x)`);
}
