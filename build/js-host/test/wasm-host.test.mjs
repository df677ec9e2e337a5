// Tests of the wasm host against a real gzrs module: the fixture service built by
// `gzrs build --mode wasm` into $GZRS_FIXTURE_PROJECT (the test script does that first).
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const project = process.env.GZRS_FIXTURE_PROJECT;
if (!project) throw new Error("set GZRS_FIXTURE_PROJECT to a `gzrs build --mode wasm` output of tests/fixture-app");
const gzrsDir = path.join(project, "server", "gzrs");
// The host as it ships: the Genezio adapter beside core/, as the build lays them out.
const { WasmHost } = await import(pathToFileURL(path.join(gzrsDir, "wasm-host.mjs")).href);
const { marshal } = await import(pathToFileURL(path.join(gzrsDir, "genezio-common.mjs")).href);
const host = WasmHost.load(pathToFileURL(gzrsDir + "/").href, "./service.wasm");

function request(method, route, { headers = {}, query, body } = {}) {
  const binary = Buffer.isBuffer(body);
  return {
    http: { method, path: `/Fixture/api${route}`, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
    headers,
    queryStringParameters: query,
    timeEpoch: Date.now(),
    body,
    rawBody: binary ? body.toString("base64") : body,
  };
}

test("marshal passes rawBody through and flags a Buffer body as base64", () => {
  const [meta, raw] = marshal(request("POST", "/x", { body: Buffer.from([0, 255]) }));
  assert.equal(raw, "AP8=");
  assert.equal(JSON.parse(meta).isBase64Encoded, true);
  const [meta2, raw2] = marshal({ ...request("POST", "/x", { body: "{\"a\": 1}" }), body: { a: 1 } });
  assert.equal(raw2, "{\"a\": 1}", "rawBody wins over the JSON-parsed body");
  assert.equal(JSON.parse(meta2).isBase64Encoded, false);
});

test("a GET answers with the router's text", async () => {
  const res = await host.handle(request("GET", "/"));
  assert.equal(res.statusCode, 200);
  assert.equal(res.body, "fixture root");
  assert.match(res.headers["content-type"], /^text\/plain/);
});

test("binary bodies come back as an exact Buffer", async () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const res = await host.handle(request("POST", "/echo/binary", { headers: { "content-type": "application/octet-stream" }, body: all }));
  assert.equal(res.statusCode, 200);
  assert.ok(Buffer.isBuffer(res.body));
  assert.deepEqual(res.body, all);
});

test("two Set-Cookie headers stay separate", async () => {
  const res = await host.handle(request("GET", "/cookies"));
  assert.deepEqual(res.headers["set-cookie"], ["session=abc123; Path=/; HttpOnly", "theme=dark; Max-Age=3600"]);
});

test("many requests in flight on one instance each get their own answer", async () => {
  const counts = Array.from({ length: 20 }, (_, i) => i + 1);
  const pending = counts.map((n) => host.handle(request("GET", `/yield/${n}`)));
  assert.ok(host.inFlight > 1, `expected requests in flight together, saw ${host.inFlight}`);
  const answers = await Promise.all(pending);
  assert.deepEqual(answers.map((r) => r.body), counts.map((n) => `yielded ${n}`));
  assert.equal(host.inFlight, 0);
});

test("a panic answers 500 with its message, and a fresh instance serves the next request", async () => {
  const before = host.resets;
  const retriedBefore = host.retried;
  const inFlight = host.handle(request("GET", "/yield/1000"));
  const inFlightPost = host.handle(request("POST", "/yield/1000"));
  const res = await host.handle(request("GET", "/panic"));
  assert.equal(res.statusCode, 500);
  assert.match(JSON.parse(res.body).error, /panicked on purpose/);
  assert.equal(host.resets, before + 1);
  // The requests in flight on the dead instance are answered, not left hanging: the GET runs
  // again on the fresh instance; the POST, which may not be repeated, answers the panic's 500.
  const [get, post] = await Promise.all([inFlight, inFlightPost]);
  assert.deepEqual([get.statusCode, get.body], [200, "yielded 1000"]);
  assert.equal(post.statusCode, 500);
  assert.match(JSON.parse(post.body).error, /panicked on purpose/);
  assert.equal(host.retried, retriedBefore + 1);
  const next = await host.handle(request("GET", "/users/5/posts/x"));
  assert.equal(next.statusCode, 200);
  assert.deepEqual(JSON.parse(next.body), { user: 5, post: "x" });
});

test("bad request objects answer 400 with a message and the instance keeps serving", async () => {
  const resetsBefore = host.resets;
  const cases = [
    [{ headers: {} }, /no `http` section/],
    [{ http: { path: "/Fixture/api/" } }, /no `http.method`/],
    [{ ...request("POST", "/echo/binary", { body: Buffer.from("x") }), rawBody: "%%%not base64" }, /not valid base64/],
    [request("GET", "/", { headers: { "x-bad": "line\nbreak" } }), /invalid value for header/],
    [request("GET", "/", { headers: { "bad name": "v" } }), /invalid header name/],
    [null, /not an object/],
    [{ http: { method: "GET", path: "/Fixture/api/" }, headers: { big: 1n } }, /BigInt/],
  ];
  for (const [req, message] of cases) {
    const res = await host.handle(req);
    assert.equal(res.statusCode, 400, JSON.stringify(res));
    assert.match(JSON.parse(res.body).error, message);
  }
  assert.equal(host.resets, resetsBefore, "bad input must not cost the instance");
  assert.equal((await host.handle(request("GET", "/"))).statusCode, 200);
});

test("requests that arrive while the module compiles are answered once it is ready", async () => {
  // A second copy of the module, so this host is new and still compiling when asked.
  const dir = await mkdtemp(path.join(os.tmpdir(), "gzrs-host-"));
  await copyFile(path.join(gzrsDir, "service.wasm"), path.join(dir, "service.wasm"));
  const fresh = WasmHost.load(pathToFileURL(dir + "/").href, "./service.wasm");
  const early = await Promise.all([fresh.handle(request("GET", "/")), fresh.handle(request("GET", "/yield/3"))]);
  assert.deepEqual(early.map((r) => [r.statusCode, r.body]), [[200, "fixture root"], [200, "yielded 3"]]);
  await rm(dir, { recursive: true, force: true });
});

test("a module that is missing or corrupt answers 500 saying so, and loading it never throws", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "gzrs-host-"));
  const missing = WasmHost.load(pathToFileURL(dir + "/").href, "./service.wasm");
  for (let i = 0; i < 2; i++) {
    const res = await missing.handle(request("GET", "/"));
    assert.equal(res.statusCode, 500);
    assert.match(JSON.parse(res.body).error, /cannot find the service's wasm module/);
  }
  const wasm = await readFile(path.join(gzrsDir, "service.wasm"));
  await writeFile(path.join(dir, "cut.wasm"), wasm.subarray(0, wasm.length >> 1));
  const corrupt = WasmHost.load(pathToFileURL(dir + "/").href, "./cut.wasm");
  const res = await corrupt.handle(request("GET", "/"));
  assert.equal(res.statusCode, 500);
  assert.match(JSON.parse(res.body).error, /cannot be compiled.*Rebuild it with `gzrs build`/);
  await rm(dir, { recursive: true, force: true });
});
