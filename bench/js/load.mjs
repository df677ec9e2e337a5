// Cold load of a gzrs wasm module, as a fresh Lambda would pay it: read the .wasm file, compile
// it, instantiate it and run its `gzrs_init` (which builds and installs the service).
// Then the first request, which compiles (lazily) what it runs.
// Usage: node load.mjs PROJECT [RUNS]  — spawns RUNS fresh node processes, prints the medians.
// ROUTE=/Class/method/path in the environment picks the request (default: `/<Class>/api/`).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [project, runsArg, child, routeArg] = process.argv.slice(2);
// The route the first request asks for: the class's HTTP method's path (the class file in
// `server/` names it: `/<Class>/api/`), or ROUTE in the environment.
const route = routeArg ?? process.env.ROUTE ?? firstRoute(project);
const gzrsDir = path.join(project, "server", "gzrs");
const wasmPath = path.join(gzrsDir, "service.wasm");

if (child === "--child") {
  const { WasmHost } = await import(pathToFileURL(path.join(gzrsDir, "wasm-host.mjs")).href);
  const start = process.hrtime.bigint();
  const host = WasmHost.load(pathToFileURL(gzrsDir + "/").href, "./service.wasm");
  await host.whenReady();
  const ready = process.hrtime.bigint();
  // The first request compiles (lazily) every function it runs, so it is part of a cold start.
  const answer = await host.handle({ http: { method: "GET", path: route }, headers: { host: "localhost" } });
  const first = process.hrtime.bigint();
  if (Number(answer.statusCode) >= 500) throw new Error(`the first request answered ${JSON.stringify(answer).slice(0, 300)}`);
  process.stdout.write(`${Number(ready - start) / 1e6} ${Number(first - ready) / 1e6}\n`);
} else {
  const runs = Number(runsArg ?? 20);
  const [loads, firsts] = [[], []];
  for (let i = 0; i < runs; i++) {
    const out = spawnSync(process.execPath, [process.argv[1], project, "1", "--child", route], { encoding: "utf8" });
    if (out.status !== 0) throw new Error(out.stderr);
    // The last line: the host logs its start line before it.
    const [load, first] = out.stdout.trim().split("\n").at(-1).split(" ").map(Number);
    loads.push(load);
    firsts.push(first);
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const size = statSync(wasmPath).size;
  console.log(`wasm module: ${size} bytes (${(size / 1024).toFixed(0)} KiB)`);
  console.log(
    `load+compile+instantiate+init: median ${median(loads).toFixed(2)} ms over ${runs} fresh processes ` +
      `(min ${loads[0].toFixed(2)}, max ${loads.at(-1).toFixed(2)})`,
  );
  console.log(`then the first request (GET ${route}): median ${median(firsts).toFixed(2)} ms`);
}

/** `/<Class>/api/` for the project's one class file in `server/`. */
function firstRoute(project) {
  const classFile = readdirSync(path.join(project, "server")).find((f) => f.endsWith(".ts"));
  return `/${classFile?.replace(/\.ts$/, "") ?? "Hello"}/api/`;
}
