// genezio-cloud's handler called in-process, no HTTP: the per-request cost each mode adds to
// Genezio's own path, and the first request (the class built inside it). One fresh node process
// per bundle and round, rounds alternating between bundles.
// `gzrs bench` runs its child mode (`--child BUNDLE CLASS/METHOD ROUTE REQUESTS`, one line
// `RESULT first_ms per_request_us`) for the genezio-cloud model's in-process figures.
// Usage: node cloud-handler.mjs CLASS/METHOD ROUTE REQUESTS ROUNDS BUNDLE_DIR...
//   (BUNDLE_DIRs: unzipped `genezio bundleClass --cloudAdapter genezio` bundles; `gzrs bench`
//   leaves them in <target>/gzrs/bench/<crate>/<contestant>/cloud/task)
import { spawnSync } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [prefix, route, requestsArg, roundsArg, ...bundles] = process.argv.slice(2);

if (prefix === "--child") {
  const [bundle, classMethod, childRoute, n] = [route, requestsArg, roundsArg, Number(bundles[0])];
  process.env.LAMBDA_TASK_ROOT = bundle;
  delete process.env.AWS_LAMBDA_RUNTIME_API;
  const { handler } = await import(pathToFileURL(path.join(bundle, "index.mjs")).href);
  const url = `https://example.com/${classMethod}${childRoute}`;
  const event = () => ({
    http: { method: "GET", path: new URL(url).pathname, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "bench" },
    url: new URL(url),
    headers: { host: "example.com", "user-agent": "bench", accept: "*/*" },
    body: undefined,
    isBase64Encoded: false,
    requestTimestampMs: Date.now(),
  });
  const check = (answer) => {
    if (Number(answer.statusCode) >= 400) throw new Error(`answered ${answer.statusCode}: ${answer.body}`);
  };
  let started = process.hrtime.bigint();
  check(await handler(event(), {}));
  const first = Number(process.hrtime.bigint() - started) / 1e6;
  // Warm-up by time, not count: V8 tiers wasm (and JS) up to optimized code on background
  // threads, which on a loaded two-core machine takes a while after the first calls.
  const warmUntil = Date.now() + 1000;
  while (Date.now() < warmUntil) for (let i = 0; i < 100; i++) check(await handler(event(), {}));
  started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) check(await handler(event(), {}));
  const perRequest = Number(process.hrtime.bigint() - started) / 1e3 / n;
  process.stdout.write(`\nRESULT ${first} ${perRequest}\n`);
  process.exit(0);
}

if (!route || bundles.length === 0) {
  console.error("usage: node cloud-handler.mjs CLASS/METHOD ROUTE REQUESTS ROUNDS BUNDLE_DIR...");
  process.exit(2);
}
const results = new Map(bundles.map((b) => [b, { first: [], perRequest: [] }]));
for (let round = 0; round < Number(roundsArg); round++) {
  for (const bundle of bundles) {
    const out = spawnSync(process.execPath, [process.argv[1], "--child", path.resolve(bundle), prefix, route, requestsArg], {
      cwd: bundle,
      encoding: "utf8",
    });
    const line = out.stdout.split("\n").find((l) => l.startsWith("RESULT "));
    if (out.status !== 0 || !line) throw new Error(`${bundle}: ${out.stderr}`);
    const [, first, perRequest] = line.split(" ").map(Number);
    results.get(bundle).first.push(first);
    results.get(bundle).perRequest.push(perRequest);
  }
}
const median = (list) => [...list].sort((a, b) => a - b)[list.length >> 1];
const firstRounds = results.get(bundles[0]).perRequest;
console.log(`genezio-cloud handler in-process, ${requestsArg} requests per round, median of ${roundsArg} rounds:`);
for (const [bundle, r] of results) {
  const pr = median(r.perRequest);
  // Ratios within a round, then their median: a slow spell on this shared machine hits both
  // bundles of a round, and drops out.
  const ratio = median(r.perRequest.map((us, round) => us / firstRounds[round]));
  console.log(
    `  ${bundle}: ${pr.toFixed(1)} µs a request (${ratio.toFixed(2)}x the first), first request ${median(r.first).toFixed(1)} ms`,
  );
}
