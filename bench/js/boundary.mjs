// Times what crosses into the wasm module per request on the fetch handler's path, in two forms
// on one instance: the compact head the fetch handler writes (method, URL and headers on lines,
// the answer's headers likewise, its body as bytes) and the request object's JSON, the form
// Genezio's adapter uses (and the fetch handler's before). Each round turns a standard Request
// into the head, runs the service and makes the standard Response, in-process, so only the
// boundary differs.
//
// Usage (from a `gzrs build --platform web` output with a `GET /` and a `POST /echo` route):
//   node   bench/js/boundary.mjs BUILD_DIR [ROUNDS]
//   deno run -A bench/js/boundary.mjs BUILD_DIR [ROUNDS]
//   bun    bench/js/boundary.mjs BUILD_DIR [ROUNDS]
// Prints, per route, the median over 9 batches of the microseconds per request in each form,
// and their ratio, taking turns so the machine's noise falls on both.
const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const [build, rounds = "4000"] = args;
if (!build) throw new Error("usage: boundary.mjs BUILD_DIR [ROUNDS]");
const root = new URL(`file://${build.startsWith("/") ? "" : `${globalThis.Deno ? Deno.cwd() : process.cwd()}/`}${build}/gzrs/`);
const { WasmService } = await import(new URL("core/wasm-service.mjs", root));
const { compactHead } = await import(new URL("core/protocol.mjs", root));
const fs = "node:fs/promises";
const bytes = await (await import(fs)).readFile(new URL("service.wasm", root));
const service = new WasmService(WebAssembly.compile(bytes), { env: {} });
await service.whenReady();

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

async function viaCompact(request) {
  const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
  const answer = await service.handle(compactHead(request.method, request.url, "", request.headers), body, false, request.method);
  return new Response(NULL_BODY.has(answer.statusCode) ? null : answer.body, { status: answer.statusCode, headers: answer.headers });
}

async function viaJson(request) {
  const url = new URL(request.url);
  const headers = {};
  for (const [name, value] of request.headers) (headers[name] ??= []).push(value);
  const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
  const meta = JSON.stringify({ http: { method: request.method }, url: url.pathname + url.search, basePath: "", headers });
  const answer = await service.handle(meta, body, false, request.method);
  const out = new Headers();
  for (const [name, value] of Object.entries(answer.headers ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) out.append(name, one);
  }
  return new Response(NULL_BODY.has(answer.statusCode) ? null : answer.body, { status: answer.statusCode, headers: out });
}

const routes = {
  "GET /": () => new Request("http://localhost:8080/", { headers: { "user-agent": "bench", accept: "*/*" } }),
  "POST /echo": () =>
    new Request("http://localhost:8080/echo", {
      method: "POST",
      body: JSON.stringify({ text: "hello there" }),
      headers: { "content-type": "application/json", "user-agent": "bench", accept: "*/*" },
    }),
};

async function batch(form, make, n) {
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const response = await form(make());
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${response.status} from the service`);
  }
  return ((performance.now() - start) * 1000) / n;
}

const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
const runtime = globalThis.Deno ? "deno" : globalThis.Bun ? "bun" : "node";
for (const [route, make] of Object.entries(routes)) {
  // Same answers both ways, then a warm-up long enough for the wasm to reach optimized code.
  const [a, b] = [await viaCompact(make()), await viaJson(make())];
  const [ta, tb] = [await a.text(), await b.text()];
  if (ta !== tb || a.headers.get("content-type") !== b.headers.get("content-type")) {
    throw new Error(`the two forms answer differently: ${ta} / ${tb}`);
  }
  const warmUntil = performance.now() + 1500;
  while (performance.now() < warmUntil) {
    await batch(viaCompact, make, 200);
    await batch(viaJson, make, 200);
  }
  const per = Number(rounds) / 9;
  const compact = [];
  const json = [];
  for (let i = 0; i < 9; i++) {
    compact.push(await batch(viaCompact, make, per));
    json.push(await batch(viaJson, make, per));
  }
  const [c, j] = [median(compact), median(json)];
  console.log(`${runtime} ${route}: compact ${c.toFixed(2)} us, JSON ${j.toFixed(2)} us, compact/JSON ${(c / j).toFixed(2)}`);
}
